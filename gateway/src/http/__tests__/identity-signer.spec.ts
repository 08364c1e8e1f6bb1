import {
  IDENTITY_HEADER,
  IDENTITY_TTL_SECONDS,
  verifyIdentityHeaders,
  type Identity,
} from '@deskgraph/platform';
import { IdentitySigner } from '../identity-forwarding';

const SECRET = 'identity-signer-test-secret';
const agent: Identity = { userId: 'agent-1', roles: ['agent'], queueIds: ['general'], customerId: null };

function clock(start = 1_800_000_000_000) {
  const state = { now: start };
  return { state, now: () => state.now };
}

const asHeaders = (pairs: [string, string][]) => Object.fromEntries(pairs);
const expOf = (pairs: [string, string][]) =>
  (
    JSON.parse(Buffer.from(asHeaders(pairs)[IDENTITY_HEADER], 'base64url').toString('utf8')) as {
      exp: number;
    }
  ).exp;

describe('IdentitySigner', () => {
  it('should reuse the signature when the same identity is sent again within reuseMs', () => {
    const time = clock();
    const signer = new IdentitySigner(SECRET, 1_000, time.now);
    const first = signer.headersFor(agent);

    time.state.now += 999;

    expect(signer.headersFor(agent)).toBe(first);
    expect(verifyIdentityHeaders(asHeaders(first), SECRET, time.state.now)).toEqual(agent);
  });

  it('should sign afresh with a later exp when the signature is reuseMs old', () => {
    const time = clock();
    const signer = new IdentitySigner(SECRET, 1_000, time.now);
    const first = signer.headersFor(agent);

    time.state.now += 1_000;
    const second = signer.headersFor(agent);

    expect(second).not.toBe(first);
    expect(expOf(second)).toBe(Math.floor(time.state.now / 1000) + IDENTITY_TTL_SECONDS);
  });

  it('should let a reused signature expire IDENTITY_TTL_SECONDS after it was signed when a subgraph checks it later', () => {
    const time = clock();
    const signer = new IdentitySigner(SECRET, 1_000, time.now);
    const signedAt = time.state.now;
    const headers = asHeaders(signer.headersFor(agent));

    expect(verifyIdentityHeaders(headers, SECRET, signedAt + IDENTITY_TTL_SECONDS * 1000)).toEqual(agent);
    expect(verifyIdentityHeaders(headers, SECRET, signedAt + (IDENTITY_TTL_SECONDS + 1) * 1000)).toBeNull();
  });

  it('should sign each identity separately when two callers share a moment', () => {
    const signer = new IdentitySigner(SECRET, 1_000, clock().now);
    const supervisor: Identity = { ...agent, userId: 'sup-1', roles: ['supervisor'] };

    const forAgent = asHeaders(signer.headersFor(agent));
    const forSupervisor = asHeaders(signer.headersFor(supervisor));

    expect(verifyIdentityHeaders(forAgent, SECRET, clock().state.now)).toEqual(agent);
    expect(verifyIdentityHeaders(forSupervisor, SECRET, clock().state.now)).toEqual(supervisor);
  });
});
