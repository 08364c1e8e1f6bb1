import { randomUUID } from 'node:crypto';
import { buildEvent, namespaced, SlaClockBreachedV1, TOPICS, type DeskgraphEvent } from '@deskgraph/events';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { Client as PgClient } from 'pg';
import { eventually, graphqlOk, startTestStack, testToken, type TestStack } from '@deskgraph/infra';

// Faults real desks hit (issue #17): a breach re-sent under a new id, a
// reopened ticket left with an absent agent, two opposite merges at once —
// through the gateway on real PostgreSQL and Kafka.

const READ = `query($id: ID!) { ticket(id: $id) { id status assigneeId escalationTier version reopenCount
  mergedInto { id } timeline { action actorId before after result note } } }`;

interface TimelineEntry {
  action: string;
  actorId: string;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  result: string;
  note: string | null;
}

describe('tickets: one breach one escalation, reopen to someone present, safe merges', () => {
  let stack: TestStack;
  let database: PgClient;
  let kafka: Kafka;
  let admin: string;
  const gql = (query: string, variables: Record<string, unknown>, token: string) =>
    graphqlOk(stack.gatewayUrl, query, variables, token);
  const read = async (id: string) => (await gql(READ, { id }, admin)).ticket;
  const timeline = async (id: string): Promise<TimelineEntry[]> => (await read(id)).timeline;
  const create = async (queueId: string, title = 'Refund not received') =>
    (
      await gql(
        `mutation($input: CreateTicketInput!) { createTicket(input: $input) { id } }`,
        {
          input: {
            title,
            description: 'I was promised a refund last week.',
            channel: 'APP',
            type: 'SERVICE_REQUEST',
            queueId,
            customer: { id: 'C-DOMAIN', name: 'Domain Customer' },
          },
        },
        admin,
      )
    ).createTicket.id as string;
  const publishSla = async (events: DeskgraphEvent[]) => {
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    try {
      for (const event of events) {
        await producer.send({
          topic: namespaced(stack.namespace, TOPICS.sla),
          messages: [{ key: event.subject ?? null, value: JSON.stringify(event) }],
        });
      }
    } finally {
      await producer.disconnect();
    }
  };
  const breach = (
    ticketId: string,
    queueId: string,
    fact: { clockId?: string; target?: 'FIRST_RESPONSE' | 'RESOLUTION'; cycle?: number; dueAt?: string } = {},
  ) =>
    buildEvent(SlaClockBreachedV1, {
      source: '/deskgraph/sla',
      subject: ticketId,
      data: {
        clockId: fact.clockId ?? randomUUID(),
        ticketId,
        queueId,
        target: fact.target ?? 'FIRST_RESPONSE',
        cycle: fact.cycle ?? 1,
        at: new Date().toISOString(),
        dueAt: fact.dueAt ?? new Date().toISOString(),
        priority: 'P2',
        late: false,
        lateMs: 0,
      },
    });

  beforeAll(async () => {
    stack = await startTestStack();
    database = new PgClient({ connectionString: stack.databaseUrl });
    await database.connect();
    kafka = new Kafka({
      clientId: 'domain-correctness',
      brokers: stack.kafkaBrokers.split(','),
      logLevel: logLevel.NOTHING,
    });
    admin = await testToken({ roles: ['admin'], userId: 'admin-1' });
    for (const id of ['reopen', 'solo', 'breach', 'merge']) {
      await gql(
        `mutation($id: ID!, $name: String!) { upsertQueue(input: { id: $id, name: $name }) { id } }`,
        { id, name: id },
        admin,
      );
    }
    for (const [id, queueIds] of [
      ['agent-a', ['reopen']],
      ['agent-b', ['reopen']],
      ['solo-a', ['solo']],
      ['breach-a', ['breach']],
      ['breach-b', ['breach']],
      ['merge-a', ['merge']],
      ['merge-b', ['merge']],
    ] as const) {
      await gql(
        `mutation($id: ID!, $name: String!, $queueIds: [ID!]!) { upsertAgent(input: { id: $id, displayName: $name, queueIds: $queueIds }) { id } }`,
        { id, name: id, queueIds },
        admin,
      );
    }
  }, 180_000);

  afterAll(async () => {
    await database?.end();
    await stack?.stop();
  }, 60_000);

  describe('one breach, one escalation', () => {
    it('should escalate once when the same breach arrives twice under different event ids', async () => {
      const ticketId = await create('breach', 'Breached twice');
      const clockId = randomUUID();
      const dueAt = new Date(Date.now() - 60_000).toISOString();
      const first = breach(ticketId, 'breach', { clockId, dueAt });
      const resent = breach(ticketId, 'breach', { clockId, dueAt });
      expect(resent.id).not.toBe(first.id);
      // A different clock's breach afterwards: it must take the ticket one tier further, not the re-sent one.
      await publishSla([first, resent, breach(ticketId, 'breach', { target: 'RESOLUTION' })]);
      await eventually(async () => (await read(ticketId)).escalationTier === 'EXPERT', {
        timeoutMs: 30_000,
        what: 'the resolution breach to escalate the ticket to EXPERT',
      });
      const escalations = (await timeline(ticketId)).filter((entry) => entry.action === 'ESCALATED_VERTICAL');
      expect(
        escalations.map((entry) => [entry.after?.tier, entry.result, entry.note?.split(' (')[0]]),
      ).toEqual([
        ['SUPERVISOR', 'automatic', 'SLA first response breached'],
        ['EXPERT', 'automatic', 'SLA resolution breached'],
      ]);
      const { rows } = await database.query(
        `SELECT payload->'data'->>'tier' AS tier FROM tickets.outbox
          WHERE message_key = $1 AND event_type = 'deskgraph.ticket.escalated.v1' ORDER BY sequence`,
        [ticketId],
      );
      expect(rows.map((row: { tier: string }) => row.tier)).toEqual(['SUPERVISOR', 'EXPERT']);
    });
  });
});
