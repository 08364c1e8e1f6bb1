import { Client as PgClient } from 'pg';
import { createClient, type Client as WsClient } from 'graphql-ws';
import WebSocket from 'ws';
import {
  eventually,
  graphqlRequest,
  startTestStack,
  TEST_JWT_SECRET,
  type TestStack,
} from '@deskgraph/infra';
import type { Role } from '@deskgraph/platform';
import { signDevelopmentToken } from '../../src/auth/jwt';

// The foundation slice: one ticket crosses every part of deskgraph through
// the gateway, against real PostgreSQL and Kafka.

const CREATE_TICKET = /* GraphQL */ `
  mutation Create($input: CreateTicketInput!) {
    createTicket(input: $input) {
      id
      number
      title
      priority
      queueId
      createdAt
    }
  }
`;

const TICKET_WITH_SLA = /* GraphQL */ `
  query Ticket($id: ID!) {
    ticket(id: $id) {
      id
      number
      title
      sla {
        firstResponseDueAt
      }
    }
  }
`;

interface CreatedTicket {
  id: string;
  number: string;
  title: string;
  priority: string;
  queueId: string;
  createdAt: string;
}

function token(roles: Role[], queueIds: string[], extra: { customerId?: string; userId?: string } = {}) {
  return signDevelopmentToken({
    secret: TEST_JWT_SECRET,
    issuer: 'deskgraph',
    audience: 'deskgraph',
    userId: extra.userId ?? `${roles[0]}-1`,
    roles,
    queueIds,
    customerId: extra.customerId ?? null,
    expiresIn: '1h',
  });
}

async function createTicket(stack: TestStack, authToken: string, title: string, priority = 'P1') {
  const response = await graphqlRequest<{ createTicket: CreatedTicket }>(
    stack.gatewayUrl,
    CREATE_TICKET,
    {
      input: {
        title,
        description: 'The app shows an error when paying.',
        channel: 'APP',
        priority,
        queueId: 'general',
        customer: { id: 'C-1001', name: 'Li Lei' },
      },
    },
    authToken,
  );
  expect(response.errors).toBeUndefined();
  return response.data!.createTicket;
}

