import cors from 'cors';
import type { RequestHandler } from 'express';

/**
 * Whether a browser origin may use the graph: the one rule behind both CORS
 * and the WebSocket origin check. Requests without an Origin do not come
 * from a browser page and are not subject to it.
 */
export function originAllowed(allowedOrigins: readonly string[], origin: string | undefined): boolean {
  return !origin || allowedOrigins.includes('*') || allowedOrigins.includes(origin);
}

/**
 * CORS for `ALLOWED_ORIGINS`: answers preflights (204) and adds
 * Access-Control-Allow-Origin for allowed origins only; a refused origin gets
 * no CORS headers at all, so the browser withholds the response. Credentials are not
 * allowed: the token travels in the Authorization header, never a cookie.
 * Apollo's CSRF prevention still refuses simple (non-preflighted) requests.
 */
export function corsForOrigins(allowedOrigins: readonly string[]): RequestHandler[] {
  const anyOrigin = allowedOrigins.includes('*');
  const withCors = cors({
    // false skips CORS altogether, so a refused origin does not even learn the allowed headers.
    origin: (origin, allow) =>
      allow(null, origin && originAllowed(allowedOrigins, origin) ? (anyOrigin ? '*' : origin) : false),
    methods: ['GET', 'POST'],
    allowedHeaders: [
      'authorization',
      'content-type',
      'x-correlation-id',
      // Makes a retried mutation safe; passed on to the subgraphs.
      'idempotency-key',
      'apollo-require-preflight',
      'x-apollo-operation-name',
    ],
    // Browsers may read these: how long to back off after 429 or 503.
    exposedHeaders: ['retry-after'],
    // Browsers cap this (Chrome at 2 h); 10 min spares a preflight per request.
    maxAge: 600,
    optionsSuccessStatus: 204,
  });
  // A preflight cors() skipped (refused origin, or none) still gets a plain 204, not a GraphQL error.
  const endPreflight: RequestHandler = (request, response, next) => {
    if (request.method === 'OPTIONS') response.sendStatus(204);
    else next();
  };
  return [withCors, endPreflight];
}
