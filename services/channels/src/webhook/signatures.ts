import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-deskgraph-signature';

/**
 * `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`. The
 * timestamp is signed with the body, so a receiver can refuse replays older
 * than its tolerance (the README has a verification snippet).
 */
export function signWebhook(secret: string, body: string, timestampSeconds: number): string {
  const digest = createHmac('sha256', secret).update(`${timestampSeconds}.${body}`).digest('hex');
  return `t=${timestampSeconds},v1=${digest}`;
}

/** The receiver's side, as documented; used by the tests and the bench receiver. */
export function verifyWebhookSignature(
  secret: string,
  body: string,
  header: string,
  toleranceSeconds = 300,
  nowSeconds = Math.floor(Date.now() / 1000),
): boolean {
  const parts = Object.fromEntries(header.split(',').map((part) => part.split('=', 2) as [string, string]));
  const timestamp = Number(parts.t);
  if (!Number.isInteger(timestamp) || !parts.v1) return false;
  if (Math.abs(nowSeconds - timestamp) > toleranceSeconds) return false;
  const expected = Buffer.from(createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex'));
  const given = Buffer.from(parts.v1);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/**
 * DingTalk custom robot 加签: sign = urlencode(base64(HMAC-SHA256(secret,
 * "<timestamp ms>\n<secret>"))), sent as `timestamp` and `sign` query
 * parameters.
 */
export function dingTalkSignedUrl(url: string, secret: string, nowMs: number): string {
  const sign = createHmac('sha256', secret).update(`${nowMs}\n${secret}`).digest('base64');
  const separator = url.includes('?') ? '&' : '?';
  return `${url}${separator}timestamp=${nowMs}&sign=${encodeURIComponent(sign)}`;
}

/**
 * Feishu custom robot 签名校验: sign = base64(HMAC-SHA256 keyed with
 * "<timestamp s>\n<secret>" over an empty message), sent in the body.
 */
export function feishuSignature(secret: string, timestampSeconds: number): string {
  return createHmac('sha256', `${timestampSeconds}\n${secret}`).update('').digest('base64');
}