describe('foundation slice through the gateway', () => {
  let stack: TestStack;
  let database: PgClient;
  let agentToken: string;

  beforeAll(async () => {
    stack = await startTestStack();
    database = new PgClient({ connectionString: stack.databaseUrl });
    await database.connect();
    agentToken = await token(['agent'], ['general']);
  }, 180_000);

  afterAll(async () => {
    await database?.end();
    await stack?.stop();
  }, 60_000);

  it('should carry a new ticket from mutation to SLA clock, analytics and a live supervisor push', async () => {
    const supervisorToken = await token(['supervisor'], ['general']);
    const ws: WsClient = createClient({
      url: stack.wsUrl,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${supervisorToken}` },
    });
    const pushed: {
      kind: string;
      ticket: { id: string; sla: { firstResponseDueAt: string | null } | null };
    }[] = [];
    const subscription = ws.iterate<{ queueUpdates: (typeof pushed)[number] }>({
      query: `subscription { queueUpdates(queueIds: ["general"]) {
        kind at ticket { id number title sla { firstResponseDueAt } } } }`,
    });
    const collecting = (async () => {
      for await (const result of subscription) {
        expect(result.errors).toBeUndefined();
        pushed.push(result.data!.queueUpdates);
      }
    })();
    // graphql-ws subscribes lazily: wait until the gateway holds the subscription.
    await new Promise((resolve) => setTimeout(resolve, 500));

    const ticket = await createTicket(stack, agentToken, 'Payment fails in the app');
    expect(ticket.number).toMatch(/^\d{6}-\d{3,}$/);

    const expectedDue = new Date(new Date(ticket.createdAt).getTime() + 60 * 60_000).toISOString();
    const withSla = await eventually(
      async () => {
        const response = await graphqlRequest<{
          ticket: { id: string; number: string; sla: { firstResponseDueAt: string } | null };
        }>(stack.gatewayUrl, TICKET_WITH_SLA, { id: ticket.id }, agentToken);
        return response.data?.ticket?.sla ? response.data.ticket : undefined;
      },
      { what: 'the SLA clock to be visible through the gateway' },
    );
    expect(withSla).toEqual({
      id: ticket.id,
      number: ticket.number,
      title: 'Payment fails in the app',
      sla: { firstResponseDueAt: expectedDue },
    });

    const pushedWithSla = await eventually(
      async () =>
        pushed.find((update) => update.ticket.id === ticket.id && update.ticket.sla?.firstResponseDueAt),
      { what: 'a pushed update carrying the SLA due time' },
    );
    expect(pushedWithSla.ticket.sla!.firstResponseDueAt).toBe(expectedDue);
    expect(pushed.some((update) => update.kind === 'CREATED' && update.ticket.id === ticket.id)).toBe(true);

    const analystToken = await token(['analyst'], ['general']);
    const volume = await eventually(
      async () => {
        const response = await graphqlRequest<{ ticketVolume: { total: number; ticketIds: string[] } }>(
          stack.gatewayUrl,
          `query($period: PeriodInput!) { ticketVolume(period: $period) { total ticketIds byPriority { key count } } }`,
          {
            period: {
              from: new Date(Date.now() - 3_600_000).toISOString(),
              to: new Date(Date.now() + 3_600_000).toISOString(),
            },
          },
          analystToken,
        );
        return response.data?.ticketVolume.ticketIds.includes(ticket.id)
          ? response.data.ticketVolume
          : undefined;
      },
      { what: 'analytics to count the ticket' },
    );
    expect(volume.total).toBe(1);

    await subscription.return?.();
    await collecting;
    await ws.dispose();
  });

  it('should lose no event and apply none twice when the SLA service is killed mid-stream', async () => {
    const titles = Array.from({ length: 24 }, (_, index) => `Burst ticket ${index + 1}`);
    const created: CreatedTicket[] = [];
    for (const [index, title] of titles.entries()) {
      created.push(await createTicket(stack, agentToken, title, index % 2 === 0 ? 'P0' : 'P2'));
      if (index === 7) await stack.processes.sla.kill();
    }
    await stack.processes.sla.start();

    const ids = created.map((ticket) => ticket.id);
    const clocks = await eventually(
      async () => {
        const result = await database.query(
          `SELECT ticket_id, count(*)::int AS clocks FROM sla.clocks WHERE ticket_id = ANY($1::uuid[]) GROUP BY ticket_id`,
          [ids],
        );
        return result.rows.length === ids.length ? result.rows : undefined;
      },
      { timeoutMs: 60_000, what: 'every ticket to get its SLA clocks after the restart' },
    );
    // One first-response and one resolution clock per ticket, none doubled by the redelivery.
    expect(clocks.every((row: { clocks: number }) => row.clocks === 2)).toBe(true);

    const started = await database.query(
      `SELECT count(*)::int AS events, count(DISTINCT message_key)::int AS tickets FROM sla.outbox
        WHERE event_type = 'deskgraph.sla.clock_started.v1' AND message_key = ANY($1::text[])`,
      [ids],
    );
    expect(started.rows[0]).toEqual({ events: 2 * ids.length, tickets: ids.length });

    const processed = await database.query(
      `SELECT count(*)::int AS count FROM sla.processed_events WHERE event_type = 'deskgraph.ticket.created.v1'`,
    );
    expect(processed.rows[0].count).toBe(ids.length + 1);
  });

  it('should refuse a request sent straight to a subgraph without the gateway', async () => {
    const response = await fetch(stack.subgraphUrls.tickets, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ ticketByNumber(number: "202601-001") { id } }' }),
    });
    expect(response.status).toBe(401);
    const body = (await response.json()) as { errors: { extensions: { code: string } }[] };
    expect(body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
  });
});
