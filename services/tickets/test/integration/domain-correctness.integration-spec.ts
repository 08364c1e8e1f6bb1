import { randomUUID } from 'node:crypto';
import { buildEvent, namespaced, SlaClockBreachedV1, TOPICS, type DeskgraphEvent } from '@deskgraph/events';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { Client as PgClient } from 'pg';
import {
  eventually,
  graphqlErrorCode,
  graphqlOk,
  graphqlRequest,
  startTestStack,
  testToken,
  type TestStack,
} from '@deskgraph/infra';

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
  let customer: string;
  const gql = (query: string, variables: Record<string, unknown>, token: string) =>
    graphqlOk(stack.gatewayUrl, query, variables, token);
  const read = async (id: string) => (await gql(READ, { id }, admin)).ticket;
  const timeline = async (id: string): Promise<TimelineEntry[]> => (await read(id)).timeline;
  const setAvailable = (agentId: string, available: boolean) =>
    gql(
      `mutation($id: ID!, $available: Boolean!) { setAgentAvailability(agentId: $id, available: $available) { id available } }`,
      { id: agentId, available },
      admin,
    );
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
  const assign = (ticketId: string, agentId: string) =>
    gql(
      `mutation($input: AssignTicketInput!) { assignTicket(input: $input) { assigneeId } }`,
      { input: { ticketId, agentId } },
      admin,
    );
  const moveTo = async (ticketId: string, ...statuses: string[]) => {
    for (const status of statuses) {
      await gql(
        `mutation($id: ID!, $status: TicketStatus!) { changeTicketStatus(input: { ticketId: $id, status: $status }) { status } }`,
        { id: ticketId, status },
        admin,
      );
    }
  };
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
    customer = await testToken({ roles: ['customer'], userId: 'u-domain', customerId: 'C-DOMAIN' });
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

    it('should hand a breached ticket on when its assignee is unavailable', async () => {
      const ticketId = await create('breach', 'Breached while away');
      await assign(ticketId, 'breach-a');
      await setAvailable('breach-a', false);
      try {
        await publishSla([breach(ticketId, 'breach')]);
        const escalated = await eventually(
          async () => {
            const current = await read(ticketId);
            return current.escalationTier === 'SUPERVISOR' ? current : undefined;
          },
          { timeoutMs: 30_000, what: 'the breach to escalate the ticket' },
        );
        expect(escalated.assigneeId).toBe('breach-b');
        const handedOn = escalated.timeline.filter((entry: TimelineEntry) => entry.action === 'REASSIGNED');
        expect(handedOn).toEqual([
          expect.objectContaining({
            actorId: 'system',
            before: { assigneeId: 'breach-a' },
            after: { assigneeId: 'breach-b' },
            result: 'breach-a is unavailable; handed to breach-b, the least-loaded available agent of breach',
          }),
        ]);
      } finally {
        await setAvailable('breach-a', true);
      }
    });
  });

  describe('reopen to someone who is there', () => {
    const confirmUnsatisfied = (ticketId: string) =>
      gql(
        `mutation($id: ID!) { confirmResolution(input: { ticketId: $id, satisfaction: UNSATISFIED }) { status assigneeId } }`,
        { id: ticketId },
        customer,
      );
    const unassignedIn = async (queueId: string) =>
      (
        await gql(
          `query($queueId: ID!) { unassignedTickets(queueId: $queueId, first: 100) { edges { node { id } } } }`,
          { queueId },
          admin,
        )
      ).unassignedTickets.edges.map((edge: { node: { id: string } }) => edge.node.id);

    it('should reopen to the available agent of the queue when the customer is unsatisfied and the assignee is unavailable', async () => {
      const ticketId = await create('reopen');
      await assign(ticketId, 'agent-a');
      await moveTo(ticketId, 'IN_PROGRESS', 'RESOLVED');
      await setAvailable('agent-a', false);
      try {
        const reopened = await confirmUnsatisfied(ticketId);
        expect(reopened.confirmResolution).toEqual({ status: 'IN_PROGRESS', assigneeId: 'agent-b' });
        const entries = await timeline(ticketId);
        expect(entries.slice(-2).map((entry) => [entry.action, entry.result])).toEqual([
          ['CONFIRMED', 'reopened for second handling'],
          [
            'REASSIGNED',
            'agent-a is unavailable; handed to agent-b, the least-loaded available agent of reopen',
          ],
        ]);
        expect(await unassignedIn('reopen')).not.toContain(ticketId);
        const { rows } = await database.query(
          `SELECT payload->'data' AS data FROM tickets.outbox
            WHERE message_key = $1 AND event_type = 'deskgraph.ticket.assigned.v1' ORDER BY sequence DESC LIMIT 1`,
          [ticketId],
        );
        expect(rows[0].data).toMatchObject({
          assigneeId: 'agent-b',
          previousAssigneeId: 'agent-a',
          mode: 'AUTOMATIC',
        });
      } finally {
        await setAvailable('agent-a', true);
      }
    });

    it('should reopen to the queue, unassigned, when no agent of the queue is available', async () => {
      const ticketId = await create('solo');
      await assign(ticketId, 'solo-a');
      await moveTo(ticketId, 'IN_PROGRESS', 'RESOLVED');
      await setAvailable('solo-a', false);
      try {
        const reopened = await confirmUnsatisfied(ticketId);
        expect(reopened.confirmResolution).toEqual({ status: 'IN_PROGRESS', assigneeId: null });
        expect(await unassignedIn('solo')).toContain(ticketId);
        const last = (await timeline(ticketId)).at(-1)!;
        expect([last.action, last.before, last.after, last.result]).toEqual([
          'REASSIGNED',
          { assigneeId: 'solo-a' },
          { assigneeId: null },
          'solo-a is unavailable and no agent of solo is; back in the queue',
        ]);
      } finally {
        await setAvailable('solo-a', true);
      }
    });

    it('should never pick an unavailable agent when assigning automatically', async () => {
      const ticketId = await create('solo');
      await setAvailable('solo-a', false);
      try {
        const { code, message } = await graphqlErrorCode(
          stack.gatewayUrl,
          `mutation($id: ID!) { assignTicket(input: { ticketId: $id, automatic: true }) { assigneeId } }`,
          { id: ticketId },
          admin,
        );
        expect([code, message]).toEqual(['BAD_USER_INPUT', 'Queue solo has no available agent.']);
      } finally {
        await setAvailable('solo-a', true);
      }
    });

    it('should refuse to hand over to a colleague who is unavailable', async () => {
      const agentA = await testToken({ roles: ['agent'], userId: 'agent-a', queueIds: ['reopen'] });
      await setAvailable('agent-b', false);
      try {
        const { code, message } = await graphqlErrorCode(
          stack.gatewayUrl,
          `mutation { createHandover(input: { queueId: "reopen", toAgentId: "agent-b" }) { id } }`,
          {},
          agentA,
        );
        expect(code).toBe('BAD_USER_INPUT');
        expect(message).toContain('agent-b is unavailable');
      } finally {
        await setAvailable('agent-b', true);
      }
    });

    it('should hand the primary on when a duplicate is merged into a ticket whose assignee is unavailable', async () => {
      const primary = await create('merge', 'Parcel lost');
      const duplicate = await create('merge', 'Parcel lost again');
      await assign(primary, 'merge-a');
      await setAvailable('merge-a', false);
      try {
        await gql(
          `mutation($a: ID!, $b: ID!) { mergeTickets(duplicateId: $a, primaryId: $b) { id } }`,
          { a: duplicate, b: primary },
          admin,
        );
        const after = await read(primary);
        expect(after.assigneeId).toBe('merge-b');
        expect(after.timeline.at(-1)).toMatchObject({
          action: 'REASSIGNED',
          result: 'merge-a is unavailable; handed to merge-b, the least-loaded available agent of merge',
        });
      } finally {
        await setAvailable('merge-a', true);
      }
    });
  });

  describe('merging', () => {
    it('should let only one of two opposite merges succeed when both run at once', async () => {
      for (let round = 0; round < 5; round++) {
        const first = await create('merge', `Double order ${round}`);
        const second = await create('merge', `Double order ${round} (again)`);
        const merge = (duplicateId: string, primaryId: string) =>
          graphqlRequest(
            stack.gatewayUrl,
            `mutation($a: ID!, $b: ID!) { mergeTickets(duplicateId: $a, primaryId: $b) { id } }`,
            { a: duplicateId, b: primaryId },
            admin,
          );
        const outcomes = await Promise.all([merge(first, second), merge(second, first)]);
        const codes = outcomes.map((outcome) => outcome.errors?.[0]?.extensions?.code ?? 'merged').sort();
        expect(codes).toEqual(['BAD_USER_INPUT', 'merged']);
        const merged = [await read(first), await read(second)].filter((ticket) => ticket.mergedInto);
        expect(merged).toHaveLength(1);
      }
    });
  });
});
