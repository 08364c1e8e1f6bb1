import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * A link token: the link's id and an HMAC-SHA256 of it, base64url. The id is
 * random and the row says what it does, so the token carries no claims to
 * trust; the HMAC turns a forged or altered id away before any lookup.
 */
export function signLinkToken(linkId: string, secret: string): string {
  const id = Buffer.from(linkId).toString('base64url');
  return `${id}.${createHmac('sha256', secret).update(id).digest('base64url')}`;
}

/** The link id of a token signed with `secret`, or null for anything else. */
export function verifyLinkToken(token: string, secret: string): string | null {
  const [id, signature, ...rest] = token.split('.');
  if (!id || !signature || rest.length > 0) return null;
  const expected = Buffer.from(createHmac('sha256', secret).update(id).digest('base64url'));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
  const linkId = Buffer.from(id, 'base64url').toString('utf8');
  return /^[0-9a-f-]{36}$/.test(linkId) ? linkId : null;
}
