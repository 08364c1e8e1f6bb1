import { GraphQLError } from 'graphql';

/** Seconds a client should wait before retrying after SERVICE_UNAVAILABLE. */
export const DEFAULT_RETRY_AFTER_SECONDS = 5;

/** Why a service could not answer; the code a client acts on is always SERVICE_UNAVAILABLE. */
export type UnavailableReason = 'SUBGRAPH_UNREACHABLE' | 'DATABASE_UNAVAILABLE';

/**
 * A retryable refusal: the request could not be served now, the same request
 * later can be. It names the service and never the host, port or the
 * low-level error, which are logged.
 */
export function serviceUnavailable(
  service: string,
  reason: UnavailableReason,
  retryAfterSeconds = DEFAULT_RETRY_AFTER_SECONDS,
): GraphQLError {
  const what =
    reason === 'DATABASE_UNAVAILABLE'
      ? `The ${service} service cannot reach its database`
      : `The ${service} service cannot be reached`;
  return new GraphQLError(`${what}; retry in ${retryAfterSeconds} s.`, {
    extensions: { code: 'SERVICE_UNAVAILABLE', reason, service, retryable: true, retryAfterSeconds },
  });
}

// Socket-level failures: the server is down, restarting, or the network in between is.
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
]);
// PostgreSQL SQLSTATEs that say "not now": connection exceptions (class 08), shutdown
// and start-up (57P01–57P03), too many connections (53300).
const RETRYABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300']);
// node-postgres reports a dropped or timed-out connection by message only.
const PG_CONNECTION_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection ended/i;

/**
 * Whether an error (TypeORM's QueryFailedError, a node-postgres error, a
 * socket error, or any of them as a cause) means PostgreSQL could not be
 * reached or refused connections for now, as opposed to a failed statement.
 */
export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (!error || typeof error !== 'object' || depth > 5) return false;
  const { code, message, driverError, cause, errors } = error as {
    code?: unknown;
    message?: unknown;
    driverError?: unknown;
    cause?: unknown;
    errors?: unknown;
  };
  if (
    typeof code === 'string' &&
    (NETWORK_CODES.has(code) || code.startsWith('08') || RETRYABLE_SQLSTATES.has(code))
  ) {
    return true;
  }
  if (typeof message === 'string' && PG_CONNECTION_MESSAGES.test(message)) return true;
  return (
    isDatabaseUnavailable(driverError, depth + 1) ||
    isDatabaseUnavailable(cause, depth + 1) ||
    (Array.isArray(errors) && errors.some((inner) => isDatabaseUnavailable(inner, depth + 1)))
  );
}
