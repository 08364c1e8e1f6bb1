import { AsyncLocalStorage } from 'node:async_hooks';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

/** `editor`: reviews and publishes knowledge articles. */
export const ROLES = ['customer', 'agent', 'supervisor', 'admin', 'analyst', 'editor'] as const;
export type Role = (typeof ROLES)[number];

export const identitySchema = z.object({
  userId: z.string().min(1),
  roles: z.array(z.enum(ROLES)),
  queueIds: z.array(z.string()),
  customerId: z.string().nullable(),
  /**
   * The seeding clock: the time a change is recorded at, set by the gateway
   * only for the seed's token outside production (see `changeTime`).
   */
  seedTime: z.string().datetime({ offset: true }).optional(),
});

/** Who is calling, as verified by the gateway and forwarded to subgraphs. */
export type Identity = z.infer<typeof identitySchema>;

export const ANONYMOUS: Identity = { userId: 'anonymous', roles: [], queueIds: [], customerId: null };

export const IDENTITY_HEADER = 'x-deskgraph-identity';
export const IDENTITY_SIGNATURE_HEADER = 'x-deskgraph-identity-signature';

function sign(payload: string, secret: string): string {
  return createHmac('sha256', secret).update(payload).digest('base64url');
}

/**
 * How long a signed identity stays valid. Short, so a captured header pair
 * cannot be replayed against a subgraph later; long enough for clock skew
 * between the gateway and subgraph hosts and a slow subgraph fetch.
 */
export const IDENTITY_TTL_SECONDS = 60;

const signedIdentitySchema = identitySchema.extend({ exp: z.number().int() });

/** Headers the gateway adds to every subgraph request. */
export function signIdentityHeaders(
  identity: Identity,
  secret: string,
  now: number = Date.now(),
): Record<string, string> {
  const exp = Math.floor(now / 1000) + IDENTITY_TTL_SECONDS;
  const payload = Buffer.from(JSON.stringify({ ...identity, exp })).toString('base64url');
  return { [IDENTITY_HEADER]: payload, [IDENTITY_SIGNATURE_HEADER]: sign(payload, secret) };
}

/**
 * Identities verified lately, by signature. The gateway reuses a signed
 * header pair for up to a second (IdentitySigner), so a storm's requests
 * mostly repeat one: checking the HMAC and parsing the payload once per pair
 * instead of per request spared a few percent of each subgraph's CPU. An
 * entry counts only for the exact payload it was verified with, and only
 * until its own expiry.
 */
const verified = new Map<string, { payload: string; identity: Identity; expiresAtMs: number }>();
const VERIFIED_MAX = 1_000;

/**
 * Returns the identity when the headers were signed with the shared secret
 * and have not expired, null otherwise: a request that did not come through
 * the gateway, or a replayed one. Callers must not modify the identity: it
 * is shared by the requests that carried the same headers.
 */
export function verifyIdentityHeaders(
  headers: Record<string, string | string[] | undefined>,
  secret: string,
  now: number = Date.now(),
): Identity | null {
  const payload = headers[IDENTITY_HEADER];
  const signature = headers[IDENTITY_SIGNATURE_HEADER];
  if (typeof payload !== 'string' || typeof signature !== 'string') return null;
  const cacheKey = `${secret.length}:${secret}:${signature}`;
  const known = verified.get(cacheKey);
  if (known && known.payload === payload) return known.expiresAtMs < now ? null : known.identity;
  const expected = Buffer.from(sign(payload, secret));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
  try {
    const parsed = signedIdentitySchema.safeParse(
      JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')),
    );
    if (!parsed.success || parsed.data.exp * 1000 < now) return null;
    const { exp, ...rest } = parsed.data;
    // Shared by every request that carries these headers: frozen so none can change it for the others.
    const identity = Object.freeze(rest);
    if (verified.size >= VERIFIED_MAX) verified.clear();
    verified.set(cacheKey, { payload, identity, expiresAtMs: exp * 1000 });
    return identity;
  } catch {
    return null;
  }
}

/**
 * When a change made by this caller happens: now, or for the demo seed the
 * past moment it replays (the gateway's seeding clock, never in production),
 * so history created through the graph keeps its real times.
 */
export function changeTime(identity: Identity | null | undefined): Date {
  return identity?.seedTime ? new Date(identity.seedTime) : new Date();
}

const seedHistory = new AsyncLocalStorage<true>();

/**
 * Runs a request's work marked as seeded history when its identity carries
 * the seeding clock: the events it writes say so (`seedclock`), so the SLA
 * service waits for the rest of that history before firing its timers.
 */
export function withSeedHistory<T>(identity: Identity | null, work: () => T): T {
  return identity?.seedTime ? seedHistory.run(true, work) : work();
}

export function recordingSeedHistory(): boolean {
  return seedHistory.getStore() === true;
}

export function hasRole(identity: Identity, ...roles: Role[]): boolean {
  return identity.roles.some((role) => roles.includes(role));
}

export function isStaff(identity: Identity): boolean {
  return hasRole(identity, 'agent', 'supervisor', 'admin', 'analyst');
}

/** Admins see every queue; others the queues their token lists. */
export function canSeeQueue(identity: Identity, queueId: string): boolean {
  if (hasRole(identity, 'admin')) return true;
  if (!hasRole(identity, 'agent', 'supervisor', 'analyst')) return false;
  return identity.queueIds.includes(queueId);
}

/**
 * The part of an identity that decides what it may read. Two subscribers with
 * the same scope see the same data, so a fetch can be shared between them.
 */
export function authorizationScope(identity: Identity): string {
  return JSON.stringify([[...identity.roles].sort(), [...identity.queueIds].sort(), identity.customerId]);
}
