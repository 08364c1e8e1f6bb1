import { namespaced, TOPICS } from '@deskgraph/events';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { Client as PgClient } from 'pg';
import {
  eventually,
  graphqlOk,
  graphqlRequest,
  startTestStack,
  testToken,
  type TestStack,
} from '@deskgraph/infra';

// The handbook's service practices end to end, through the gateway, on real
// PostgreSQL and Kafka: service language on public replies, follow-up and
// key-customer visits after closing, and shift handovers.

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read deep response shapes freely
type Json = any;

interface BusEvent {
  type: string;
  subject: string;
  data: Record<string, Json>;
}

const TICKET = `id version status assigneeId customer { id tier region }`;
const VISIT = `id ticketId kind dueAt assigneeId overdue overdueAt completedAt completedBy reached satisfied note`;
const HANDOVER = `id queueId fromAgentId toAgentId note acknowledged acknowledgedBy
  items { statusAtHandover nextStep ticket { id status sla { nextBreachAt } } }`;

describe('tickets: service practices through the gateway', () => {
  let stack: TestStack;
  let database: PgClient;
  let reader: Consumer;
  const bus: BusEvent[] = [];
  let admin: string;
  let a1: string;
  let a2: string;
  let a3: string;
  let outsider: string;
  let supervisor: string;
  let otherSupervisor: string;
  let keyCustomer: string;

  const gql = (query: string, variables: Record<string, unknown>, token: string) =>
    graphqlOk(stack.gatewayUrl, query, variables, token);
  const refusal = async (query: string, variables: Record<string, unknown>, token?: string) => {
    const response = await graphqlRequest(stack.gatewayUrl, query, variables, token);
    expect(response.errors?.length).toBeGreaterThan(0);
    return response.errors![0] as { message: string; extensions: Record<string, Json> };
  };
  const outbox = async (subject: string): Promise<BusEvent[]> =>
    (
      await database.query(`SELECT payload FROM tickets.outbox WHERE message_key = $1 ORDER BY sequence`, [
        subject,
      ])
    ).rows.map((row: { payload: BusEvent }) => row.payload);
  const timelineActions = async (ticketId: string): Promise<string[]> =>
    (
      await database.query(`SELECT action FROM tickets.timeline WHERE ticket_id = $1 ORDER BY id`, [ticketId])
    ).rows.map((row: { action: string }) => row.action);
  const onBus = (type: string, subject: string) =>
    eventually(async () => bus.find((event) => event.type === type && event.subject === subject), {
      timeoutMs: 30_000,
      what: `${type} for ${subject} on Kafka`,
    });

  const createComplaint = async (customer: Record<string, unknown>, token = admin) =>
    (
      await gql(
        `mutation($input: CreateTicketInput!) { createTicket(input: $input) { ${TICKET} } }`,
        {
          input: {
            title: 'Damaged parcel',
            description: 'The parcel arrived broken.',
            channel: 'PHONE',
            type: 'COMPLAINT',
            queueId: 'complaints',
            customer,
          },
        },
        token,
      )
    ).createTicket;
  const assign = (ticketId: string, agentId: string) =>
    gql(
      `mutation($id: ID!, $agent: ID!) { assignTicket(input: { ticketId: $id, agentId: $agent }) { id } }`,
      { id: ticketId, agent: agentId },
      admin,
    );
  const reply = (ticketId: string, body: string, token: string, visibility = 'PUBLIC') =>
    graphqlRequest(
      stack.gatewayUrl,
      `mutation($input: ReplyInput!) { replyToTicket(input: $input) {
        ticket { version status } message { id } warnings { code language message expected } } }`,
      { input: { ticketId, body, visibility } },
      token,
    );
  const moveTo = (ticketId: string, status: string, token: string) =>
    gql(
      `mutation($id: ID!, $status: TicketStatus!) { changeTicketStatus(input: { ticketId: $id, status: $status }) { status } }`,
      { id: ticketId, status },
      token,
    );
  const visitsOf = async (ticketId: string, token = a1) =>
    (await gql(`query($id: ID!) { ticket(id: $id) { visits { ${VISIT} } } }`, { id: ticketId }, token)).ticket
      .visits as Record<string, Json>[];

  beforeAll(async () => {
    stack = await startTestStack({
      env: {
        VISIT_FOLLOW_UP_DELAY_SECONDS: '3',
        KEY_CUSTOMER_TRACKING_INTERVAL_SECONDS: '3600',
        LIFECYCLE_SWEEP_SECONDS: '1',
      },
    });
    database = new PgClient({ connectionString: stack.databaseUrl });
    await database.connect();
    const kafka = new Kafka({
      clientId: 'practices-reader',
      brokers: stack.kafkaBrokers.split(','),
      logLevel: logLevel.NOTHING,
    });
    reader = kafka.consumer({ groupId: `practices-reader-${stack.namespace}` });
    await reader.connect();
    await reader.subscribe({ topic: namespaced(stack.namespace, TOPICS.tickets), fromBeginning: true });
    await reader.run({
      eachMessage: async ({ message }) => {
        bus.push(JSON.parse(message.value!.toString()));
      },
    });

    admin = await testToken({ roles: ['admin'], userId: 'admin-1' });
    a1 = await testToken({ roles: ['agent'], userId: 'a1', queueIds: ['complaints'] });
    a2 = await testToken({ roles: ['agent'], userId: 'a2', queueIds: ['complaints'] });
    a3 = await testToken({ roles: ['agent'], userId: 'a3', queueIds: ['complaints'] });
    outsider = await testToken({ roles: ['agent'], userId: 'g1', queueIds: ['general'] });
    supervisor = await testToken({ roles: ['supervisor'], userId: 'sup-1', queueIds: ['complaints'] });
    otherSupervisor = await testToken({ roles: ['supervisor'], userId: 'sup-2', queueIds: ['general'] });
    keyCustomer = await testToken({ roles: ['customer'], userId: 'u-key', customerId: 'C-KEY' });

    await gql(`mutation { upsertQueue(input: { id: "complaints", name: "Complaints" }) { id } }`, {}, admin);
    for (const id of ['a1', 'a2', 'a3']) {
      await gql(
        `mutation($id: ID!, $name: String!) { upsertAgent(input: { id: $id, displayName: $name, queueIds: ["complaints"] }) { id } }`,
        { id, name: `Agent ${id}` },
        admin,
      );
    }
  }, 180_000);

  afterAll(async () => {
    await reader?.disconnect();
    await database?.end();
    await stack?.stop();
  }, 60_000);

  describe('service language', () => {
    it('should refuse a public reply with a forbidden phrase and record the refusal when an agent writes it', async () => {
      const ticket = await createComplaint({ id: 'C-LANG', name: 'Li Lei' });
      await assign(ticket.id, 'a1');
      const before = (await gql(`query($id: ID!) { ticket(id: $id) { version } }`, { id: ticket.id }, a1))
        .ticket;

      const refused = await reply(ticket.id, '您好，这个问题你到财务部门问问吧。谢谢', a1);
      const error = refused.errors![0];
      expect(error.extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        reason: 'SERVICE_LANGUAGE',
        phrases: ['你到*部门问问吧'],
        suggestions: ['这个问题我帮您联系相关部门，处理后给您回复'],
      });
      expect(error.message).toContain('你到*部门问问吧');
      expect(error.message).toContain('这个问题我帮您联系相关部门，处理后给您回复');

      // Nothing was sent and the ticket did not change, but the refusal is on record for supervisors.
      const after = (
        await gql(`query($id: ID!) { ticket(id: $id) { version messages { id } } }`, { id: ticket.id }, a1)
      ).ticket;
      expect(after).toEqual({ version: before.version, messages: [] });
      expect(await timelineActions(ticket.id)).toContain('REPLY_REFUSED');
      const event = await onBus('deskgraph.ticket.reply_refused.v1', ticket.id);
      expect(event.data).toMatchObject({
        ticketId: ticket.id,
        version: before.version,
        queueId: 'complaints',
        actor: { id: 'a1', role: 'agent' },
        phrases: ['你到*部门问问吧'],
      });
    });

    it('should match full-width punctuation and English case when checking replies', async () => {
      const ticket = await createComplaint({ id: 'C-LANG2', name: 'Han Mei' });
      await assign(ticket.id, 'a1');
      const chinese = await reply(ticket.id, '您好！这是规定,我有什么办法？', a1);
      expect(chinese.errors![0].extensions).toMatchObject({ phrases: ['这是规定，我有什么办法'] });
      const english = await reply(ticket.id, 'Hello. I ALREADY told you. Kind regards', a1);
      expect(english.errors![0].extensions).toMatchObject({
        reason: 'SERVICE_LANGUAGE',
        phrases: ['I already told you'],
      });
    });

    it('should not check internal notes or customer replies when they use a forbidden phrase', async () => {
      const ticket = await createComplaint({ id: 'C-KEY', name: 'Key Customer', tier: 'KEY' });
      await assign(ticket.id, 'a1');
      const note: Json = await reply(ticket.id, '不是告诉你了 — internal remark', a1, 'INTERNAL');
      expect(note.errors).toBeUndefined();
      expect(note.data!.replyToTicket.warnings).toEqual([]);
      const fromCustomer = await reply(ticket.id, '不是告诉你了吗', keyCustomer);
      expect(fromCustomer.errors).toBeUndefined();
    });

    it('should send a reply with a warning when the greeting or closing is missing', async () => {
      const ticket = await createComplaint({ id: 'C-LANG3', name: 'Wei' });
      await assign(ticket.id, 'a1');
      const sent: Json = await reply(ticket.id, '您的包裹已重新寄出。', a1);
      expect(sent.errors).toBeUndefined();
      expect(sent.data!.replyToTicket.message.id).toBeTruthy();
      expect(sent.data!.replyToTicket.warnings.map((warning: { code: string }) => warning.code)).toEqual([
        'MISSING_GREETING',
        'MISSING_CLOSING',
      ]);
      const polite: Json = await reply(ticket.id, '您好，您的包裹已重新寄出，感谢您的耐心。', a1);
      expect(polite.data!.replyToTicket.warnings).toEqual([]);
    });

    it('should refuse empty, blank, duplicate and conflicting phrase lists when an admin sets them', async () => {
      const SET = `mutation($rules: [ServiceLanguageRuleInput!]!) { setServiceLanguageRules(rules: $rules) { kind phrase } }`;
      const empty = await refusal(SET, { rules: [] }, admin);
      expect(empty.extensions.code).toBe('BAD_USER_INPUT');
      expect(empty.message).toContain('at least one FORBIDDEN phrase');

      const conflicting = await refusal(
        SET,
        {
          rules: [
            {
              kind: 'FORBIDDEN',
              language: 'EN',
              phrase: 'calm down',
              suggestion: 'I understand how you feel',
            },
            { kind: 'GREETING', language: 'EN', phrase: 'Calm down!' },
            { kind: 'CLOSING', language: 'EN', phrase: '   ' },
            { kind: 'FORBIDDEN', language: 'EN', phrase: 'CALM  DOWN', suggestion: 'x' },
          ],
        },
        admin,
      );
      expect(conflicting.extensions.code).toBe('BAD_USER_INPUT');
      expect(conflicting.extensions.problems).toEqual([
        '"Calm down!" is both forbidden and required (FORBIDDEN and GREETING)',
        'a CLOSING phrase is blank',
        '"CALM  DOWN" is listed twice',
      ]);
      expect((await refusal(SET, { rules: [] }, a1)).extensions.code).toBe('FORBIDDEN');
      expect((await refusal(SET, { rules: [] })).extensions.code).toBe('UNAUTHENTICATED');
      // The seeded handbook list is still in force.
      const { serviceLanguageRules } = await gql(
        `{ serviceLanguageRules { kind language phrase suggestion } }`,
        {},
        a1,
      );
      expect(serviceLanguageRules).toContainEqual({
        kind: 'FORBIDDEN',
        language: 'ZH',
        phrase: '你到*部门问问吧',
        suggestion: '这个问题我帮您联系相关部门，处理后给您回复',
      });
    });

    it('should check replies against the new list when an admin replaces it', async () => {
      const SET = `mutation($rules: [ServiceLanguageRuleInput!]!) { setServiceLanguageRules(rules: $rules) { kind phrase } }`;
      const { serviceLanguageRules: original } = await gql(
        `{ serviceLanguageRules { kind language phrase suggestion } }`,
        {},
        admin,
      );
      await gql(
        SET,
        {
          rules: [
            {
              kind: 'FORBIDDEN',
              language: 'EN',
              phrase: 'calm down',
              suggestion: 'I understand how you feel',
            },
          ],
        },
        admin,
      );
      try {
        const ticket = await createComplaint({ id: 'C-LANG4', name: 'Ann' });
        await assign(ticket.id, 'a1');
        const refused = await reply(ticket.id, 'Please CALM down.', a1);
        expect(refused.errors![0].extensions).toMatchObject({ suggestions: ['I understand how you feel'] });
        const allowed = await reply(ticket.id, '不是告诉你了', a1);
        expect(allowed.errors).toBeUndefined();
      } finally {
        await gql(SET, { rules: original }, admin);
      }
    });
  });

  describe('follow-up visits', () => {
    it('should schedule visits on close, mark them overdue once and record the outcome when a key customer complaint closes', async () => {
      const ticket = await createComplaint({
        id: 'C-KEY',
        name: 'Key Customer',
        tier: 'KEY',
        region: 'CN-GD',
      });
      expect(ticket.customer).toEqual({ id: 'C-KEY', tier: 'KEY', region: 'CN-GD' });
      const created = await onBus('deskgraph.ticket.created.v1', ticket.id);
      expect(created.data).toMatchObject({ customerTier: 'KEY', customerRegion: 'CN-GD' });

      await assign(ticket.id, 'a1');
      await reply(ticket.id, '您好，已为您补发。谢谢', a1);
      await moveTo(ticket.id, 'RESOLVED', a1);
      await gql(
        `mutation($id: ID!) { confirmResolution(input: { ticketId: $id, satisfaction: SATISFIED }) { status } }`,
        { id: ticket.id },
        keyCustomer,
      );

      const visits = await visitsOf(ticket.id);
      expect(visits.map((visit) => [visit.kind, visit.assigneeId])).toEqual([
        ['FOLLOW_UP', 'a1'],
        ['KEY_CUSTOMER_TRACKING', 'a1'],
      ]);
      const followUp = visits[0];
      const tracking = visits[1];
      const scheduled = await onBus('deskgraph.ticket.visit_scheduled.v1', ticket.id);
      expect(scheduled.data).toMatchObject({ visitId: followUp.id, kind: 'FOLLOW_UP', assigneeId: 'a1' });
      // Customers do not see the desk's visits.
      expect(
        (await gql(`query($id: ID!) { ticket(id: $id) { visits { id } } }`, { id: ticket.id }, keyCustomer))
          .ticket.visits,
      ).toEqual([]);

      // Past its due time the sweeper marks the follow-up overdue, once.
      const overdue = await eventually(
        async () => {
          const { openVisits } = await gql(
            `query { openVisits(queueIds: ["complaints"], overdueOnly: true) { ${VISIT} } }`,
            {},
            a1,
          );
          return openVisits.find(
            (visit: { id: string; overdueAt: string | null }) => visit.id === followUp.id && visit.overdueAt,
          );
        },
        { timeoutMs: 30_000, what: 'the follow-up visit to be marked overdue' },
      );
      expect(overdue).toMatchObject({ overdue: true, completedAt: null });
      const overdueEvent = await onBus('deskgraph.ticket.visit_overdue.v1', ticket.id);
      expect(overdueEvent.data).toMatchObject({ visitId: followUp.id, kind: 'FOLLOW_UP', assigneeId: 'a1' });
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      const overdueInOutbox = (await outbox(ticket.id)).filter(
        (event) => event.type === 'deskgraph.ticket.visit_overdue.v1',
      );
      expect(overdueInOutbox).toHaveLength(1);
      // The tracking visit is not due for an hour.
      expect((await visitsOf(ticket.id))[1]).toMatchObject({ overdue: false, overdueAt: null });

      const COMPLETE = `mutation($input: CompleteVisitInput!) { completeVisit(input: $input) { ${VISIT} } }`;
      expect(
        (await refusal(COMPLETE, { input: { visitId: followUp.id, reached: false, satisfied: true } }, a1))
          .extensions.code,
      ).toBe('BAD_USER_INPUT');
      expect(
        (await refusal(COMPLETE, { input: { visitId: followUp.id, reached: true } }, keyCustomer)).extensions
          .code,
      ).toBe('FORBIDDEN');
      expect(
        (await refusal(COMPLETE, { input: { visitId: followUp.id, reached: true } }, outsider)).extensions
          .code,
      ).toBe('NOT_FOUND');
      expect(
        (await refusal(COMPLETE, { input: { visitId: followUp.id, reached: true } })).extensions.code,
      ).toBe('UNAUTHENTICATED');
      expect(
        (
          await refusal(
            COMPLETE,
            { input: { visitId: '00000000-0000-4000-8000-000000000000', reached: true } },
            a1,
          )
        ).extensions.code,
      ).toBe('NOT_FOUND');

      const { completeVisit } = await gql(
        COMPLETE,
        {
          input: {
            visitId: followUp.id,
            reached: true,
            satisfied: true,
            note: 'Happy now; refund to card 4111 1111 1111 1111',
          },
        },
        a1,
      );
      expect(completeVisit).toMatchObject({
        reached: true,
        satisfied: true,
        completedBy: 'a1',
        overdue: false,
      });
      expect(completeVisit.note).not.toContain('4111 1111 1111');
      const again = await refusal(COMPLETE, { input: { visitId: followUp.id, reached: true } }, a2);
      expect(again.extensions.code).toBe('CONFLICT');
      const completed = await onBus('deskgraph.ticket.visit_completed.v1', ticket.id);
      expect(completed.data).toMatchObject({
        visitId: followUp.id,
        kind: 'FOLLOW_UP',
        reached: true,
        satisfied: true,
        actor: { id: 'a1', role: 'agent' },
      });
      expect(completed.data.note).not.toContain('4111 1111 1111');

      // Key customers are tracked periodically: completing a tracking visit schedules the next one.
      await gql(COMPLETE, { input: { visitId: tracking.id, reached: false } }, a2);
      const after = await visitsOf(ticket.id);
      expect(after.map((visit) => [visit.kind, visit.completedAt !== null])).toEqual([
        ['FOLLOW_UP', true],
        ['KEY_CUSTOMER_TRACKING', true],
        ['KEY_CUSTOMER_TRACKING', false],
      ]);
      expect(after[1]).toMatchObject({ reached: false, satisfied: null });
      const actions = await timelineActions(ticket.id);
      expect(actions.filter((action) => action.startsWith('VISIT_'))).toEqual([
        'VISIT_SCHEDULED',
        'VISIT_SCHEDULED',
        'VISIT_OVERDUE',
        'VISIT_COMPLETED',
        'VISIT_COMPLETED',
        'VISIT_SCHEDULED',
      ]);
    });

    it('should keep the recorded tier and ignore a self-declared one when customers open tickets themselves', async () => {
      await createComplaint({ id: 'C-KEY', name: 'Key Customer', tier: 'KEY', region: 'CN-GD' });
      const CUSTOMER_CREATE = `mutation($input: CreateTicketInput!) { createTicket(input: $input) { ${TICKET} } }`;
      const input = (tier: string) => ({
        title: 'Another parcel',
        description: 'Late again.',
        channel: 'APP',
        customer: { name: 'Me', tier },
      });
      const own = (await gql(CUSTOMER_CREATE, { input: input('STANDARD') }, keyCustomer)).createTicket;
      expect(own.customer).toEqual({ id: 'C-KEY', tier: 'KEY', region: 'CN-GD' });
      const newcomer = await testToken({ roles: ['customer'], userId: 'u-new', customerId: 'C-NEW' });
      const claimed = (await gql(CUSTOMER_CREATE, { input: input('KEY') }, newcomer)).createTicket;
      expect(claimed.customer).toEqual({ id: 'C-NEW', tier: null, region: null });
    });

    it('should schedule no visit when a non-key customer closes a non-complaint', async () => {
      const { createTicket: ticket } = await gql(
        `mutation { createTicket(input: { title: "Question", description: "How do I pay?", channel: APP,
          type: CONSULTATION, queueId: "complaints", customer: { id: "C-PLAIN", name: "Plain", tier: "STANDARD" } }) { id } }`,
        {},
        admin,
      );
      await assign(ticket.id, 'a1');
      await reply(ticket.id, 'Hello, settings > payment. Thank you', a1);
      await moveTo(ticket.id, 'RESOLVED', a1);
      await moveTo(ticket.id, 'CLOSED', a1);
      expect(await visitsOf(ticket.id)).toEqual([]);
    });

    it('should refuse visits for unknown tickets and a second open follow-up when scheduling by hand', async () => {
      const SCHEDULE = `mutation($input: ScheduleVisitInput!) { scheduleVisit(input: $input) { ${VISIT} } }`;
      const dueAt = new Date(Date.now() + 86_400_000).toISOString();
      const unknown = await refusal(
        SCHEDULE,
        { input: { ticketId: '00000000-0000-4000-8000-000000000001', kind: 'FOLLOW_UP', dueAt } },
        a1,
      );
      expect(unknown.extensions.code).toBe('NOT_FOUND');
      const ticket = await createComplaint({ id: 'C-HAND', name: 'By hand' });
      await assign(ticket.id, 'a2');
      const { scheduleVisit } = await gql(
        SCHEDULE,
        { input: { ticketId: ticket.id, kind: 'FOLLOW_UP', dueAt } },
        a1,
      );
      expect(scheduleVisit).toMatchObject({ kind: 'FOLLOW_UP', assigneeId: 'a2', overdue: false });
      const second = await refusal(
        SCHEDULE,
        { input: { ticketId: ticket.id, kind: 'FOLLOW_UP', dueAt } },
        a1,
      );
      expect(second.extensions.code).toBe('CONFLICT');
      expect(
        (await refusal(SCHEDULE, { input: { ticketId: ticket.id, kind: 'FOLLOW_UP', dueAt } }, outsider))
          .extensions.code,
      ).toBe('NOT_FOUND');
      const { openVisits } = await gql(`query { openVisits(assigneeId: "a2") { id } }`, {}, a1);
      expect(openVisits).toEqual([{ id: scheduleVisit.id }]);
      expect(
        (await refusal(`query { openVisits(queueIds: ["complaints"]) { id } }`, {}, outsider)).extensions
          .code,
      ).toBe('FORBIDDEN');
    });
  });

  describe('shift handover', () => {
    const CREATE = `mutation($input: CreateHandoverInput!) { createHandover(input: $input) { ${HANDOVER} } }`;
    const ACK = `mutation($id: ID!) { acknowledgeHandover(id: $id) { id acknowledged acknowledgedBy } }`;
    const UNACKNOWLEDGED = `query($queues: [ID!]!) { unacknowledgedHandovers(queueIds: $queues) { id } }`;

    it('should hand open tickets to a colleague, show them to the supervisor until acknowledged', async () => {
      const first = await createComplaint({ id: 'C-SHIFT1', name: 'Shift one' });
      const second = await createComplaint({ id: 'C-SHIFT2', name: 'Shift two' });
      await assign(first.id, 'a3');
      await assign(second.id, 'a3');
      await reply(second.id, '您好，正在处理。谢谢', a3);

      const { createHandover: handover } = await gql(
        CREATE,
        {
          input: {
            queueId: 'complaints',
            toAgentId: 'a2',
            note: 'Courier calls back at 9',
            nextSteps: [{ ticketId: first.id, nextStep: 'Call the customer' }],
          },
        },
        a3,
      );
      expect(handover).toMatchObject({
        queueId: 'complaints',
        fromAgentId: 'a3',
        toAgentId: 'a2',
        note: 'Courier calls back at 9',
        acknowledged: false,
      });
      const items = new Map(
        handover.items.map((item: { ticket: { id: string } }) => [item.ticket.id, item] as const),
      );
      expect(items.size).toBe(2);
      expect(items.get(first.id)).toMatchObject({
        statusAtHandover: 'ASSIGNED',
        nextStep: 'Call the customer',
      });
      expect(items.get(second.id)).toMatchObject({ statusAtHandover: 'IN_PROGRESS', nextStep: null });
      // SLA due times come through federation from the sla subgraph.
      await eventually(
        async () => {
          const { handovers } = await gql(
            `query { handovers(queueIds: ["complaints"], agentId: "a3") { edges { node { ${HANDOVER} } } } }`,
            {},
            supervisor,
          );
          return handovers.edges[0].node.items.every(
            (item: { ticket: { sla: { nextBreachAt: string | null } | null } }) =>
              item.ticket.sla?.nextBreachAt,
          );
        },
        { timeoutMs: 30_000, what: 'SLA due times on the handed-over tickets' },
      );
      const created = await onBus('deskgraph.handover.created.v1', handover.id);
      expect(created.data).toMatchObject({ handoverId: handover.id, fromAgentId: 'a3', toAgentId: 'a2' });
      expect([...created.data.ticketIds].sort()).toEqual([first.id, second.id].sort());
      expect(await timelineActions(first.id)).toContain('HANDED_OVER');

      const pending = await gql(UNACKNOWLEDGED, { queues: ['complaints'] }, supervisor);
      expect(pending.unacknowledgedHandovers).toContainEqual({ id: handover.id });
      expect(
        (await refusal(UNACKNOWLEDGED, { queues: ['complaints'] }, otherSupervisor)).extensions.code,
      ).toBe('FORBIDDEN');
      expect((await refusal(UNACKNOWLEDGED, { queues: ['complaints'] }, a1)).extensions.code).toBe(
        'FORBIDDEN',
      );

      expect((await refusal(ACK, { id: handover.id }, a1)).extensions.code).toBe('FORBIDDEN');
      expect((await refusal(ACK, { id: handover.id }, outsider)).extensions.code).toBe('NOT_FOUND');
      expect((await gql(ACK, { id: handover.id }, a2)).acknowledgeHandover).toEqual({
        id: handover.id,
        acknowledged: true,
        acknowledgedBy: 'a2',
      });
      expect((await refusal(ACK, { id: handover.id }, a2)).extensions.code).toBe('CONFLICT');
      const acknowledged = await onBus('deskgraph.handover.acknowledged.v1', handover.id);
      expect(acknowledged.data).toMatchObject({ handoverId: handover.id, acknowledgedBy: 'a2' });
      expect(
        (await gql(UNACKNOWLEDGED, { queues: ['complaints'] }, supervisor)).unacknowledgedHandovers,
      ).not.toContainEqual({
        id: handover.id,
      });
    });

    it('should let another agent of the queue acknowledge a queue handover and page through the history', async () => {
      const { createHandover: toQueue } = await gql(
        CREATE,
        { input: { queueId: 'complaints', toQueue: true, note: 'Nothing urgent' } },
        a1,
      );
      expect(toQueue.toAgentId).toBeNull();
      expect((await refusal(ACK, { id: toQueue.id }, a1)).extensions.code).toBe('FORBIDDEN');
      expect((await gql(ACK, { id: toQueue.id }, a3)).acknowledgeHandover.acknowledgedBy).toBe('a3');

      const PAGE = `query($after: String) { handovers(queueIds: ["complaints"], first: 1, after: $after) {
        edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }`;
      const seen: string[] = [];
      let after: string | null = null;
      for (;;) {
        const { handovers }: Json = await gql(PAGE, { after }, supervisor);
        seen.push(...handovers.edges.map((edge: { node: { id: string } }) => edge.node.id));
        if (!handovers.pageInfo.hasNextPage) break;
        after = handovers.pageInfo.endCursor;
      }
      expect(seen[0]).toBe(toQueue.id);
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen.length).toBeGreaterThanOrEqual(2);
    });

    it('should refuse handovers to oneself, by customers and by anonymous callers', async () => {
      const self = await refusal(CREATE, { input: { queueId: 'complaints', toAgentId: 'a1' } }, a1);
      expect(self.extensions.code).toBe('BAD_USER_INPUT');
      expect(self.message).toContain('yourself');
      const both = await refusal(
        CREATE,
        { input: { queueId: 'complaints', toAgentId: 'a2', toQueue: true } },
        a1,
      );
      expect(both.extensions.code).toBe('BAD_USER_INPUT');
      expect(
        (await refusal(CREATE, { input: { queueId: 'complaints', toAgentId: 'nobody' } }, a1)).extensions
          .code,
      ).toBe('NOT_FOUND');
      expect(
        (await refusal(CREATE, { input: { queueId: 'general', toQueue: true } }, a1)).extensions.code,
      ).toBe('FORBIDDEN');
      expect(
        (await refusal(CREATE, { input: { queueId: 'complaints', toQueue: true } }, keyCustomer)).extensions
          .code,
      ).toBe('FORBIDDEN');
      expect(
        (await refusal(CREATE, { input: { queueId: 'complaints', toQueue: true } })).extensions.code,
      ).toBe('UNAUTHENTICATED');
    });
  });

  it('should answer anonymous callers UNAUTHENTICATED when they query or change tickets', async () => {
    const ticket = await createComplaint({ id: 'C-ANON', name: 'Anon' });
    const query = await refusal(`query($id: ID!) { ticket(id: $id) { id } }`, { id: ticket.id });
    expect(query.extensions.code).toBe('UNAUTHENTICATED');
    expect(query.message).toMatch(/^Sign in/);
    const change = await refusal(
      `mutation($id: ID!) { changeTicketStatus(input: { ticketId: $id, status: IN_PROGRESS }) { id } }`,
      { id: ticket.id },
    );
    expect(change.extensions.code).toBe('UNAUTHENTICATED');
  });
});
