import { Client as PgClient } from 'pg';
import { eventually, graphqlOk, startTestStack, testToken, type TestStack } from '@deskgraph/infra';

// A customer writing on a ticket after it was answered (issue #20): a
// RESOLVED ticket reopens for a second handling, as an UNSATISFIED
// confirmation does; a CLOSED one stays closed and the message opens a
// follow-up ticket linked to it. Through the gateway on real PostgreSQL and
// Kafka, with the SLA service reacting to the events.

const READ = `query($id: ID!) { ticket(id: $id) { id number title status reopenCount satisfaction channel
  customer { id name contact preferredChannel }
  relatedTickets { id number status }
  messages { author body }
  timeline { action actorId before after result note }
  sla { clocks { target state cycle } } } }`;

interface OutboxEvent {
  type: string;
  data: Record<string, unknown>;
}

describe('tickets: a customer message after the resolution', () => {
  let stack: TestStack;
  let database: PgClient;
  let admin: string;
  let customer: string;
  const gql = (query: string, variables: Record<string, unknown>, token: string) =>
    graphqlOk(stack.gatewayUrl, query, variables, token);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read deep response shapes freely
  const read = async (id: string): Promise<any> => (await gql(READ, { id }, admin)).ticket;
  const outboxEvents = async (ticketId: string): Promise<OutboxEvent[]> =>
    (
      await database.query(`SELECT payload FROM tickets.outbox WHERE message_key = $1 ORDER BY sequence`, [
        ticketId,
      ])
    ).rows.map((row) => row.payload as OutboxEvent);
  const moveTo = async (ticketId: string, ...statuses: string[]) => {
    for (const status of statuses) {
      await gql(
        `mutation($id: ID!, $status: TicketStatus!) { changeTicketStatus(input: { ticketId: $id, status: $status }) { status } }`,
        { id: ticketId, status },
        admin,
      );
    }
  };
  const reply = async (ticketId: string, body: string, token: string, idempotencyKey?: string) =>
    (
      await gql(
        `mutation($input: ReplyInput!) { replyToTicket(input: $input) { ticket { id number status } message { id author body } } }`,
        { input: { ticketId, body, visibility: 'PUBLIC', ...(idempotencyKey ? { idempotencyKey } : {}) } },
        token,
      )
    ).replyToTicket;
  const resolvedTicket = async (title: string) => {
    const id = (
      await gql(
        `mutation($input: CreateTicketInput!) { createTicket(input: $input) { id } }`,
        {
          input: {
            title,
            description: 'The printer driver does not install.',
            channel: 'EMAIL',
            customer: { name: 'Reopen Customer', contact: 'reopen@example.com', preferredChannel: 'EMAIL' },
          },
        },
        customer,
      )
    ).createTicket.id as string;
    await moveTo(id, 'IN_PROGRESS');
    await reply(id, '您好，请安装 2.1 版驱动。祝您生活愉快！', admin);
    await moveTo(id, 'RESOLVED');
    // The SLA service has seen the resolution: the resolution clock of cycle 1 is met.
    await eventually(
      async () =>
        (await read(id)).sla?.clocks.some(
          (clock: { target: string; state: string }) =>
            clock.target === 'RESOLUTION' && clock.state === 'FULFILLED',
        ),
      { what: 'resolution clock fulfilled', timeoutMs: 60_000 },
    );
    return id;
  };

  beforeAll(async () => {
    stack = await startTestStack();
    database = new PgClient({ connectionString: stack.databaseUrl });
    await database.connect();
    admin = await testToken({ roles: ['admin'], userId: 'admin-1' });
    customer = await testToken({ roles: ['customer'], userId: 'u-reopen', customerId: 'C-REOPEN' });
  }, 420_000);

  afterAll(async () => {
    await database?.end();
    await stack?.stop();
  });

  it('should reopen a RESOLVED ticket for a second handling when its customer writes, and restart its resolution clock', async () => {
    const id = await resolvedTicket('Driver will not install');
    const result = await reply(id, 'It still fails with error 1603.', customer);
    expect(result.ticket).toMatchObject({ id, status: 'IN_PROGRESS' });
    const ticket = await read(id);
    expect(ticket).toMatchObject({ status: 'IN_PROGRESS', reopenCount: 1, satisfaction: null });
    const reopenEntry = ticket.timeline.find(
      (entry: { action: string; result: string }) =>
        entry.action === 'STATUS_CHANGED' && entry.result === 'reopened for second handling',
    );
    expect(reopenEntry).toMatchObject({
      actorId: 'u-reopen',
      before: { status: 'RESOLVED' },
      after: { status: 'IN_PROGRESS', reopenCount: 1 },
      note: 'the customer wrote after the resolution',
    });
    const events = await outboxEvents(id);
    const statusChange = events
      .filter((event) => event.type === 'deskgraph.ticket.status_changed.v1')
      .at(-1)!;
    expect(statusChange.data).toMatchObject({
      from: 'RESOLVED',
      to: 'IN_PROGRESS',
      reopened: true,
      reason: 'the customer wrote after the resolution',
    });
    // The status comes before the message, so consumers see an open ticket receive it.
    expect(events.at(-1)!.type).toBe('deskgraph.ticket.replied.v1');
    // SLA: a new resolution cycle, and the customer's message awaits an answer.
    const clocks = await eventually(
      async () => {
        const now = (await read(id)).sla?.clocks ?? [];
        const running = now.filter((clock: { state: string }) => clock.state === 'RUNNING');
        return running.length === 2 ? running : null;
      },
      { what: 'resolution cycle 2 and a next-response clock', timeoutMs: 60_000 },
    );
    expect(
      clocks.map((clock: { target: string; cycle: number }) => `${clock.target}:${clock.cycle}`).sort(),
    ).toEqual(['NEXT_RESPONSE:1', 'RESOLUTION:2']);
  });

  it('should keep a RESOLVED ticket resolved when staff write on it', async () => {
    const id = await resolvedTicket('Staff note after resolution');
    await reply(id, '您好，补充说明：驱动也可在官网下载。谢谢', admin);
    expect(await read(id)).toMatchObject({ status: 'RESOLVED', reopenCount: 0 });
  });

  it('should keep a CLOSED ticket closed and open a linked follow-up ticket when its customer writes, once per idempotency key', async () => {
    const id = await resolvedTicket('Scanner offline');
    await gql(
      `mutation($input: ConfirmResolutionInput!) { confirmResolution(input: $input) { status } }`,
      { input: { ticketId: id, satisfaction: 'SATISFIED' } },
      customer,
    );
    const key = 'follow-up-scanner-0001';
    const result = await reply(id, 'The scanner is offline again since this morning.', customer, key);
    expect(result.ticket.id).not.toBe(id);
    expect(result.message).toMatchObject({ author: 'CUSTOMER' });
    const again = await reply(id, 'The scanner is offline again since this morning.', customer, key);
    expect(again.ticket.id).toBe(result.ticket.id);

    const old = await read(id);
    expect(old).toMatchObject({ status: 'CLOSED', satisfaction: 'SATISFIED', reopenCount: 0 });
    expect(old.relatedTickets).toEqual([
      { id: result.ticket.id, number: result.ticket.number, status: 'NEW' },
    ]);
    expect(old.timeline.filter((entry: { action: string }) => entry.action === 'FOLLOW_UP_OPENED')).toEqual([
      expect.objectContaining({
        actorId: 'u-reopen',
        after: expect.objectContaining({ followUp: result.ticket.number }),
      }),
    ]);
    expect(old.messages.filter((message: { author: string }) => message.author === 'CUSTOMER')).toHaveLength(
      0,
    );

    const followUp = await read(result.ticket.id);
    expect(followUp).toMatchObject({
      title: 'Scanner offline',
      status: 'NEW',
      channel: 'EMAIL',
      customer: { id: 'C-REOPEN', contact: 'reopen@example.com', preferredChannel: 'EMAIL' },
      relatedTickets: [{ id }],
      messages: [{ author: 'CUSTOMER', body: 'The scanner is offline again since this morning.' }],
    });
    const created = (await outboxEvents(followUp.id)).find(
      (event) => event.type === 'deskgraph.ticket.created.v1',
    )!;
    expect(created.data).toMatchObject({ followUpOf: id, customerId: 'C-REOPEN' });
    expect((await outboxEvents(followUp.id)).map((event) => event.type)).toEqual([
      'deskgraph.ticket.created.v1',
      'deskgraph.ticket.replied.v1',
      'deskgraph.ticket.linked.v1',
    ]);
    const { rows } = await database.query(
      `SELECT count(*)::int AS n FROM tickets.tickets WHERE customer_id = 'C-REOPEN' AND title = 'Scanner offline'`,
    );
    expect(rows[0].n).toBe(2);
    // The follow-up is a ticket of its own: the SLA service starts its clocks.
    await eventually(async () => ((await read(followUp.id)).sla?.clocks.length ?? 0) >= 2, {
      what: 'follow-up clocks',
      timeoutMs: 60_000,
    });
  });
});
