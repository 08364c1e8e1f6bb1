import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { expressMiddleware } from '@as-integrations/express5';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import express, { type Express } from 'express';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { verifyIdentityHeaders, withSeedHistory, type Identity } from '../auth/identity';
import type { GatewayTrustConfig, HttpConfig } from '../config/models';
import { DomainError } from '../errors/domain-error';
import { isDatabaseUnavailable, serviceUnavailable } from '../errors/service-unavailable';
import { withCorrelationId, type Logger } from '../logging/logger';
import { graphqlMetricsPlugin, type Metrics } from './metrics';
import { mountOperationalRoutes } from './operational-routes';
import { loadSubgraphTypeDefs } from './sdl';

export interface BaseContext {
  identity: Identity;
  logger: Logger;
  /** The request's `Idempotency-Key` header (forwarded by the gateway), for mutations that take one. */
  idempotencyKey: string | null;
}

export interface SubgraphServerOptions<TContext extends BaseContext> {
  name: string;
  schemaDirectory: string;
  /** Resolver map keyed by type name; typed by each service. */
  resolvers: object;
  http: HttpConfig;
  trust: GatewayTrustConfig;
  logger: Logger;
  metrics: Metrics;
  /** Named checks behind /health/ready; all must pass. */
  readiness: () => Promise<Record<string, boolean>>;
  /** Named checks behind /health/live; a failing one asks the orchestrator to restart the process. */
  liveness?: () => Record<string, boolean>;
  buildContext: (base: BaseContext) => TContext;
  /** Turns a service's domain errors into GraphQL errors with `extensions.code`. */
  mapDomainError: (error: DomainError) => GraphQLError;
  /** Request body limit; larger requests get 413. */
  maxRequestBytes?: string;
  /** Plain HTTP pages a service serves besides /graphql (e.g. links customers open from a mail). */
  routes?: (app: Express) => void;
}

/**
 * Idle keep-alive sockets stay open this long (Node adds a 1 s buffer beyond
 * what it advertises in `Keep-Alive: timeout=65`). The gateway's agent drops
 * its idle sockets after 60 s (gateway/src/http/subgraph-fetch.ts), so the
 * gateway never writes a request into a socket a subgraph is closing.
 */
export const SUBGRAPH_KEEP_ALIVE_TIMEOUT_MS = 65_000;

export interface RunningServer {
  url: string;
  port: number;
  httpServer: Server;
  stop(): Promise<void>;
}

export async function startSubgraphServer<TContext extends BaseContext>(
  options: SubgraphServerOptions<TContext>,
): Promise<RunningServer> {
  const app = express();
  app.disable('x-powered-by');
  // The gateway never revalidates: hashing every response body for an ETag is CPU for nothing.
  app.set('etag', false);
  const httpServer = createServer(app);
  httpServer.keepAliveTimeout = SUBGRAPH_KEEP_ALIVE_TIMEOUT_MS;
  // Node's advice: headersTimeout above keepAliveTimeout, so a reused socket is not cut at headers time.
  httpServer.headersTimeout = SUBGRAPH_KEEP_ALIVE_TIMEOUT_MS + 1_000;
  const schema = buildSubgraphSchema({
    typeDefs: loadSubgraphTypeDefs(options.schemaDirectory),
    resolvers: options.resolvers as GraphQLResolverMap<unknown>,
  });

  const formatError = (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = error instanceof GraphQLError ? (error.originalError ?? error) : error;
    if (original instanceof DomainError) {
      const mapped = options.mapDomainError(original);
      return { ...formatted, message: mapped.message, extensions: { ...mapped.extensions } };
    }
    if (formatted.extensions?.code === 'INTERNAL_SERVER_ERROR' && isDatabaseUnavailable(original)) {
      // Retrying later works, so say so: a bare INTERNAL_SERVER_ERROR tells a client nothing.
      options.logger.warn({ err: original }, 'database unavailable');
      const unavailable = serviceUnavailable(options.name, 'DATABASE_UNAVAILABLE');
      return { message: unavailable.message, path: formatted.path, extensions: unavailable.extensions };
    }
    if (formatted.extensions?.code === 'INTERNAL_SERVER_ERROR') {
      options.logger.error({ err: original }, 'unexpected error in resolver');
      // Never leak internals (SQL, stack traces) to clients.
      return {
        message: 'Internal server error',
        path: formatted.path,
        extensions: { code: 'INTERNAL_SERVER_ERROR' },
      };
    }
    return formatted;
  };

  const server = new ApolloServer<TContext>({
    schema,
    formatError,
    includeStacktraceInErrorResponses: false,
    csrfPrevention: false,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      graphqlMetricsPlugin(options.metrics) as ApolloServerPlugin<TContext>,
    ],
  });
  await server.start();

  const operational = mountOperationalRoutes(app, {
    service: options.name,
    liveness: options.liveness,
    readiness: options.readiness,
    metrics: options.metrics,
  });
  options.routes?.(app);
  app.use(
    '/graphql',
    // Log lines and outgoing events of this request carry the gateway's correlation id.
    (request, _response, next) => withCorrelationId(request.header('x-correlation-id'), next),
    // Events written for a request under the seeding clock are marked as seeded history. Verified
    // once per request (an HMAC and a schema parse), kept for the context below.
    (request, response, next) => {
      const identity = verifyIdentityHeaders(request.headers, options.trust.sharedSecret);
      response.locals.identity = identity;
      withSeedHistory(identity, next);
    },
    express.json({ limit: options.maxRequestBytes ?? '1mb' }),
    expressMiddleware(server, {
      context: async ({ req, res }) => {
        const identity = res.locals.identity as Identity | null;
        if (!identity) {
          // Only the gateway can sign identities; direct calls are refused.
          throw new GraphQLError('Requests must come through the deskgraph gateway.', {
            extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } },
          });
        }
        const correlationId = req.header('x-correlation-id') ?? undefined;
        const logger = options.logger.child({ userId: identity.userId, correlationId });
        return options.buildContext({
          identity,
          logger,
          idempotencyKey: req.header('idempotency-key') ?? null,
        });
      },
    }),
  );

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(options.http.port, options.http.host, () => resolve());
  });
  const { port } = httpServer.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}/graphql`;
  options.logger.info({ url }, `${options.name} subgraph listening`);
  return {
    url,
    port,
    httpServer,
    stop: () => {
      operational.drain();
      return server.stop();
    },
  };
}

export { withCorrelationId };
