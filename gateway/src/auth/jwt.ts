import { createRemoteJWKSet, jwtVerify, SignJWT, errors, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { ANONYMOUS, identitySchema, type Identity, type Role } from '@deskgraph/platform';
import type { AuthConfig } from '../environment';

export class AuthenticationError extends Error {
  constructor(
    message: string,
    readonly expired = false,
  ) {
    super(message);
    this.name = 'AuthenticationError';
  }
}

export interface VerifiedToken {
  identity: Identity;
  /** Expiry in epoch ms, used to close sockets when the token runs out. */
  expiresAt: number | null;
  /** The token carries `seedClock: true`: the demo seed's, which may set the seeding clock. */
  seedClock?: boolean;
}

/** Claims deskgraph reads from a token. */
interface DeskgraphClaims extends JWTPayload {
  roles?: unknown;
  queues?: unknown;
  customerId?: unknown;
  seedClock?: unknown;
}

export interface VerifiedTokenCacheOptions {
  /** Longest a verified token is trusted without checking its signature again (ms). */
  maxAgeMs?: number;
  /** Most tokens remembered; the least recently used go first. */
  maxEntries?: number;
  now?: () => number;
}

interface CachedToken {
  verified: VerifiedToken;
  /** Epoch ms after which the entry is verified afresh: never later than the token's exp. */
  trustedUntil: number;
}

export class TokenVerifier {
  private readonly key: Uint8Array | JWTVerifyGetKey;
  private readonly algorithms: string[];
  /**
   * Verified tokens by their text. Every request carries the same token for
   * minutes, and checking its signature (and parsing its claims) again each
   * time was a measurable share of the gateway's CPU per request. Only
   * successes are kept, each until the token's exp at the latest (and at most
   * `maxAgeMs`, so a key dropped from the JWKS stops being honoured soon).
   */
  private readonly cache = new Map<string, CachedToken>();
  private readonly maxAgeMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(
    private readonly config: AuthConfig,
    cacheOptions: VerifiedTokenCacheOptions = {},
  ) {
    this.maxAgeMs = cacheOptions.maxAgeMs ?? 60_000;
    this.maxEntries = cacheOptions.maxEntries ?? 10_000;
    this.now = cacheOptions.now ?? Date.now;
    if (config.jwksUrl) {
      this.key = createRemoteJWKSet(new URL(config.jwksUrl));
      this.algorithms = ['RS256', 'ES256'];
    } else {
      this.key = new TextEncoder().encode(config.secret);
      this.algorithms = ['HS256'];
    }
  }

  /** A missing token is the anonymous caller; a bad one is an error. */
  async verify(token: string | null | undefined): Promise<VerifiedToken> {
    if (!token) return { identity: ANONYMOUS, expiresAt: null };
    const now = this.now();
    const cached = this.cache.get(token);
    if (cached) {
      this.cache.delete(token);
      if (now < cached.trustedUntil) {
        // Re-inserting keeps the Map in least-recently-used order for eviction.
        this.cache.set(token, cached);
        return cached.verified;
      }
    }
    const verified = await this.verifySignature(token, now);
    // requiredClaims makes exp present on every verified token.
    const trustedUntil = Math.min(verified.expiresAt ?? now, now + this.maxAgeMs);
    if (trustedUntil > now) {
      this.cache.set(token, { verified, trustedUntil });
      if (this.cache.size > this.maxEntries) this.cache.delete(this.cache.keys().next().value!);
    }
    return verified;
  }

  private async verifySignature(token: string, now: number): Promise<VerifiedToken> {
    let payload: DeskgraphClaims;
    try {
      const verified = await jwtVerify(token, this.key as Uint8Array, {
        issuer: this.config.issuer,
        audience: this.config.audience,
        algorithms: this.algorithms,
        requiredClaims: ['sub', 'exp'],
        currentDate: new Date(now),
      });
      payload = verified.payload;
    } catch (error) {
      if (error instanceof errors.JWTExpired)
        throw new AuthenticationError('Your token has expired; sign in again.', true);
      throw new AuthenticationError(`Invalid token: ${(error as Error).message}`);
    }
    const parsed = identitySchema.safeParse({
      userId: payload.sub,
      roles: payload.roles ?? [],
      queueIds: payload.queues ?? [],
      customerId: typeof payload.customerId === 'string' ? payload.customerId : null,
    });
    if (!parsed.success) {
      throw new AuthenticationError(
        `Invalid token claims: ${parsed.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`).join('; ')}`,
      );
    }
    // Cached identities are shared by every request with the token: frozen so none can alter another's.
    const identity: Identity = Object.freeze({
      ...parsed.data,
      roles: Object.freeze(parsed.data.roles) as Role[],
      queueIds: Object.freeze(parsed.data.queueIds) as string[],
    });
    return {
      identity,
      expiresAt: payload.exp ? payload.exp * 1000 : null,
      ...(payload.seedClock === true ? { seedClock: true } : {}),
    };
  }
}

export function bearerToken(header: string | undefined | null): string | null {
  if (!header) return null;
  const match = /^Bearer\s+(.+)$/i.exec(header.trim());
  return match ? match[1] : null;
}

export interface DevelopmentTokenOptions {
  secret: string;
  issuer: string;
  audience: string;
  userId: string;
  roles: Role[];
  queueIds: string[];
  customerId?: string | null;
  expiresIn: string | number;
  /** The demo seed's token: may record changes at past times (`X-Deskgraph-Seed-Time`, never in production). */
  seedClock?: boolean;
}

/** Mints an HS256 token; for development and tests only. */
export async function signDevelopmentToken(options: DevelopmentTokenOptions): Promise<string> {
  return new SignJWT({
    roles: options.roles,
    queues: options.queueIds,
    ...(options.customerId ? { customerId: options.customerId } : {}),
    ...(options.seedClock ? { seedClock: true } : {}),
  })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(options.userId)
    .setIssuer(options.issuer)
    .setAudience(options.audience)
    .setIssuedAt()
    .setExpirationTime(options.expiresIn)
    .sign(new TextEncoder().encode(options.secret));
}
