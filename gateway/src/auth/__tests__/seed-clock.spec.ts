import { GraphQLError } from 'graphql';
import type { Identity } from '@deskgraph/platform';
import { signDevelopmentToken, TokenVerifier, type VerifiedToken } from '../jwt';
import { withSeedClock } from '../seed-clock';

const NOW = Date.parse('2026-11-29T12:00:00Z');
const identity: Identity = { userId: 'seed-admin', roles: ['admin'], queueIds: [], customerId: null };
const seed: VerifiedToken = { identity, expiresAt: null, seedClock: true };

function refusal(run: () => unknown): { code: unknown; reason: unknown } {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(GraphQLError);
    const { code, reason } = (error as GraphQLError).extensions;
    return { code, reason };
  }
  throw new Error('expected a refusal');
}

describe('seeding clock', () => {
  it('should leave the identity as it is when the header is absent', () => {
    expect(withSeedClock({ identity, expiresAt: null }, undefined, true, NOW)).toBe(identity);
  });

  it('should put the time into the identity when the seed token sends a past time', () => {
    expect(withSeedClock(seed, '2026-11-02T09:30:00+08:00', true, NOW)).toEqual({
      ...identity,
      seedTime: '2026-11-02T01:30:00.000Z',
    });
  });

  it('should refuse the header when the token is not the seed token', () => {
    expect(
      refusal(() => withSeedClock({ identity, expiresAt: null }, '2026-11-02T09:30:00Z', true, NOW)),
    ).toEqual({
      code: 'FORBIDDEN',
      reason: 'SEED_CLOCK_NOT_ALLOWED',
    });
  });

  it('should refuse the header when the seeding clock is off (production)', () => {
    expect(refusal(() => withSeedClock(seed, '2026-11-02T09:30:00Z', false, NOW))).toEqual({
      code: 'FORBIDDEN',
      reason: 'SEED_CLOCK_DISABLED',
    });
  });

  it.each([['yesterday'], ['2026-11-29T12:05:00Z'], ['2025-01-01T00:00:00Z'], ['1764000000000']])(
    'should refuse %s as a seed time when it is not an ISO time within the last 400 days',
    (header) => {
      expect(refusal(() => withSeedClock(seed, header, true, NOW))).toEqual({
        code: 'BAD_USER_INPUT',
        reason: 'SEED_TIME_INVALID',
      });
    },
  );

  it('should carry the seedClock claim through a development token', async () => {
    const auth = { secret: 'a-development-secret-of-length', issuer: 'deskgraph', audience: 'deskgraph' };
    const verifier = new TokenVerifier({
      ...auth,
      jwksUrl: undefined,
      allowedOrigins: ['*'],
      seedClock: true,
    });
    const options = {
      ...auth,
      userId: 'seed-admin',
      roles: ['admin' as const],
      queueIds: [],
      expiresIn: '1h',
    };
    expect(
      (await verifier.verify(await signDevelopmentToken({ ...options, seedClock: true }))).seedClock,
    ).toBe(true);
    expect((await verifier.verify(await signDevelopmentToken(options))).seedClock).toBeUndefined();
  });
});
