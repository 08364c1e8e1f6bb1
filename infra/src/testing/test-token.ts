import { SignJWT } from 'jose';
import type { Role } from '@deskgraph/platform';
import { TEST_JWT_SECRET } from './test-stack';

export interface TestIdentity {
  userId?: string;
  roles: Role[];
  queueIds?: string[];
  customerId?: string;
  /** jose duration ('1h') or epoch seconds. */
  expiresIn?: string | number;
}

/** A token the test stack's gateway accepts (HS256, test secret). */
export function testToken(identity: TestIdentity): Promise<string> {
  return new SignJWT({
    roles: identity.roles,
    queues: identity.queueIds ?? [],
    ...(identity.customerId ? { customerId: identity.customerId } : {}),
  })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(identity.userId ?? `${identity.roles[0]}-1`)
    .setIssuer('deskgraph')
    .setAudience('deskgraph')
    .setIssuedAt()
    .setExpirationTime(identity.expiresIn ?? '1h')
    .sign(new TextEncoder().encode(TEST_JWT_SECRET));
}
