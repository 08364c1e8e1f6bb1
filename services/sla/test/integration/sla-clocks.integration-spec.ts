import { randomUUID } from 'node:crypto';
import {
  buildEvent,
  namespaced,
  TicketCreatedV1,
  TicketStatusChangedV1,
  TOPICS,
  type DeskgraphEvent,
} from '@deskgraph/events';
import { signIdentityHeaders } from '@deskgraph/platform';
import { Kafka, logLevel, Partitioners, type Producer } from 'kafkajs';
import { Client as PgClient } from 'pg';
import {
  eventually,
  graphqlOk,
  startTestStack,
  TEST_SHARED_SECRET,
  testToken,
  type TestStack,
} from '@deskgraph/infra';
import { DEFAULT_POLICY, type TargetRule } from '../../src/policy/sla-policy';

// SLA clocks against real PostgreSQL and Kafka: business-hour deadlines,
// pauses, breaches that escalate the ticket, and timers that survive a restart.

const SUPERVISOR = { userId: 'sup', roles: ['supervisor' as const], queueIds: ['general'], customerId: null };

describe('sla: durable clocks driven by ticket events', () => {
  let stack: TestStack;
  let producer: Producer;
  let database: PgClient;
  let admin: string;
  let agent: string;

  beforeAll(async () => {
    stack = await startTestStack();
    const kafka = new Kafka({
      clientId: 'sla-test',
      brokers: stack.kafkaBrokers.split(','),
      logLevel: logLevel.NOTHING,
    });
    producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    database = new PgClient({ connectionString: stack.databaseUrl });
    await database.connect();
    admin = await testToken({ roles: ['admin'], userId: 'admin-1' });
    agent = await testToken({ roles: ['agent'], userId: 'a1', queueIds: ['general'] });
  }, 180_000);

  afterAll(async () => {
    await producer?.disconnect();
    await database?.end();
    await stack?.stop();
  }, 60_000);

  /** What a ticket-service would publish; the SLA service learns only from these. */
  async function publish(...events: DeskgraphEvent[]) {
    await producer.send({
      topic: namespaced(stack.namespace, TOPICS.tickets),
      messages: events.map((event) => ({ key: event.subject, value: JSON.stringify(event) })),
    });
  }

  /** Reads Ticket.sla straight from the SLA subgraph, as the gateway would. */
  async function slaOf(ticketId: string) {
    const response = await fetch(stack.subgraphUrls.sla, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...signIdentityHeaders(SUPERVISOR, TEST_SHARED_SECRET) },
      body: JSON.stringify({
        query: `query($r: [_Any!]!) { _entities(representations: $r) { ... on Ticket { sla {
          firstResponseDueAt clocks { target state dueAt businessTime pausedPeriods { from to reason } } } } } }`,
        variables: { r: [{ __typename: 'Ticket', id: ticketId }] },
      }),
    });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- test reads a dynamic GraphQL shape
    const body = (await response.json()) as { data: { _entities: { sla: any }[] } };
    return body.data._entities[0].sla;
  }

  it('should give a P2 ticket created Friday 17:00 in Shanghai a Monday 12:00 due time, moved exactly by a pause', async () => {
    const ticketId = randomUUID();
    const meta = { ticketId, queueId: 'general', actor: { id: 'a1', role: 'agent' as const } };
    await publish(
      buildEvent(TicketCreatedV1, {
        source: '/test',
        subject: ticketId,
        data: {
          ticketId,
          number: '202701-001',
          version: 1,
          title: 'Invoice wrong',
          channel: 'EMAIL',
          type: 'SERVICE_REQUEST',
          category: 'transaction',
          priority: 'P2',
          queueId: 'general',
          customerId: 'C-1',
          createdAt: '2027-01-08T17:00:00+08:00',
        },
      }),
    );
    const created = await eventually(async () => (await slaOf(ticketId)) ?? undefined, {
      what: 'the clocks to start',
    });
    expect(created.firstResponseDueAt).toBe(new Date('2027-01-11T12:00:00+08:00').toISOString());
    expect(
      created.clocks.find((clock: { target: string }) => clock.target === 'FIRST_RESPONSE').businessTime,
    ).toBe(true);

    const status = (version: number, from: string, to: string, at: string) =>
      buildEvent(TicketStatusChangedV1, {
        source: '/test',
        subject: ticketId,
        data: {
          ...meta,
          version,
          at,
          from: from as never,
          to: to as never,
          reason: null,
          automatic: false,
          reopened: false,
        },
      });
    await publish(
      status(2, 'NEW', 'PENDING_CUSTOMER', '2027-01-11T10:00:00+08:00'),
      status(3, 'PENDING_CUSTOMER', 'IN_PROGRESS', '2027-01-11T11:00:00+08:00'),
    );
    const resumed = await eventually(
      async () => {
        const sla = await slaOf(ticketId);
        const first = sla.clocks.find((clock: { target: string }) => clock.target === 'FIRST_RESPONSE');
        return first.pausedPeriods.length === 1 && first.pausedPeriods[0].to ? sla : undefined;
      },
      { what: 'the pause and resume to apply' },
    );
    // One working hour paused: 12:00 + 1 h of work = 14:30 after the lunch break.
    expect(resumed.firstResponseDueAt).toBe(new Date('2027-01-11T14:30:00+08:00').toISOString());
    expect(resumed.clocks[0].pausedPeriods[0].reason).toBe('WAITING_ON_CUSTOMER');
  });

  it('should count an event for an unknown ticket without inventing clocks', async () => {
    const ticketId = randomUUID();
    await publish(
      buildEvent(TicketStatusChangedV1, {
        source: '/test',
        subject: ticketId,
        data: {
          ticketId,
          queueId: 'general',
          actor: { id: 'a1', role: 'agent' },
          version: 4,
          at: new Date().toISOString(),
          from: 'IN_PROGRESS',
          to: 'RESOLVED',
          reason: null,
          automatic: false,
          reopened: false,
        },
      }),
    );
    const anomalies = await eventually(async () => {
      const result = await database.query(
        `SELECT count::int FROM sla.anomalies WHERE kind = 'unknown_ticket'`,
      );
      return result.rows[0]?.count >= 1 ? result.rows[0].count : undefined;
    });
    expect(anomalies).toBeGreaterThanOrEqual(1);
    const clocks = await database.query(
      `SELECT count(*)::int AS count FROM sla.clocks WHERE ticket_id = $1`,
      [ticketId],
    );
    expect(clocks.rows[0].count).toBe(0);
  });

  it('should breach once, escalate the ticket, and keep earlier deadlines when the policy changes', async () => {
    const before = await graphqlOk(
      stack.gatewayUrl,
      `mutation { createTicket(input: { title: "Before the change", description: "d", channel: PHONE, priority: P1,
        queueId: "general", customer: { name: "X" } }) { id } }`,
      {},
      agent,
    );
    const beforeSla = await eventually(async () => (await slaOf(before.createTicket.id)) ?? undefined);

    const rules: TargetRule[] = DEFAULT_POLICY.rules.map((rule) =>
      rule.target === 'FIRST_RESPONSE' && rule.priority === 'P1' ? { ...rule, minutes: 0.05 } : rule,
    );
    await graphqlOk(
      stack.gatewayUrl,
      `mutation($input: SlaPolicyInput!) { setSlaPolicy(input: $input) { version } }`,
      { input: { calendarId: 'default', warningShare: 0.5, rules } },
      admin,
    );
    const { createTicket } = await graphqlOk(
      stack.gatewayUrl,
      `mutation { createTicket(input: { title: "Server down", description: "d", channel: PHONE, priority: P1,
        queueId: "general", customer: { name: "Y" } }) { id } }`,
      {},
      agent,
    );
    const escalated = await eventually(
      async () => {
        const { ticket } = await graphqlOk(
          stack.gatewayUrl,
          `query($id: ID!) { ticket(id: $id) { escalationTier timeline { action result } sla { clocks { target state breachedAt } } } }`,
          { id: createTicket.id },
          agent,
        );
        return ticket.escalationTier ? ticket : undefined;
      },
      { timeoutMs: 30_000, what: 'the breach to escalate the ticket' },
    );
    expect(escalated.escalationTier).toBe('SUPERVISOR');
    expect(escalated.timeline.at(-1)).toEqual({ action: 'ESCALATED_VERTICAL', result: 'automatic' });
    const firstResponse = escalated.sla.clocks.find(
      (clock: { target: string }) => clock.target === 'FIRST_RESPONSE',
    );
    expect(firstResponse.state).toBe('BREACHED');

    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const fired = await database.query(
      `SELECT event_type, count(*)::int AS count FROM sla.outbox WHERE message_key = $1
        AND event_type IN ('deskgraph.sla.clock_warned.v1', 'deskgraph.sla.clock_breached.v1') GROUP BY event_type ORDER BY event_type`,
      [createTicket.id],
    );
    expect(fired.rows).toEqual([
      { event_type: 'deskgraph.sla.clock_breached.v1', count: 1 },
      { event_type: 'deskgraph.sla.clock_warned.v1', count: 1 },
    ]);
    // The ticket created under the old policy keeps its deadline.
    expect((await slaOf(before.createTicket.id)).firstResponseDueAt).toBe(beforeSla.firstResponseDueAt);
  });

  it('should fire a breach once, late and marked late, when the service was down across the due time', async () => {
    const { createTicket } = await graphqlOk(
      stack.gatewayUrl,
      `mutation { createTicket(input: { title: "Restart", description: "d", channel: CHAT, priority: P1,
        queueId: "general", customer: { name: "Z" } }) { id } }`,
      {},
      agent,
    );
    await eventually(async () => (await slaOf(createTicket.id)) ?? undefined, { what: 'the clock to start' });
    await stack.processes.sla.kill();
    await new Promise((resolve) => setTimeout(resolve, 6_000));
    await stack.processes.sla.start();
    const breaches = await eventually(
      async () => {
        const result = await database.query(
          `SELECT payload FROM sla.outbox WHERE message_key = $1 AND event_type = 'deskgraph.sla.clock_breached.v1'`,
          [createTicket.id],
        );
        return result.rows.length ? result.rows : undefined;
      },
      { timeoutMs: 30_000, what: 'the late breach' },
    );
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const again = await database.query(
      `SELECT count(*)::int AS count FROM sla.outbox WHERE message_key = $1 AND event_type = 'deskgraph.sla.clock_breached.v1'`,
      [createTicket.id],
    );
    expect(again.rows[0].count).toBe(1);
    expect(breaches[0].payload.data.late).toBe(true);
    expect(breaches[0].payload.data.lateMs).toBeGreaterThan(1_000);
  });
});
