import { GraphQLError } from 'graphql';
import type { Identity } from '@deskgraph/platform';
import type { VerifiedToken } from './jwt';

/** Request header of the seeding clock: the ISO time the request's changes are recorded at. */
export const SEED_TIME_HEADER = 'x-deskgraph-seed-time';

/** How far back the seeding clock may go: a year of demo history and then some. */
export const SEED_CLOCK_MAX_PAST_DAYS = 400;

/** Clock skew allowed between the seed's machine and the gateway. */
const FUTURE_SKEW_MS = 60_000;

/**
 * The seeding clock (`npm run seed`): a request with `X-Deskgraph-Seed-Time`
 * records its changes at that past time, so the demo desk's history has its
 * real times and every projection fills as it would have. Honoured only for a
 * token minted with `seedClock: true` (the seed mints its own with the
 * development secret) and never when `NODE_ENV=production`; anyone else
 * sending the header gets FORBIDDEN, not a silently ignored header.
 */
export function withSeedClock(
  verified: VerifiedToken,
  header: string | undefined,
  enabled: boolean,
  now: number = Date.now(),
): Identity {
  if (header === undefined) return verified.identity;
  if (!enabled) {
    throw new GraphQLError('The seeding clock (X-Deskgraph-Seed-Time) is off in production.', {
      extensions: { code: 'FORBIDDEN', reason: 'SEED_CLOCK_DISABLED', http: { status: 403 } },
    });
  }
  if (!verified.seedClock) {
    throw new GraphQLError(
      'Only the demo seed token may set X-Deskgraph-Seed-Time; remove the header to act now.',
      { extensions: { code: 'FORBIDDEN', reason: 'SEED_CLOCK_NOT_ALLOWED', http: { status: 403 } } },
    );
  }
  const at = Date.parse(header);
  const oldest = now - SEED_CLOCK_MAX_PAST_DAYS * 86_400_000;
  if (!/^\d{4}-\d\d-\d\dT/.test(header) || Number.isNaN(at) || at > now + FUTURE_SKEW_MS || at < oldest) {
    throw new GraphQLError(
      `X-Deskgraph-Seed-Time must be an ISO 8601 time with offset within the last ${SEED_CLOCK_MAX_PAST_DAYS} days, e.g. 2026-11-02T09:30:00+08:00; got "${header}".`,
      { extensions: { code: 'BAD_USER_INPUT', reason: 'SEED_TIME_INVALID', http: { status: 400 } } },
    );
  }
  return { ...verified.identity, seedTime: new Date(Math.min(at, now)).toISOString() };
}
