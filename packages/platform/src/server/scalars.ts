import { GraphQLScalarType, Kind } from 'graphql';

function parseDateTime(value: unknown): Date {
  const date = typeof value === 'string' ? new Date(value) : new Date(NaN);
  if (Number.isNaN(date.getTime()))
    throw new TypeError('DateTime must be an ISO-8601 string, e.g. 2026-11-20T09:00:00Z');
  return date;
}

/** The `DateTime` scalar every subgraph declares: ISO-8601 instants on the wire, `Date` inside. */
export const DateTimeScalar = new GraphQLScalarType({
  name: 'DateTime',
  description: 'An ISO-8601 instant, e.g. 2026-11-20T09:00:00.000Z.',
  serialize: (value) => (value instanceof Date ? value.toISOString() : String(value)),
  parseValue: (value) => parseDateTime(value),
  parseLiteral: (ast) => (ast.kind === Kind.STRING ? parseDateTime(ast.value) : null),
});
