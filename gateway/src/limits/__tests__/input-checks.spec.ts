import { buildSchema, getOperationAST, parse } from 'graphql';
import { inputProblems } from '../input-checks';

const schema = buildSchema(`
  scalar DateTime
  scalar JSON
  input Period { from: DateTime!, to: DateTime }
  input TicketFilter { queueIds: [ID!], createdFrom: DateTime }
  input CreateTicketInput { title: String!, description: String!, tags: [String!], details: JSON }
  type Query {
    ticketMetrics(period: Period!): Int
    tickets(filter: TicketFilter, first: Int): Int
  }
  type Mutation { createTicket(input: CreateTicketInput!): Int }
`);

const problemsOf = (query: string, variables?: Record<string, unknown>) => {
  const document = parse(query);
  return inputProblems(schema, document, getOperationAST(document)!, variables);
};

describe('inputProblems', () => {
  it('should judge each request by its own variables when one parsed document serves many requests', () => {
    // Apollo Server reuses a parsed document for every request with the same query text.
    const document = parse(
      'query($p: Period!) { ticketMetrics(period: $p) a: ticketMetrics(period: { from: "x" }) }',
    );
    const operation = getOperationAST(document)!;
    const check = (from: string) => inputProblems(schema, document, operation, { p: { from } });

    const bad = check('yesterday');
    const good = check('2026-12-01T00:00:00Z');
    const badAgain = check('tomorrow');

    expect(bad).toHaveLength(2);
    expect(good).toEqual([expect.stringMatching(/^Argument "period.from" of "ticketMetrics" \("x"\)/)]);
    expect(badAgain).toEqual([good[0], expect.stringMatching(/^Variable "\$p.from" \("tomorrow"\)/)]);
  });

  it('should name the argument and the format when a DateTime literal is malformed', () => {
    expect(
      problemsOf('{ ticketMetrics(period: { from: "yesterday", to: "2026-12-01T00:00:00Z" }) }'),
    ).toEqual([
      'Argument "period.from" of "ticketMetrics" ("yesterday") is not a DateTime; it must be an ISO 8601 date-time with a UTC offset, e.g. 2026-11-20T09:00:00Z or 2026-11-20T17:00:00+08:00.',
    ]);
    expect(
      problemsOf('{ tickets(filter: { queueIds: ["general"], createdFrom: "2026-13-45" }, first: 1) }'),
    ).toEqual([
      expect.stringMatching(
        /^Argument "filter.createdFrom" of "tickets" \("2026-13-45"\) is not a DateTime; it must be an ISO 8601/,
      ),
    ]);
  });

  it('should name the variable path when a DateTime variable is malformed', () => {
    expect(
      problemsOf('query($f: TicketFilter) { tickets(filter: $f) }', { f: { createdFrom: '2026-13-45' } }),
    ).toEqual([
      expect.stringMatching(/^Variable "\$f.createdFrom" \("2026-13-45"\) is not a DateTime; it must be/),
    ]);
    expect(problemsOf('query($p: Period!) { ticketMetrics(period: $p) }', { p: { from: 5 } })).toHaveLength(
      1,
    );
  });

  it('should refuse a NUL character in string literals and in variables anywhere inside', () => {
    expect(problemsOf('mutation { createTicket(input: { title: "t", description: "x\\u0000y" }) }')).toEqual([
      'Argument "input.description" of "createTicket" contains a NUL character (U+0000), which text may not contain.',
    ]);
    expect(
      problemsOf('mutation($input: CreateTicketInput!) { createTicket(input: $input) }', {
        input: { title: 't', description: 'ok', tags: ['a', 'b\u0000'], details: { note: ['\u0000'] } },
      }),
    ).toEqual([
      'Variable "$input.tags[1]" contains a NUL character (U+0000), which text may not contain.',
      'Variable "$input.details" contains a NUL character (U+0000), which text may not contain.',
    ]);
  });

  it('should find nothing when the inputs are well formed', () => {
    expect(
      problemsOf(
        'query($p: Period!) { ticketMetrics(period: $p) a: ticketMetrics(period: { from: "2026-11-20T17:00:00+08:00" }) }',
        {
          p: { from: '2026-11-20T09:00:00Z', to: null },
        },
      ),
    ).toEqual([]);
  });
});
