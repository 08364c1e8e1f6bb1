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
  graphqlRequest,
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
    // Operators see the same count on the service's Prometheus endpoint.
    const metrics = await (await fetch(new URL('/metrics', stack.subgraphUrls.sla))).text();
    const line = metrics
      .split('\n')
      .find(
        (row) => row.startsWith('deskgraph_sla_event_anomalies{') && row.includes('kind="unknown_ticket"'),
      );
    expect(Number(line?.split(' ').at(-1))).toBeGreaterThanOrEqual(1);
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

  it("should show each target's due time, remaining time, state and paused periods on Ticket.sla through the gateway", async () => {
    const { createTicket } = await graphqlOk(
      stack.gatewayUrl,
      `mutation { createTicket(input: { title: "Cannot log in", description: "d", channel: CHAT, priority: P0,
        queueId: "general", customer: { name: "W" } }) { id } }`,
      {},
      agent,
    );
    const ticketId: string = createTicket.id;
    const slaQuery = `query($id: ID!) { ticket(id: $id) { sla { firstResponseDueAt resolutionDueAt nextBreachAt
      clocks { target state startedAt dueAt businessTime targetMinutes remainingSeconds overdue
        pausedPeriods { from to reason } } } } }`;
    const readSla = async () =>
      (await graphqlOk(stack.gatewayUrl, slaQuery, { id: ticketId }, agent)).ticket.sla;
    type Clock = {
      target: string;
      state: string;
      startedAt: string;
      dueAt: string | null;
      [key: string]: unknown;
    };
    const clockOf = (sla: { clocks: Clock[] }, target: string) =>
      sla.clocks.find((clock) => clock.target === target)!;

    const started = await eventually(async () => (await readSla()) ?? undefined, { what: 'Ticket.sla' });
    const first = clockOf(started, 'FIRST_RESPONSE');
    expect(first).toMatchObject({ state: 'RUNNING', businessTime: false, targetMinutes: 15, overdue: false });
    expect(first.remainingSeconds).toBeGreaterThan(0);
    expect(first.remainingSeconds).toBeLessThanOrEqual(15 * 60);
    expect(started.nextBreachAt).toBe(first.dueAt);
    expect(started.resolutionDueAt).toBe(
      new Date(new Date(first.startedAt).getTime() + 4 * 3_600_000).toISOString(),
    );

    await graphqlOk(
      stack.gatewayUrl,
      `mutation($id: ID!) { replyToTicket(input: { ticketId: $id, body: "Looking into it" }) { ticket { id } } }`,
      { id: ticketId },
      agent,
    );
    await graphqlOk(
      stack.gatewayUrl,
      `mutation($id: ID!) { changeTicketStatus(input: { ticketId: $id, status: PENDING_CUSTOMER }) { id } }`,
      { id: ticketId },
      agent,
    );
    const paused = await eventually(
      async () => {
        const sla = await readSla();
        return clockOf(sla, 'RESOLUTION').state === 'PAUSED' ? sla : undefined;
      },
      { what: 'the resolution clock to pause' },
    );
    expect(clockOf(paused, 'FIRST_RESPONSE').state).toBe('FULFILLED');
    expect(clockOf(paused, 'RESOLUTION')).toMatchObject({
      dueAt: null,
      pausedPeriods: [{ reason: 'WAITING_ON_CUSTOMER', to: null }],
    });

    await graphqlOk(
      stack.gatewayUrl,
      `mutation($id: ID!) { changeTicketStatus(input: { ticketId: $id, status: IN_PROGRESS }) { id } }`,
      { id: ticketId },
      agent,
    );
    await graphqlOk(
      stack.gatewayUrl,
      `mutation($id: ID!) { reclassifyTicket(input: { ticketId: $id, priority: P1, reason: "not urgent" }) { id } }`,
      { id: ticketId },
      agent,
    );
    const recomputed = await eventually(
      async () => {
        const sla = await readSla();
        const resolution = clockOf(sla, 'RESOLUTION');
        return resolution.state === 'RUNNING' && resolution.targetMinutes === 24 * 60
          ? resolution
          : undefined;
      },
      { what: 'the resume and the recompute under P1' },
    );
    const [pause] = recomputed.pausedPeriods as { from: string; to: string }[];
    const pausedMs = new Date(pause.to).getTime() - new Date(pause.from).getTime();
    // Recomputed from the start under the P1 target (24 h), the pause still excluded.
    expect(recomputed.dueAt).toBe(
      new Date(new Date(recomputed.startedAt).getTime() + 24 * 3_600_000 + pausedMs).toISOString(),
    );
  });

  it('should list at-risk tickets once each, soonest breach first, to agents and supervisors of the queue only', async () => {
    const queueId = `risk-${randomUUID().slice(0, 8)}`;
    const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();
    const created = (ticketId: string, createdAt: string) =>
      buildEvent(TicketCreatedV1, {
        source: '/test',
        subject: ticketId,
        data: {
          ticketId,
          number: '202701-002',
          version: 1,
          title: 'At risk',
          channel: 'PHONE',
          type: 'FAULT_REPORT',
          category: null,
          priority: 'P0',
          queueId,
          customerId: 'C-9',
          createdAt,
        },
      });
    // P0: 15 min first response. Overdue by 5 min, due in 10 min, due in 15 min.
    const [overdue, soon, later] = [randomUUID(), randomUUID(), randomUUID()];
    await publish(
      created(later, minutesAgo(0)),
      created(overdue, minutesAgo(20)),
      created(soon, minutesAgo(5)),
    );
    const supervisor = await testToken({ roles: ['supervisor'], userId: 'sup-risk', queueIds: [queueId] });
    const query = `query($queueIds: [ID!]!, $within: Int) { atRiskTickets(queueIds: $queueIds, withinMinutes: $within) {
      ticket { id } target state dueAt remainingSeconds } }`;

    const atRisk = await eventually(
      async () => {
        const { atRiskTickets } = await graphqlOk(
          stack.gatewayUrl,
          query,
          { queueIds: [queueId], within: 12 },
          supervisor,
        );
        return atRiskTickets.length === 2 ? atRiskTickets : undefined;
      },
      { what: 'the at-risk list' },
    );
    expect(atRisk.map((entry: { ticket: { id: string } }) => entry.ticket.id)).toEqual([overdue, soon]);
    expect(atRisk.map((entry: { target: string }) => entry.target)).toEqual([
      'FIRST_RESPONSE',
      'FIRST_RESPONSE',
    ]);
    expect(atRisk[0].remainingSeconds).toBeLessThan(0);
    expect(atRisk[1].remainingSeconds).toBeGreaterThan(0);
    // The three tickets sit on different partitions: the one due later may be applied after the first two.
    const wider = await eventually(
      async () => {
        const answer = await graphqlOk(
          stack.gatewayUrl,
          query,
          { queueIds: [queueId], within: 60 },
          supervisor,
        );
        return answer.atRiskTickets.length === 3 ? answer : undefined;
      },
      { what: 'the wider at-risk list' },
    );
    expect(wider.atRiskTickets.map((entry: { ticket: { id: string } }) => entry.ticket.id)).toEqual([
      overdue,
      soon,
      later,
    ]);

    const otherAgent = await testToken({ roles: ['agent'], userId: 'a2', queueIds: ['general'] });
    const customer = await testToken({ roles: ['customer'], userId: 'c9', customerId: 'C-9' });
    for (const token of [otherAgent, customer]) {
      const refused = await graphqlRequest(
        stack.gatewayUrl,
        query,
        { queueIds: [queueId], within: 60 },
        token,
      );
      expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
    const badWindow = await graphqlRequest(
      stack.gatewayUrl,
      query,
      { queueIds: [queueId], within: -1 },
      supervisor,
    );
    expect(badWindow.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('should reject invalid policies and calendars with BAD_USER_INPUT listing every problem, and non-admins with FORBIDDEN', async () => {
    const policyVersions = async () =>
      (await graphqlOk(stack.gatewayUrl, `{ slaPolicyVersions { version } }`, {}, admin)).slaPolicyVersions
        .length;
    const before = await policyVersions();
    const setPolicy = `mutation($input: SlaPolicyInput!) { setSlaPolicy(input: $input) { version } }`;

    const invalidPolicy = await graphqlRequest(
      stack.gatewayUrl,
      setPolicy,
      {
        input: {
          calendarId: 'default',
          rules: [
            { target: 'FIRST_RESPONSE', priority: 'P0', minutes: 0, businessTime: false },
            { target: 'RESOLUTION', priority: 'P1', minutes: -5, businessTime: false },
            { target: 'RESOLUTION', priority: 'P7', minutes: 30, businessTime: true },
          ],
        },
      },
      admin,
    );
    const policyError = invalidPolicy.errors?.[0];
    expect(policyError?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(policyError?.message).toContain('minutes must be a positive number, got 0');
    expect(policyError?.extensions?.problems).toEqual(
      expect.arrayContaining([
        {
          field: 'rules.0.minutes',
          message: 'rule 1 (FIRST_RESPONSE P0): minutes must be a positive number, got 0',
        },
        {
          field: 'rules.1.minutes',
          message: 'rule 2 (RESOLUTION P1): minutes must be a positive number, got -5',
        },
        {
          field: 'rules.2.priority',
          message: 'rule 3 (RESOLUTION P7): unknown priority "P7" (use P0, P1, P2 or P3)',
        },
        {
          field: 'rules',
          message: 'no default NEXT_RESPONSE rule for P2 (one without ticketType or customerType)',
        },
      ]),
    );
    const unknownCalendar = await graphqlRequest(
      stack.gatewayUrl,
      setPolicy,
      { input: { calendarId: 'nowhere', rules: DEFAULT_POLICY.rules } },
      admin,
    );
    expect(unknownCalendar.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(unknownCalendar.errors?.[0]?.message).toContain('unknown calendar "nowhere"');

    const setCalendar = `mutation($input: BusinessCalendarInput!) { setBusinessCalendar(input: $input) { id version } }`;
    const invalidCalendar = await graphqlRequest(
      stack.gatewayUrl,
      setCalendar,
      {
        input: {
          id: 'night-desk',
          timeZone: 'Mars/Olympus',
          weekly: [
            {
              weekday: 1,
              shifts: [
                { start: '09:00', end: '12:00' },
                { start: '11:00', end: '14:00' },
              ],
            },
            { weekday: 2, shifts: [{ start: '18:00', end: '09:00' }] },
          ],
        },
      },
      admin,
    );
    const calendarError = invalidCalendar.errors?.[0];
    expect(calendarError?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(calendarError?.extensions?.problems).toEqual([
      { field: 'timeZone', message: 'unknown time zone "Mars/Olympus"' },
      { field: 'weekly', message: 'weekday 1: shifts 09:00–12:00 and 11:00–14:00 overlap' },
      { field: 'weekly', message: 'weekday 2: shift 18:00–09:00 ends before it starts' },
    ]);

    const agentAttempt = await graphqlRequest(
      stack.gatewayUrl,
      setPolicy,
      { input: { calendarId: 'default', rules: DEFAULT_POLICY.rules } },
      agent,
    );
    expect(agentAttempt.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(await policyVersions()).toBe(before);

    const valid = await graphqlOk(
      stack.gatewayUrl,
      setCalendar,
      {
        input: {
          id: 'night-desk',
          timeZone: 'America/New_York',
          weekly: [
            {
              weekday: 1,
              shifts: [
                { start: '00:00', end: '06:00' },
                { start: '22:00', end: '24:00' },
              ],
            },
          ],
          holidays: ['2027-01-01'],
        },
      },
      admin,
    );
    expect(valid.setBusinessCalendar).toEqual({ id: 'night-desk', version: 1 });
    const agentCalendar = await graphqlRequest(
      stack.gatewayUrl,
      setCalendar,
      {
        input: {
          id: 'night-desk',
          timeZone: 'UTC',
          weekly: [{ weekday: 1, shifts: [{ start: '09:00', end: '17:00' }] }],
        },
      },
      agent,
    );
    expect(agentCalendar.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
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
