import { buildSchema, execute, parse, type GraphQLResolveInfo } from 'graphql';
import type { Identity } from '@deskgraph/platform';
import {
  buildTicketQuery,
  SubscriptionTicketFetcher,
  subscriptionFieldResolver,
  type FetchRequest,
} from '../federated-fetch';

const schema = buildSchema(`
  type Sla { firstResponseDueAt: String }
  type Ticket { id: ID! title: String! sla: Sla suggested(first: Int): [String!] }
  type Update { kind: String! ticket: Ticket! }
  type Query { update: Update! }
`);

/** Captures the resolve info of `update.ticket` for a given operation. */
function captureTicketInfo(
  operation: string,
  variableValues: Record<string, unknown> = {},
): GraphQLResolveInfo {
  let captured: GraphQLResolveInfo | null = null;
  execute({
    schema,
    document: parse(operation),
    variableValues,
    rootValue: {
      update: {
        kind: 'CREATED',
        ticket: (_: unknown, _c: unknown, info: GraphQLResolveInfo) => (captured = info),
      },
    },
  });
  return captured!;
}

const counter = () => ({ inc: jest.fn() });
const supervisor: Identity = { userId: 's1', roles: ['supervisor'], queueIds: ['general'], customerId: null };

describe('buildTicketQuery', () => {
  it('should keep aliases, fragments and used variables when the selection has them', () => {
    const info = captureTicketInfo(
      `query($n: Int, $unused: Int) { update { ticket { ...Basics due: sla { firstResponseDueAt } suggested(first: $n) } } }
       fragment Basics on Ticket { id title }`,
      { n: 3 },
    );

    const { query, variableNames } = buildTicketQuery(info);

    expect(variableNames).toEqual(['n']);
    expect(query).toContain('query SubscriptionTicket($deskgraphRootArgument: ID!, $n: Int)');
    expect(query).toContain('ticket(id: $deskgraphRootArgument)');
    expect(query).toContain('due: sla');
    expect(query).toContain('fragment Basics on Ticket');
    expect(query).not.toContain('$unused');
  });
});

describe('SubscriptionTicketFetcher', () => {
  it('should fetch once per event, selection and scope when many subscribers share them', async () => {
    const calls: FetchRequest[] = [];
    const fetcher = new SubscriptionTicketFetcher(
      async (request) => {
        calls.push(request);
        return { data: { ticket: { id: 't1', title: 'Hello', __typename: 'Ticket' } } };
      },
      { fetches: counter(), memoHits: counter() } as never,
    );
    const info = captureTicketInfo('{ update { ticket { id title } } }');

    const results = await Promise.all(
      Array.from({ length: 100 }, (_, index) =>
        fetcher.fetchTicket('event-1', 't1', { ...supervisor, userId: `s${index}` }, info),
      ),
    );
    await fetcher.fetchTicket('event-2', 't1', supervisor, info);
    await fetcher.fetchTicket('event-1', 't1', { ...supervisor, queueIds: ['vip'] }, info);

    expect(results).toHaveLength(100);
    expect(calls).toHaveLength(3);
    expect(calls[0].variables).toEqual({ deskgraphRootArgument: 't1' });
  });

  it('should resolve a shared null when the ticket is not visible to the scope', async () => {
    const fetches = counter();
    const fetcher = new SubscriptionTicketFetcher(
      async () => ({
        data: { ticket: null },
        errors: [{ message: 'nope', extensions: { code: 'FORBIDDEN' } }],
      }),
      { fetches, memoHits: counter() } as never,
    );
    const info = captureTicketInfo('{ update { ticket { id } } }');

    await expect(fetcher.fetchTicket('e', 't', supervisor, info)).resolves.toBeNull();
    await expect(fetcher.fetchTicket('e', 't', supervisor, info)).resolves.toBeNull();
    expect(fetches.inc).toHaveBeenCalledTimes(1);
  });

  it('should surface the gateway error, and fetch again next time, when the fetch fails', async () => {
    const fetches = counter();
    const fetcher = new SubscriptionTicketFetcher(
      async () => ({
        data: null,
        errors: [{ message: 'tickets is down', extensions: { code: 'DOWNSTREAM_SERVICE_ERROR' } }],
      }),
      { fetches, memoHits: counter() } as never,
    );
    const info = captureTicketInfo('{ update { ticket { id } } }');

    await expect(fetcher.fetchTicket('e', 't', supervisor, info)).rejects.toMatchObject({
      message: 'tickets is down',
      extensions: { code: 'DOWNSTREAM_SERVICE_ERROR' },
    });
    await expect(fetcher.fetchTicket('e', 't', supervisor, info)).rejects.toThrow('tickets is down');
    expect(fetches.inc).toHaveBeenCalledTimes(2);
  });

  it('should resolve aliased fields from fetched data by response key', async () => {
    const fetcher = new SubscriptionTicketFetcher(
      async () => ({ data: { ticket: { heading: 'Aliased', id: 't1', __typename: 'Ticket' } } }),
      { fetches: counter(), memoHits: counter() } as never,
    );
    const document = parse('{ update { ticket { heading: title id } } }');
    const result = await execute({
      schema,
      document,
      fieldResolver: subscriptionFieldResolver,
      rootValue: {
        update: {
          kind: 'CREATED',
          ticket: (_: unknown, _c: unknown, info: GraphQLResolveInfo) =>
            fetcher.fetchTicket('e', 't1', supervisor, info),
        },
      },
    });

    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({ update: { ticket: { heading: 'Aliased', id: 't1' } } });
  });

  it('should run at most the configured number of fetches at once, gateway-wide, and the rest in turn', async () => {
    const started: string[] = [];
    const answers = new Map<string, () => void>();
    const fetcher = new SubscriptionTicketFetcher(
      (request) =>
        new Promise((resolve) => {
          const id = String(request.variables.deskgraphRootArgument);
          started.push(id);
          answers.set(id, () => resolve({ data: { ticket: { id, __typename: 'Ticket' } } }));
        }),
      { fetches: counter(), memoHits: counter() } as never,
      2,
    );
    const info = captureTicketInfo('{ update { ticket { id } } }');
    const settle = () => new Promise((resolve) => setImmediate(resolve));

    // Different events (or scopes) do not share a fetch: each one needs a slot.
    const fetches = ['t1', 't2', 't3', 't4'].map((id) =>
      fetcher.fetchTicket(`e-${id}`, id, supervisor, info),
    );
    await settle();
    expect(started).toEqual(['t1', 't2']);

    answers.get('t2')!();
    await settle();
    expect(started).toEqual(['t1', 't2', 't3']);
    answers.get('t1')!();
    answers.get('t3')!();
    await settle();
    answers.get('t4')!();
    expect(await Promise.all(fetches)).toEqual(
      ['t1', 't2', 't3', 't4'].map((id) => ({ id, __typename: 'Ticket' })),
    );
  });
});
