import { GraphQLScalarType, Kind, print } from 'graphql';

/** What a DateTime must look like, for error messages. */
export const DATE_TIME_FORMAT =
  'an ISO 8601 date-time with a UTC offset, e.g. 2026-11-20T09:00:00Z or 2026-11-20T17:00:00+08:00';

/**
 * How far ahead of the server's clock an instant that should be past or
 * present (when something happened, the last update a client saw) may be:
 * clients' and brokers' clocks drift a little.
 */
export const CLOCK_SKEW_MS = 5 * 60_000;

const ISO_DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/;

/**
 * The instant an ISO 8601 date-time with an offset names, or null. `Date`
 * alone would take "1", "March 7" or a local time without an offset, and
 * rolls 2026-02-30 over into March.
 */
export function parseIsoDateTime(value: string): Date | null {
  const match = ISO_DATE_TIME.exec(value);
  if (!match) return null;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const calendarDay = new Date(Date.UTC(year, month - 1, day));
  if (calendarDay.getUTCMonth() !== month - 1 || calendarDay.getUTCDate() !== day) return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

function parseDateTime(value: unknown): Date {
  const date = typeof value === 'string' ? parseIsoDateTime(value) : null;
  if (!date) throw new TypeError(`DateTime must be ${DATE_TIME_FORMAT}.`);
  return date;
}

/** The `DateTime` scalar every subgraph declares: ISO-8601 instants on the wire, `Date` inside. */
export const DateTimeScalar = new GraphQLScalarType({
  name: 'DateTime',
  description: 'An ISO-8601 instant with a UTC offset, e.g. 2026-11-20T09:00:00.000Z.',
  serialize: (value) => (value instanceof Date ? value.toISOString() : String(value)),
  parseValue: (value) => parseDateTime(value),
  // A number or object is as wrong as a malformed string (returning null would pass it as null).
  parseLiteral: (ast) => parseDateTime(ast.kind === Kind.STRING ? ast.value : print(ast)),
});
