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
}

/** Claims deskgraph reads from a token. */
interface DeskgraphClaims extends JWTPayload {
  roles?: unknown;
  queues?: unknown;
  customerId?: unknown;
}

export class TokenVerifier {
  private readonly key: Uint8Array | JWTVerifyGetKey;
  private readonly algorithms: string[];

  constructor(private readonly config: AuthConfig) {
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
    let payload: DeskgraphClaims;
    try {
      const verified = await jwtVerify(token, this.key as Uint8Array, {
        issuer: this.config.issuer,
        audience: this.config.audience,
        algorithms: this.algorithms,
        requiredClaims: ['sub', 'exp'],
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
    return { identity: parsed.data, expiresAt: payload.exp ? payload.exp * 1000 : null };
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
}

/** Mints an HS256 token; for development and tests only. */
export async function signDevelopmentToken(options: DevelopmentTokenOptions): Promise<string> {
  return new SignJWT({
    roles: options.roles,
    queues: options.queueIds,
    ...(options.customerId ? { customerId: options.customerId } : {}),
  })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(options.userId)
    .setIssuer(options.issuer)
    .setAudience(options.audience)
    .setIssuedAt()
    .setExpirationTime(options.expiresIn)
    .sign(new TextEncoder().encode(options.secret));
}
