export { signDevelopmentToken, TokenVerifier, AuthenticationError } from './auth/jwt';
export { composeSupergraph, readCommittedSupergraph, SUPERGRAPH_PATH } from './compose/compose';
export { CLOSE_CODES, startGateway } from './server';
