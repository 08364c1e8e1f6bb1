import { randomUUID } from 'node:crypto';
import { buildEvent, namespaced, SlaClockBreachedV1, TOPICS } from '@deskgraph/events';
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
import { ticketMonthKey } from '../../src/ticket/ticket-number';

// What an agent desk and a customer portal need beyond the complaint
// lifecycle: every channel, configurable classification, routing and
// assignment, the whole status machine, escalation, compensation decisions,
// merging, masking everywhere, archiving, queries, and each role refused
// outside its boundary — through the gateway on real PostgreSQL and Kafka.

const FIELDS = `id number title description channel type category priority status queueId assigneeId version
  helperQueueIds escalationTier allowedNextStatuses occurredAt expectedOutcome expectedBy customerMood tags
  attachments { name contentType sizeBytes url } archivedAt mergedInto { id } possibleDuplicateOf { id }
  suggestion { type category priority } customer { id name type contact preferredChannel }`;
const CREATE = `mutation($input: CreateTicketInput!) { createTicket(input: $input) { ${FIELDS} } }`;
const CHANGE_STATUS = `mutation($id: ID!, $status: TicketStatus!, $reason: String) {
  changeTicketStatus(input: { ticketId: $id, status: $status, reason: $reason }) { status allowedNextStatuses reopenCount } }`;
const ASSIGN = `mutation($input: AssignTicketInput!) { assignTicket(input: $input) { status assigneeId } }`;
const REPLY = `mutation($id: ID!, $body: String!, $visibility: MessageVisibility) {
  replyToTicket(input: { ticketId: $id, body: $body, visibility: $visibility }) { ticket { status } message { id channel visibility } } }`;
const READ = `query($id: ID!) { ticket(id: $id) { ${FIELDS} timeline { action actorId actorRole before after result note } } }`;
const CARD = '4111111111111111';
const MAINLAND_ID = '11010519491231002X';

interface OutboxEvent {
  type: string;
  data: Record<string, unknown>;
}

describe('tickets: desk operations through the gateway', () => {
  let stack: TestStack;
  let database: PgClient;
  let admin: string;
  let b1: string;
  let b3: string;
  let c1: string;
  let g1: string;
  let supB: string;
  let supC: string;
  let customer: string;
  let otherCustomer: string;
  const gql = (query: string, variables: Record<string, unknown>, token: string) =>
    graphqlOk(stack.gatewayUrl, query, variables, token);
  const refused = (query: string, variables: Record<string, unknown>, token?: string) =>
    graphqlErrorCode(stack.gatewayUrl, query, variables, token);
  const create = async (input: Record<string, unknown>, token: string) =>
    (await gql(CREATE, { input: { channel: 'APP', customer: { name: 'Test' }, ...input } }, token))
      .createTicket;
  const read = async (id: string, token: string) => (await gql(READ, { id }, token)).ticket;
  const outboxEvents = async (ticketId: string): Promise<OutboxEvent[]> =>
    (
      await database.query(`SELECT payload FROM tickets.outbox WHERE message_key = $1 ORDER BY sequence`, [
        ticketId,
      ])
    ).rows.map((row: { payload: OutboxEvent }) => row.payload);
  const eventTypes = async (ticketId: string) =>
    (await outboxEvents(ticketId)).map((event) => event.type.replace('deskgraph.ticket.', ''));

  beforeAll(async () => {
    stack = await startTestStack({ env: { ARCHIVE_AFTER_SECONDS: '3', LIFECYCLE_SWEEP_SECONDS: '1' } });
    database = new PgClient({ connectionString: stack.databaseUrl });
    await database.connect();
    admin = await testToken({ roles: ['admin'], userId: 'admin-1' });
    b1 = await testToken({ roles: ['agent'], userId: 'b1', queueIds: ['billing'] });
    b3 = await testToken({ roles: ['agent'], userId: 'b3', queueIds: ['billing'] });
    c1 = await testToken({ roles: ['agent'], userId: 'c1', queueIds: ['complaints'] });
    g1 = await testToken({ roles: ['agent'], userId: 'g1', queueIds: ['general'] });
    supB = await testToken({ roles: ['supervisor'], userId: 'sup-b', queueIds: ['billing'] });
    supC = await testToken({ roles: ['supervisor'], userId: 'sup-c', queueIds: ['complaints'] });
    customer = await testToken({ roles: ['customer'], userId: 'u-1', customerId: 'C-1' });
    otherCustomer = await testToken({ roles: ['customer'], userId: 'u-2', customerId: 'C-2' });

    for (const [id, name, manager] of [
      ['billing', 'Billing', 'mgr-b'],
      ['complaints', 'Complaints', 'mgr-c'],
    ]) {
      await gql(
        `mutation($id: ID!, $name: String!, $manager: ID) { upsertQueue(input: { id: $id, name: $name, dutyManagerId: $manager }) { id } }`,
        { id, name, manager },
        admin,
      );
    }
    for (const [id, queueIds, available] of [
      ['b1', ['billing'], true],
      ['b2', ['billing'], false],
      ['b3', ['billing'], true],
      ['c1', ['complaints'], true],
      ['g1', ['general'], true],
    ] as const) {
      await gql(
        `mutation($id: ID!, $name: String!, $queueIds: [ID!]!, $available: Boolean) { upsertAgent(input: { id: $id, displayName: $name, queueIds: $queueIds, available: $available }) { id } }`,
        { id, name: `Agent ${id}`, queueIds, available },
        admin,
      );
    }
    await gql(
      `mutation { setRoutingRules(rules: [
        { id: "complaints", type: COMPLAINT, queueId: "complaints" },
        { id: "transactions", category: "transaction", queueId: "billing" }
      ]) { id } }`,
      {},
      admin,
    );
  }, 180_000);

  afterAll(async () => {
    await database?.end();
    await stack?.stop();
  }, 60_000);

  it('should record every channel and customer type with all details when staff or customers create tickets', async () => {
    const channels = ['PHONE', 'CHAT', 'EMAIL', 'APP', 'SOCIAL_MEDIA', 'WALK_IN', 'THIRD_PARTY'];
    const customerTypes = ['INDIVIDUAL', 'ENTERPRISE', 'PARTNER', 'INTERNAL'];
    const monthKey = ticketMonthKey(new Date(), 'Asia/Shanghai');
    for (const [index, channel] of channels.entries()) {
      const input = {
        title: `Order ${index} arrived late`,
        description: 'The parcel came two days late.',
        channel,
        queueId: 'general',
        customer: {
          id: `CN-${index}`,
          name: `Customer ${index}`,
          type: customerTypes[index % customerTypes.length],
          contact: `customer${index}@example.com`,
        },
        occurredAt: '2026-11-01T08:00:00.000Z',
        expectedOutcome: 'Refund the shipping fee',
        expectedBy: '2026-12-01T00:00:00.000Z',
        customerMood: 'ANXIOUS',
        attachments: [
          {
            name: 'photo.jpg',
            contentType: 'image/jpeg',
            sizeBytes: 2048,
            url: 'https://files.example.com/p.jpg',
          },
        ],
        tags: ['late', `batch${index}`],
      };
      const ticket = await create(input, admin);
      expect(ticket).toMatchObject({
        channel,
        queueId: 'general',
        customer: { ...input.customer, preferredChannel: null },
        occurredAt: input.occurredAt,
        expectedOutcome: input.expectedOutcome,
        expectedBy: input.expectedBy,
        customerMood: 'ANXIOUS',
        attachments: input.attachments,
        tags: input.tags,
        status: 'NEW',
      });
      expect(ticket.number).toMatch(new RegExp(`^${monthKey}-\\d{3,}$`));
    }

    // A customer always acts as themselves; replies go out through their preferred channel.
    const own = await create(
      {
        title: 'Where is my parcel',
        description: 'Tracking has not moved.',
        channel: 'PHONE',
        customer: { id: 'C-999', name: 'Li Lei', preferredChannel: 'EMAIL' },
      },
      customer,
    );
    expect(own.customer).toMatchObject({ id: 'C-1', name: 'Li Lei', preferredChannel: 'EMAIL' });
    const { replyToTicket } = await gql(REPLY, { id: own.id, body: 'It ships today.' }, g1);
    expect(replyToTicket.message).toMatchObject({ channel: 'EMAIL', visibility: 'PUBLIC' });
    const replied = (await outboxEvents(own.id)).find(
      (event) => event.type === 'deskgraph.ticket.replied.v1',
    );
    expect(replied?.data).toMatchObject({ channel: 'EMAIL', firstResponse: true });
  });

  it('should classify with rules admins edit through the graph and keep an agent override on the timeline', async () => {
    const LIST = `{ classificationRules { id keywords type category priority weight } }`;
    expect((await refused(LIST, {}, customer)).code).toBe('FORBIDDEN');
    const { classificationRules: original } = await gql(LIST, {}, b1);
    expect(original.flatMap((rule: { keywords: string[] }) => rule.keywords)).toEqual(
      expect.arrayContaining(['投诉', '赔偿', 'complaint', 'refund', '宕机', 'outage', 'data leak']),
    );
    const SET = `mutation($rules: [ClassificationRuleInput!]!) { setClassificationRules(rules: $rules) { id keywords type category priority weight } }`;
    const newRules = [
      ...original,
      {
        id: 'invoice-title',
        keywords: ['发票抬头', 'invoice title'],
        type: 'SERVICE_REQUEST',
        category: 'transaction',
        weight: 5,
      },
      { id: 'meltdown', keywords: ['meltdown'], priority: 'P0', category: 'transaction', weight: 1 },
    ];
    expect((await refused(SET, { rules: newRules }, b1)).code).toBe('FORBIDDEN');
    expect((await refused(SET, { rules: newRules }, supB)).code).toBe('FORBIDDEN');
    const nothing = await refused(SET, { rules: [{ id: 'empty', keywords: ['x'] }] }, admin);
    expect(nothing.code).toBe('BAD_USER_INPUT');
    expect(nothing.message).toContain('suggests nothing');
    const blank = await refused(SET, { rules: [{ id: 'blank', keywords: ['  '], type: 'OTHER' }] }, admin);
    expect(blank.code).toBe('BAD_USER_INPUT');
    const duplicateIds = await refused(
      SET,
      {
        rules: [
          { id: 'a', keywords: ['x'], type: 'OTHER' },
          { id: 'a', keywords: ['y'], type: 'OTHER' },
        ],
      },
      admin,
    );
    expect(duplicateIds.code).toBe('BAD_USER_INPUT');
    expect((await gql(LIST, {}, admin)).classificationRules).toHaveLength(original.length);

    const { setClassificationRules } = await gql(SET, { rules: newRules }, admin);
    expect(setClassificationRules).toHaveLength(original.length + 2);
    try {
      const invoice = await create({ title: '发票抬头写错了', description: '请帮我改一下' }, customer);
      expect(invoice).toMatchObject({
        type: 'SERVICE_REQUEST',
        category: 'transaction',
        queueId: 'billing',
        suggestion: null,
      });
      // What the rules proposed is the desk's working note: staff see it, the customer does not.
      expect((await read(invoice.id, b1)).suggestion).toMatchObject({
        type: 'SERVICE_REQUEST',
        category: 'transaction',
      });
      const meltdown = await create(
        { title: 'Total meltdown of my account', description: 'Nothing loads.' },
        customer,
      );
      expect(meltdown).toMatchObject({ priority: 'P0', queueId: 'billing' });
      const notice = (await outboxEvents(meltdown.id)).find(
        (event) => event.type === 'deskgraph.ticket.duty_manager_notified.v1',
      );
      expect(notice?.data).toMatchObject({ dutyManagerId: 'mgr-b', priority: 'P0', queueId: 'billing' });

      // The agent overrides; the suggestion stays and the timeline keeps before and after.
      await gql(
        `mutation($id: ID!) { reclassifyTicket(input: { ticketId: $id, type: CONSULTATION, priority: P2, reason: "only a question" }) { type } }`,
        { id: invoice.id },
        b1,
      );
      const after = await read(invoice.id, b1);
      expect(after).toMatchObject({
        type: 'CONSULTATION',
        priority: 'P2',
        suggestion: { type: 'SERVICE_REQUEST' },
      });
      expect(after.timeline.at(-1)).toMatchObject({
        action: 'RECLASSIFIED',
        actorId: 'b1',
        actorRole: 'agent',
        before: { type: 'SERVICE_REQUEST', category: 'transaction', priority: 'P3' },
        after: { type: 'CONSULTATION', category: 'transaction', priority: 'P2' },
        note: 'only a question',
      });
      const classified = (await outboxEvents(invoice.id)).find(
        (event) => event.type === 'deskgraph.ticket.classified.v1',
      );
      expect(classified?.data).toMatchObject({ type: 'CONSULTATION', previous: { type: 'SERVICE_REQUEST' } });
    } finally {
      await gql(SET, { rules: original }, admin);
    }
    const plain = await create({ title: 'Total meltdown again', description: 'still' }, customer);
    expect(plain.priority).toBe('P3');
  });

  it('should route, auto-assign to the least-loaded available agent, claim, reassign and transfer', async () => {
    const ticket = () =>
      create(
        {
          title: 'Change my billing address',
          description: 'New address',
          queueId: 'billing',
          type: 'SERVICE_REQUEST',
        },
        b1,
      );
    const [t1, t2, t3] = [await ticket(), await ticket(), await ticket()];

    expect((await gql(ASSIGN, { input: { ticketId: t1.id, agentId: 'b1' } }, admin)).assignTicket).toEqual({
      status: 'ASSIGNED',
      assigneeId: 'b1',
    });
    // b1 has one open ticket, b2 is unavailable: b3 is the least loaded available agent.
    expect(
      (await gql(ASSIGN, { input: { ticketId: t2.id, automatic: true } }, b1)).assignTicket.assigneeId,
    ).toBe('b3');
    expect((await gql(ASSIGN, { input: { ticketId: t3.id } }, b1)).assignTicket.assigneeId).toBe('b1');
    expect((await refused(ASSIGN, { input: { ticketId: t3.id } }, b1)).code).toBe('BAD_USER_INPUT');
    expect(
      (await gql(ASSIGN, { input: { ticketId: t3.id, agentId: 'b3' } }, supB)).assignTicket.assigneeId,
    ).toBe('b3');
    const notMember = await refused(ASSIGN, { input: { ticketId: t3.id, agentId: 'c1' } }, supB);
    expect(notMember).toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(notMember.message).toContain('not a member of queue billing');
    expect((await refused(ASSIGN, { input: { ticketId: t3.id, agentId: 'nobody' } }, supB)).code).toBe(
      'NOT_FOUND',
    );

    const assignments = (await outboxEvents(t2.id)).filter(
      (event) => event.type === 'deskgraph.ticket.assigned.v1',
    );
    expect(assignments.map((event) => event.data.mode)).toEqual(['AUTOMATIC']);
    const t3Timeline = (await read(t3.id, b1)).timeline;
    expect(
      t3Timeline.slice(1).map((entry: { action: string; result: string }) => [entry.action, entry.result]),
    ).toEqual([
      ['CLAIMED', 'CLAIMED'],
      ['ASSIGNED', 'MANUAL'],
    ]);
    expect(t3Timeline[2]).toMatchObject({
      before: { assigneeId: 'b1' },
      after: { assigneeId: 'b3' },
      actorId: 'sup-b',
    });

    const { myOpenTickets } = await gql(`{ myOpenTickets { edges { node { id } } } }`, {}, b3);
    expect(myOpenTickets.edges.map((edge: { node: { id: string } }) => edge.node.id).sort()).toEqual(
      [t2.id, t3.id].sort(),
    );

    // A pending ticket changes hands without leaving its status; a request must be unambiguous.
    await gql(CHANGE_STATUS, { id: t2.id, status: 'IN_PROGRESS' }, b3);
    await gql(CHANGE_STATUS, { id: t2.id, status: 'PENDING_CUSTOMER' }, b3);
    expect((await gql(ASSIGN, { input: { ticketId: t2.id, agentId: 'b1' } }, supB)).assignTicket).toEqual({
      status: 'PENDING_CUSTOMER',
      assigneeId: 'b1',
    });
    const both = await refused(ASSIGN, { input: { ticketId: t2.id, agentId: 'b3', automatic: true } }, supB);
    expect(both).toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(both.message).toContain('not both');

    // An urgent ticket arriving in a queue notifies that queue's duty manager.
    const urgent = await create(
      { title: 'Payments down', description: 'x', queueId: 'general', priority: 'P1' },
      admin,
    );
    await gql(
      `mutation($id: ID!) { transferTicket(input: { ticketId: $id, queueId: "billing", reason: "billing incident" }) { id } }`,
      { id: urgent.id },
      admin,
    );
    const notices = (await outboxEvents(urgent.id)).filter(
      (event) => event.type === 'deskgraph.ticket.duty_manager_notified.v1',
    );
    expect(notices.map((event) => [event.data.queueId, event.data.dutyManagerId])).toEqual([
      ['general', null],
      ['billing', 'mgr-b'],
    ]);

    // Transfer: the new queue assigns its own agent; the old queue no longer sees it.
    const { transferTicket } = await gql(
      `mutation($id: ID!) { transferTicket(input: { ticketId: $id, queueId: "complaints", reason: "customer is complaining" }) { queueId assigneeId status } }`,
      { id: t3.id },
      b3,
    );
    expect(transferTicket).toEqual({ queueId: 'complaints', assigneeId: null, status: 'NEW' });
    expect(await read(t3.id, b3)).toBeNull();
    const { unassignedTickets } = await gql(
      `{ unassignedTickets(queueId: "complaints") { edges { node { id } } } }`,
      {},
      c1,
    );
    expect(unassignedTickets.edges.map((edge: { node: { id: string } }) => edge.node.id)).toContain(t3.id);
    expect((await read(t3.id, c1)).timeline.at(-1)).toMatchObject({
      action: 'TRANSFERRED',
      before: { queueId: 'billing', assigneeId: 'b3' },
      after: { queueId: 'complaints', assigneeId: null },
      note: 'customer is complaining',
    });
    expect(await eventTypes(t3.id)).toEqual([
      'created.v1',
      'assigned.v1',
      'status_changed.v1',
      'assigned.v1',
      'transferred.v1',
      'status_changed.v1',
    ]);
  });

  it('should walk the status machine, name the allowed next states on refusal and archive closed tickets automatically', async () => {
    const ticket = await create(
      { title: 'Question about warranty', description: 'How long is it?' },
      otherCustomer,
    );
    expect(ticket).toMatchObject({
      status: 'NEW',
      allowedNextStatuses: ['ASSIGNED', 'IN_PROGRESS', 'CLOSED'],
    });
    const id = ticket.id;
    const move = async (status: string) => (await gql(CHANGE_STATUS, { id, status }, g1)).changeTicketStatus;

    await gql(ASSIGN, { input: { ticketId: id } }, g1);
    expect(await move('IN_PROGRESS')).toMatchObject({
      status: 'IN_PROGRESS',
      allowedNextStatuses: ['PENDING_CUSTOMER', 'PENDING_THIRD_PARTY', 'RESOLVED', 'ASSIGNED'],
    });
    expect(await move('PENDING_THIRD_PARTY')).toMatchObject({
      allowedNextStatuses: ['IN_PROGRESS', 'RESOLVED'],
    });
    const refusal = await refused(CHANGE_STATUS, { id, status: 'CLOSED' }, g1);
    expect(refusal.code).toBe('BAD_USER_INPUT');
    expect(refusal.message).toContain('allowed next: IN_PROGRESS, RESOLVED');
    expect(await move('IN_PROGRESS')).toMatchObject({ status: 'IN_PROGRESS' });
    expect(await move('PENDING_CUSTOMER')).toMatchObject({ status: 'PENDING_CUSTOMER' });
    // The customer's answer resumes the work.
    expect(
      (await gql(REPLY, { id, body: 'Here is my receipt.' }, otherCustomer)).replyToTicket.ticket.status,
    ).toBe('IN_PROGRESS');
    expect(await move('RESOLVED')).toMatchObject({ allowedNextStatuses: ['CLOSED', 'IN_PROGRESS'] });
    expect(await move('IN_PROGRESS')).toMatchObject({ status: 'IN_PROGRESS', reopenCount: 1 });
    await move('RESOLVED');
    // The portal's "my open tickets" keeps a resolved ticket until the customer confirms or it closes.
    const MINE = `{ myOpenTickets(first: 100) { edges { node { id } } } }`;
    const mineOpen = async () =>
      (await gql(MINE, {}, otherCustomer)).myOpenTickets.edges.map(
        (edge: { node: { id: string } }) => edge.node.id,
      );
    expect(await mineOpen()).toContain(id);
    expect(await move('CLOSED')).toMatchObject({ allowedNextStatuses: ['ARCHIVED', 'IN_PROGRESS'] });
    expect(await mineOpen()).not.toContain(id);

    const archived = await eventually(
      async () => {
        const current = await read(id, g1);
        return current.status === 'ARCHIVED' ? current : undefined;
      },
      { timeoutMs: 30_000, what: 'the closed ticket to be archived' },
    );
    expect(archived.archivedAt).not.toBeNull();
    expect(archived.allowedNextStatuses).toEqual([]);
    expect(archived.timeline.at(-1)).toMatchObject({
      action: 'ARCHIVED',
      actorId: 'system',
      before: { status: 'CLOSED' },
      after: { status: 'ARCHIVED' },
    });
    // Archived tickets stay queryable by id, number and filter, and are read-only.
    expect(
      (
        await gql(
          `query($n: String!) { ticketByNumber(number: $n) { id status } }`,
          { n: ticket.number },
          otherCustomer,
        )
      ).ticketByNumber,
    ).toEqual({ id, status: 'ARCHIVED' });
    const { tickets } = await gql(
      `query($n: String!) { tickets(filter: { statuses: [ARCHIVED], text: $n }) { edges { node { id } } } }`,
      { n: ticket.number },
      admin,
    );
    expect(tickets.edges).toEqual([{ node: { id } }]);
    const final = await refused(CHANGE_STATUS, { id, status: 'IN_PROGRESS' }, admin);
    expect(final.message).toContain('allowed next: none');
    expect((await refused(REPLY, { id, body: 'hello?' }, otherCustomer)).code).toBe('BAD_USER_INPUT');
    expect((await eventTypes(id)).filter((type) => type === 'status_changed.v1')).toHaveLength(11);
  });

  it('should keep status and assignee consistent when a ticket is moved back to NEW or to ASSIGNED by status', async () => {
    const ticket = await create({ title: 'Hand back test', description: 'x', queueId: 'general' }, g1);
    const noAssignee = await refused(CHANGE_STATUS, { id: ticket.id, status: 'ASSIGNED' }, g1);
    expect(noAssignee).toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(noAssignee.message).toContain('use assignTicket');
    await gql(ASSIGN, { input: { ticketId: ticket.id } }, g1);
    expect(
      (await gql(CHANGE_STATUS, { id: ticket.id, status: 'NEW', reason: 'off shift' }, g1)).changeTicketStatus
        .status,
    ).toBe('NEW');
    const current = await read(ticket.id, g1);
    expect(current.assigneeId).toBeNull();
    expect(current.timeline.at(-1)).toMatchObject({
      action: 'STATUS_CHANGED',
      before: { status: 'ASSIGNED', assigneeId: 'g1' },
      after: { status: 'NEW', assigneeId: null },
      result: 'back in the queue',
    });
    const { unassignedTickets } = await gql(
      `{ unassignedTickets(queueId: "general", first: 100) { edges { node { id } } } }`,
      {},
      g1,
    );
    expect(unassignedTickets.edges.map((edge: { node: { id: string } }) => edge.node.id)).toContain(
      ticket.id,
    );
    const assignments = (await outboxEvents(ticket.id)).filter(
      (event) => event.type === 'deskgraph.ticket.assigned.v1',
    );
    expect(assignments.map((event) => [event.data.assigneeId, event.data.previousAssigneeId])).toEqual([
      ['g1', null],
      [null, 'g1'],
    ]);
  });

  it('should escalate horizontally to a lead queue with helpers and vertically by tier, with reasons', async () => {
    const ticket = await create(
      { title: 'Charged twice', description: 'Two charges', queueId: 'general' },
      g1,
    );
    const ESCALATE = `mutation($input: EscalateTicketInput!) { escalateTicket(input: $input) { queueId helperQueueIds escalationTier assigneeId } }`;
    expect(
      (await refused(ESCALATE, { input: { ticketId: ticket.id, direction: 'VERTICAL', reason: 'hard' } }, g1))
        .message,
    ).toContain('needs a tier');
    const unknownQueue = await refused(
      ESCALATE,
      { input: { ticketId: ticket.id, direction: 'HORIZONTAL', helperQueueIds: ['nowhere'], reason: 'x' } },
      g1,
    );
    expect(unknownQueue.code).toBe('NOT_FOUND');
    const { escalateTicket } = await gql(
      ESCALATE,
      {
        input: {
          ticketId: ticket.id,
          direction: 'HORIZONTAL',
          leadQueueId: 'billing',
          helperQueueIds: ['complaints'],
          reason: 'billing owns refunds, complaints helps',
        },
      },
      g1,
    );
    expect(escalateTicket).toEqual({
      queueId: 'billing',
      helperQueueIds: ['complaints'],
      escalationTier: null,
      assigneeId: null,
    });
    // The helper queue works on it; the old queue no longer sees it.
    expect(
      (await gql(REPLY, { id: ticket.id, body: 'checking the payment', visibility: 'INTERNAL' }, c1))
        .replyToTicket.message.visibility,
    ).toBe('INTERNAL');
    expect(await read(ticket.id, g1)).toBeNull();

    expect(
      (
        await gql(
          ESCALATE,
          {
            input: { ticketId: ticket.id, direction: 'VERTICAL', tier: 'EXPERT', reason: 'needs an expert' },
          },
          b1,
        )
      ).escalateTicket.escalationTier,
    ).toBe('EXPERT');
    const lower = await refused(
      ESCALATE,
      { input: { ticketId: ticket.id, direction: 'VERTICAL', tier: 'SUPERVISOR', reason: 'x' } },
      b1,
    );
    expect(lower).toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(lower.message).toContain('already escalated to EXPERT');

    const timeline = (await read(ticket.id, b1)).timeline;
    expect(timeline.filter((entry: { action: string }) => entry.action.startsWith('ESCALATED'))).toEqual([
      expect.objectContaining({
        action: 'ESCALATED_HORIZONTAL',
        before: { tier: null, queueId: 'general', helperQueueIds: [] },
        after: { tier: null, queueId: 'billing', helperQueueIds: ['complaints'] },
        note: 'billing owns refunds, complaints helps',
      }),
      expect.objectContaining({
        action: 'ESCALATED_VERTICAL',
        after: expect.objectContaining({ tier: 'EXPERT' }),
        note: 'needs an expert',
      }),
    ]);
    const escalations = (await outboxEvents(ticket.id)).filter(
      (event) => event.type === 'deskgraph.ticket.escalated.v1',
    );
    expect(escalations.map((event) => event.data)).toEqual([
      expect.objectContaining({
        direction: 'HORIZONTAL',
        leadQueueId: 'billing',
        helperQueueIds: ['complaints'],
        automatic: false,
      }),
      expect.objectContaining({
        direction: 'VERTICAL',
        tier: 'EXPERT',
        reason: 'needs an expert',
        automatic: false,
      }),
    ]);
  });

  it('should let only a supervisor of the queue decide a compensation once, and carry out only approved ones', async () => {
    const complaint = await create({ title: '投诉：商品质量差', description: '要求赔偿' }, customer);
    expect(complaint).toMatchObject({ type: 'COMPLAINT', queueId: 'complaints' });
    const PROPOSE = `mutation($input: ProposeCompensationInput!) { proposeCompensation(input: $input) { id status kind amount currency } }`;
    const DECIDE = `mutation($p: ID!, $approve: Boolean!, $note: String) { decideCompensation(input: { proposalId: $p, approve: $approve, note: $note }) { status decidedBy decisionNote } }`;
    const CARRY_OUT = `mutation($p: ID!) { carryOutCompensation(proposalId: $p, note: "sent") { status carriedOutAt } }`;

    expect(
      (await refused(PROPOSE, { input: { ticketId: complaint.id, kind: 'REFUND', reason: 'x' } }, c1))
        .message,
    ).toContain('a REFUND needs an amount');
    expect(
      (
        await refused(
          PROPOSE,
          { input: { ticketId: complaint.id, kind: 'COUPON', amount: 20, currency: 'CNY', reason: 'x' } },
          customer,
        )
      ).code,
    ).toBe('FORBIDDEN');
    const first = (
      await gql(
        PROPOSE,
        { input: { ticketId: complaint.id, kind: 'COUPON', amount: 20, currency: 'CNY', reason: 'sorry' } },
        c1,
      )
    ).proposeCompensation;
    expect(first).toMatchObject({ status: 'PROPOSED', kind: 'COUPON', amount: 20, currency: 'CNY' });
    // The approval inbox: supervisors of the queue (and admins) see it waiting, others do not.
    const INBOX = `{ compensationsAwaitingDecision { id ticketId ticket { number } } }`;
    const inbox = async (token: string) =>
      (await gql(INBOX, {}, token)).compensationsAwaitingDecision.map(
        (proposal: { id: string }) => proposal.id,
      );
    expect(await inbox(supC)).toContain(first.id);
    expect(await inbox(admin)).toContain(first.id);
    expect(await inbox(supB)).not.toContain(first.id);
    expect((await refused(INBOX, {}, c1)).code).toBe('FORBIDDEN');
    expect((await gql(INBOX, {}, supC)).compensationsAwaitingDecision).toContainEqual({
      id: first.id,
      ticketId: complaint.id,
      ticket: { number: complaint.number },
    });
    expect((await refused(DECIDE, { p: first.id, approve: true }, c1)).code).toBe('FORBIDDEN');
    expect((await refused(DECIDE, { p: first.id, approve: true }, supB)).code).toBe('NOT_FOUND');
    expect(
      (await gql(DECIDE, { p: first.id, approve: false, note: 'too generous' }, supC)).decideCompensation,
    ).toEqual({
      status: 'REJECTED',
      decidedBy: 'sup-c',
      decisionNote: 'too generous',
    });
    expect((await refused(DECIDE, { p: first.id, approve: true }, supC)).code).toBe('CONFLICT');
    expect((await refused(CARRY_OUT, { p: first.id }, c1)).code).toBe('BAD_USER_INPUT');

    const second = (
      await gql(PROPOSE, { input: { ticketId: complaint.id, kind: 'REPLACEMENT', reason: 'new item' } }, c1)
    ).proposeCompensation;
    expect((await gql(DECIDE, { p: second.id, approve: true }, admin)).decideCompensation.status).toBe(
      'APPROVED',
    );
    expect((await refused(DECIDE, { p: second.id, approve: false }, supC)).code).toBe('CONFLICT');
    expect((await gql(CARRY_OUT, { p: second.id }, c1)).carryOutCompensation.carriedOutAt).not.toBeNull();
    expect((await refused(CARRY_OUT, { p: second.id }, c1)).code).toBe('BAD_USER_INPUT');
    expect(
      (await refused(DECIDE, { p: '00000000-0000-4000-8000-000000000000', approve: true }, supC)).code,
    ).toBe('NOT_FOUND');

    const nonComplaint = await create(
      { title: 'Change my plan', description: 'upgrade', queueId: 'complaints', type: 'SERVICE_REQUEST' },
      c1,
    );
    expect(
      (
        await refused(
          PROPOSE,
          { input: { ticketId: nonComplaint.id, kind: 'SERVICE_UPGRADE', reason: 'x' } },
          c1,
        )
      ).message,
    ).toContain('complaints only');
    expect(await inbox(supC)).not.toContain(first.id);

    // The customer sees what they get, not the rejected proposal or the supervisor's notes.
    const { ticket: portal } = await gql(
      `query($id: ID!) { ticket(id: $id) { compensations { kind status decisionNote } } }`,
      { id: complaint.id },
      customer,
    );
    expect(portal.compensations).toEqual([
      { kind: 'REPLACEMENT', status: 'CARRIED_OUT', decisionNote: null },
    ]);
    const { ticket: desk } = await gql(
      `query($id: ID!) { ticket(id: $id) { compensations { status decisionNote } } }`,
      { id: complaint.id },
      supC,
    );
    expect(desk.compensations).toEqual([
      { status: 'REJECTED', decisionNote: 'too generous' },
      { status: 'CARRIED_OUT', decisionNote: null },
    ]);
    const statuses = (await outboxEvents(complaint.id))
      .filter((event) => event.type === 'deskgraph.ticket.compensation_changed.v1')
      .map((event) => event.data.status);
    expect(statuses).toEqual(['PROPOSED', 'REJECTED', 'PROPOSED', 'APPROVED', 'CARRIED_OUT']);
  });

  it('should apply exactly one decision when two supervisors decide the same proposal at the same moment', async () => {
    const complaint = await create({ title: '投诉：客服态度差', description: '要求道歉' }, customer);
    const { proposeCompensation: proposal } = await gql(
      `mutation($id: ID!) { proposeCompensation(input: { ticketId: $id, kind: COUPON, amount: 5, currency: "CNY", reason: "apology" }) { id } }`,
      { id: complaint.id },
      c1,
    );
    const decide = (approve: boolean, token: string) =>
      graphqlRequest(
        stack.gatewayUrl,
        `mutation($p: ID!, $approve: Boolean!) { decideCompensation(input: { proposalId: $p, approve: $approve }) { status } }`,
        { p: proposal.id, approve },
        token,
      );
    const results = await Promise.all([decide(true, supC), decide(false, admin)]);
    const winners = results.filter((result) => !result.errors);
    const losers = results.filter((result) => result.errors);
    expect(winners).toHaveLength(1);
    expect(losers.map((result) => result.errors![0].extensions?.code)).toEqual(['CONFLICT']);
    const decided = (winners[0].data as { decideCompensation: { status: string } }).decideCompensation.status;
    const { ticket } = await gql(
      `query($id: ID!) { ticket(id: $id) { compensations { status } timeline { action } } }`,
      { id: complaint.id },
      supC,
    );
    expect(ticket.compensations).toEqual([{ status: decided }]);
    expect(
      ticket.timeline.filter((entry: { action: string }) => entry.action === `COMPENSATION_${decided}`),
    ).toHaveLength(1);
    const decisions = (await outboxEvents(complaint.id)).filter(
      (event) =>
        event.type === 'deskgraph.ticket.compensation_changed.v1' && event.data.status !== 'PROPOSED',
    );
    expect(decisions.map((event) => event.data.status)).toEqual([decided]);
  });

  it('should flag a likely duplicate at creation, merge it into its primary keeping history, and link related tickets', async () => {
    const primary = await create(
      { title: 'App login fails with error', description: 'Cannot sign in.' },
      customer,
    );
    const duplicate = await create(
      { title: 'App login fails with an error', description: 'Still cannot sign in.' },
      customer,
    );
    expect(duplicate.possibleDuplicateOf).toEqual({ id: primary.id });
    const other = await create(
      { title: 'Completely different matter', description: 'Delivery address' },
      customer,
    );
    expect(other.possibleDuplicateOf).toBeNull();
    const queueAgent = primary.queueId === 'billing' ? b1 : primary.queueId === 'complaints' ? c1 : g1;

    const MERGE = `mutation($d: ID!, $p: ID!) { mergeTickets(duplicateId: $d, primaryId: $p) { status mergedInto { id } } }`;
    expect((await refused(MERGE, { d: duplicate.id, p: primary.id }, customer)).code).toBe('FORBIDDEN');
    expect((await gql(MERGE, { d: duplicate.id, p: primary.id }, queueAgent)).mergeTickets).toEqual({
      status: 'CLOSED',
      mergedInto: { id: primary.id },
    });
    expect((await refused(MERGE, { d: duplicate.id, p: primary.id }, queueAgent)).code).toBe(
      'BAD_USER_INPUT',
    );
    expect((await refused(MERGE, { d: primary.id, p: primary.id }, queueAgent)).code).toBe('BAD_USER_INPUT');

    // History stays on both; lists hide the duplicate unless asked.
    expect(
      (await read(duplicate.id, queueAgent)).timeline.map((entry: { action: string }) => entry.action),
    ).toEqual(['CREATED', 'MERGED']);
    expect((await read(primary.id, queueAgent)).timeline.at(-1)).toMatchObject({
      action: 'DUPLICATE_MERGED_IN',
      actorId: queueAgent === g1 ? 'g1' : queueAgent === b1 ? 'b1' : 'c1',
      after: { duplicate: duplicate.number },
    });
    const LIST = `query($include: Boolean) { tickets(first: 100, filter: { customerIds: ["C-1"], includeMerged: $include }) { edges { node { id } } } }`;
    const ids = async (include: boolean) =>
      (await gql(LIST, { include }, admin)).tickets.edges.map(
        (edge: { node: { id: string } }) => edge.node.id,
      );
    expect(await ids(false)).not.toContain(duplicate.id);
    expect(await ids(true)).toContain(duplicate.id);

    // The events let analytics drop the duplicate from every figure.
    const events = await outboxEvents(duplicate.id);
    expect(events.map((event) => event.type.replace('deskgraph.ticket.', ''))).toEqual([
      'created.v1',
      'merged.v1',
      'status_changed.v1',
    ]);
    expect(events[1].data).toMatchObject({
      ticketId: duplicate.id,
      primaryTicketId: primary.id,
      excludeFromMetrics: true,
      number: duplicate.number,
      primaryNumber: primary.number,
    });
    expect(events[2].data).toMatchObject({ to: 'CLOSED', mergedIntoTicketId: primary.id });

    const LINK = `mutation($a: ID!, $b: ID!) { linkTickets(ticketId: $a, relatedTicketId: $b) { relatedTickets { id } } }`;
    expect((await gql(LINK, { a: primary.id, b: other.id }, admin)).linkTickets.relatedTickets).toEqual([
      { id: other.id },
    ]);
    expect(
      (await gql(`query($id: ID!) { ticket(id: $id) { relatedTickets { id } } }`, { id: other.id }, customer))
        .ticket.relatedTickets,
    ).toEqual([{ id: primary.id }]);
    expect((await refused(LINK, { a: primary.id, b: 'not-a-ticket' }, admin)).code).toBe('BAD_USER_INPUT');
    const again = await refused(LINK, { a: other.id, b: primary.id }, admin);
    expect(again).toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(again.message).toContain('already linked');
    expect((await read(other.id, admin)).timeline.at(-1)).toMatchObject({
      action: 'LINKED',
      actorId: 'admin-1',
      after: { related: primary.number },
      result: 'linked',
    });
  });

  it('should mask ID and card numbers in every free-text field before storing or emitting anything', async () => {
    const secret = `card ${CARD} id ${MAINLAND_ID}`;
    const complaint = await create(
      {
        title: `投诉 ${secret}`,
        description: `complaint ${secret}`,
        customer: { name: `Wang ${CARD}`, contact: `tel 13800138000 ${CARD}` },
        expectedOutcome: `refund to ${CARD}`,
        attachments: [
          {
            name: `statement-${CARD}.pdf`,
            contentType: 'application/pdf',
            sizeBytes: 10,
            url: 'https://files.example.com/s.pdf',
          },
        ],
      },
      customer,
    );
    const id = complaint.id;
    // Masking comes before validation: a card number is no tag.
    const cardTag = await refused(
      CREATE,
      { input: { channel: 'APP', customer: { name: 'Test' }, title: 't', description: 'd', tags: [CARD] } },
      customer,
    );
    expect(cardTag).toMatchObject({ code: 'BAD_USER_INPUT', message: expect.stringContaining('masked') });
    expect(complaint.customer.contact).toContain('13800138000');
    await gql(
      `mutation($id: ID!) { reclassifyTicket(input: { ticketId: $id, priority: P2, reason: "${secret}" }) { id } }`,
      { id },
      c1,
    );
    await gql(REPLY, { id, body: `public ${secret}` }, c1);
    await gql(REPLY, { id, body: `note ${secret}`, visibility: 'INTERNAL' }, c1);
    await gql(CHANGE_STATUS, { id, status: 'PENDING_CUSTOMER', reason: `need ${secret}` }, c1);
    await gql(REPLY, { id, body: `customer ${secret}` }, customer);
    const proposal = (
      await gql(
        `mutation($id: ID!, $reason: String!) { proposeCompensation(input: { ticketId: $id, kind: REFUND, amount: 10, currency: "CNY", reason: $reason }) { id } }`,
        { id, reason: `refund ${secret}` },
        c1,
      )
    ).proposeCompensation;
    await gql(
      `mutation($p: ID!, $note: String) { decideCompensation(input: { proposalId: $p, approve: true, note: $note }) { id } }`,
      { p: proposal.id, note: `ok ${secret}` },
      supC,
    );
    await gql(
      `mutation($p: ID!, $note: String) { carryOutCompensation(proposalId: $p, note: $note) { id } }`,
      { p: proposal.id, note: `paid ${secret}` },
      c1,
    );
    await gql(
      `mutation($id: ID!, $reason: String!) { escalateTicket(input: { ticketId: $id, direction: VERTICAL, tier: SUPERVISOR, reason: $reason }) { id } }`,
      { id, reason: `escalate ${secret}` },
      c1,
    );
    await gql(CHANGE_STATUS, { id, status: 'RESOLVED' }, c1);
    await gql(
      `mutation($id: ID!, $comment: String) { confirmResolution(input: { ticketId: $id, satisfaction: UNSATISFIED, comment: $comment }) { id } }`,
      { id, comment: `bad ${secret}` },
      customer,
    );
    await gql(
      `mutation($id: ID!, $reason: String!) { transferTicket(input: { ticketId: $id, queueId: "billing", reason: $reason }) { id } }`,
      { id, reason: `move ${secret}` },
      c1,
    );

    // What the graph returns …
    const full = await gql(
      `query($id: ID!) { ticket(id: $id) { ${FIELDS} satisfactionComment messages { body } timeline { at actorId actorRole action before after note result }
        compensations { reason decisionNote } } }`,
      { id },
      admin,
    );
    const shown = JSON.stringify(full);
    expect(shown).toContain('************1111');
    expect(shown).toContain('**************002X');
    expect(full.ticket.messages).toHaveLength(3);
    // Every step of this long handling left a complete entry.
    expect(full.ticket.timeline).toHaveLength(13);
    for (const entry of full.ticket.timeline) {
      expect(entry).toEqual(
        expect.objectContaining({
          at: expect.any(String),
          actorId: expect.any(String),
          actorRole: expect.any(String),
          action: expect.any(String),
          after: expect.anything(),
          result: expect.any(String),
        }),
      );
    }
    // … what the database stores, outbox included …
    const { rows: tables } = await database.query(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'tickets' AND table_type = 'BASE TABLE'`,
    );
    expect(tables.map((row: { table_name: string }) => row.table_name)).toEqual(
      expect.arrayContaining(['tickets', 'timeline', 'messages', 'compensations', 'outbox']),
    );
    for (const { table_name: table } of tables as { table_name: string }[]) {
      const { rows } = await database.query(`SELECT row_to_json(t)::text AS row FROM tickets."${table}" t`);
      const stored = rows.map((row: { row: string }) => row.row).join('\n');
      expect({ table, leaked: stored.includes(CARD) || stored.includes(MAINLAND_ID) }).toEqual({
        table,
        leaked: false,
      });
    }
    // … and what reaches Kafka.
    const published = await eventually(
      async () => {
        const { rows } = await database.query(
          `SELECT count(*)::int AS pending FROM tickets.outbox WHERE message_key = $1 AND published_at IS NULL`,
          [id],
        );
        return rows[0].pending === 0;
      },
      { timeoutMs: 30_000, what: 'the outbox to be published' },
    );
    expect(published).toBe(true);
    expect((await outboxEvents(id)).length).toBeGreaterThanOrEqual(15);
    expect(shown).not.toContain(CARD);
    expect(shown).not.toContain(MAINLAND_ID);
  });

  it('should number past 999 in a month without wrapping when the sequence is that far', async () => {
    const monthKey = ticketMonthKey(new Date(), 'Asia/Shanghai');
    await database.query(`SELECT setval($1::regclass, 998)`, [`tickets.ticket_number_${monthKey}`]);
    const numbers = [];
    for (let index = 0; index < 2; index++) {
      numbers.push(
        (await create({ title: `Numbered ${index}`, description: 'x', queueId: 'general' }, g1)).number,
      );
    }
    expect(numbers).toEqual([`${monthKey}-999`, `${monthKey}-1000`]);
    expect(
      (
        await gql(
          `query($n: String!) { ticketByNumber(number: $n) { number } }`,
          { n: `${monthKey}-1000` },
          g1,
        )
      ).ticketByNumber,
    ).toEqual({ number: `${monthKey}-1000` });
  });

  it('should refuse each role outside its boundary when it reads or acts on tickets', async () => {
    const mine = await create(
      { title: 'My router is broken', description: 'error lights', queueId: 'billing' },
      b1,
    );
    const theirs = await create({ title: 'Printer question', description: 'how to print' }, otherCustomer);
    const custom = await create(
      { title: 'Invoice missing', description: 'Where is the invoice for my order?' },
      customer,
    );
    expect(custom.queueId).toBe('billing');
    const READ_ONE = `query($id: ID!) { ticket(id: $id) { id } }`;

    // Customers: their own tickets only, and never staff actions or desk configuration.
    expect((await gql(READ_ONE, { id: theirs.id }, customer)).ticket).toBeNull();
    expect(
      (await gql(`query($n: String!) { ticketByNumber(number: $n) { id } }`, { n: theirs.number }, customer))
        .ticketByNumber,
    ).toBeNull();
    expect((await refused(REPLY, { id: theirs.id, body: 'hi' }, customer)).code).toBe('NOT_FOUND');
    expect(
      (
        await refused(
          `mutation($id: ID!) { confirmResolution(input: { ticketId: $id, satisfaction: SATISFIED }) { id } }`,
          { id: theirs.id },
          customer,
        )
      ).code,
    ).toBe('NOT_FOUND');
    expect(
      (await refused(REPLY, { id: custom.id, body: 'psst', visibility: 'INTERNAL' }, customer)).code,
    ).toBe('FORBIDDEN');
    expect((await refused(CHANGE_STATUS, { id: custom.id, status: 'CLOSED' }, customer)).code).toBe(
      'FORBIDDEN',
    );
    expect((await refused(ASSIGN, { input: { ticketId: custom.id } }, customer)).code).toBe('FORBIDDEN');
    for (const query of ['{ queues { id } }', '{ agents { id } }', '{ routingRules { id } }']) {
      expect((await refused(query, {}, customer)).code).toBe('FORBIDDEN');
    }
    const { tickets: customerList } = await gql(
      `{ tickets(first: 100, filter: { customerIds: ["C-2"] }) { edges { node { id } } } }`,
      {},
      customer,
    );
    expect(customerList.edges).toEqual([]);
    expect((await gql(READ_ONE, { id: custom.id }, customer)).ticket).toEqual({ id: custom.id });

    // Agents: their queues only; no approvals, no desk configuration.
    expect((await gql(READ_ONE, { id: mine.id }, c1)).ticket).toBeNull();
    expect((await refused(REPLY, { id: mine.id, body: 'hi' }, c1)).code).toBe('NOT_FOUND');
    expect((await refused(ASSIGN, { input: { ticketId: mine.id } }, c1)).code).toBe('NOT_FOUND');
    expect(
      (
        await refused(
          CREATE,
          {
            input: {
              title: 't',
              description: 'd',
              channel: 'APP',
              customer: { name: 'x' },
              queueId: 'complaints',
            },
          },
          b1,
        )
      ).code,
    ).toBe('FORBIDDEN');
    expect(
      (await refused(`mutation { upsertQueue(input: { id: "rogue", name: "Rogue" }) { id } }`, {}, b1)).code,
    ).toBe('FORBIDDEN');
    expect((await refused(`mutation { setRoutingRules(rules: []) { id } }`, {}, supB)).code).toBe(
      'FORBIDDEN',
    );
    expect(
      (await refused(`mutation { setAgentAvailability(agentId: "b3", available: false) { id } }`, {}, b1))
        .code,
    ).toBe('FORBIDDEN');
    expect(
      (await gql(`mutation { setAgentAvailability(agentId: "b1", available: true) { available } }`, {}, b1))
        .setAgentAvailability,
    ).toEqual({
      available: true,
    });
    const { tickets: agentList } = await gql(
      `{ tickets(first: 100) { edges { node { queueId helperQueueIds } } } }`,
      {},
      b1,
    );
    expect(
      agentList.edges.every(
        (edge: { node: { queueId: string; helperQueueIds: string[] } }) =>
          edge.node.queueId === 'billing' || edge.node.helperQueueIds.includes('billing'),
      ),
    ).toBe(true);

    // Supervisors: their queues plus approvals; admins everything.
    expect((await gql(READ_ONE, { id: mine.id }, supC)).ticket).toBeNull();
    expect((await gql(READ_ONE, { id: mine.id }, supB)).ticket).toEqual({ id: mine.id });
    expect((await gql(READ_ONE, { id: theirs.id }, admin)).ticket).toEqual({ id: theirs.id });
    const { tickets: adminList } = await gql(
      `{ tickets(first: 100) { edges { node { queueId } } } }`,
      {},
      admin,
    );
    expect(new Set(adminList.edges.map((edge: { node: { queueId: string } }) => edge.node.queueId))).toEqual(
      new Set(['general', 'billing', 'complaints']),
    );
    expect((await refused(READ_ONE, { id: mine.id })).code).toBe('UNAUTHENTICATED');
  });

  it('should reject bad input with a clear code and change neither the ticket nor the event stream', async () => {
    const ticket = await create({ title: 'Consistency check', description: 'x' }, customer);
    expect(ticket.queueId).toBe('general');
    const id = ticket.id;
    const before = await read(id, g1);
    const eventsBefore = (await outboxEvents(id)).length;

    const cases: [string, string, Record<string, unknown>, string, string?][] = [
      [
        'malformed id',
        CHANGE_STATUS,
        { id: 'not-a-uuid', status: 'RESOLVED' },
        'BAD_USER_INPUT',
        'ticketId must be a ticket id',
      ],
      ['malformed id on assign', ASSIGN, { input: { ticketId: 'nope' } }, 'BAD_USER_INPUT'],
      [
        'malformed id on transfer',
        `mutation { transferTicket(input: { ticketId: "nope", queueId: "billing", reason: "r" }) { id } }`,
        {},
        'BAD_USER_INPUT',
      ],
      [
        'malformed id on merge',
        `mutation($id: ID!) { mergeTickets(duplicateId: $id, primaryId: "nope") { id } }`,
        { id },
        'BAD_USER_INPUT',
      ],
      [
        'malformed proposal id',
        `mutation { carryOutCompensation(proposalId: "nope") { id } }`,
        {},
        'BAD_USER_INPUT',
      ],
      ['unknown ticket', REPLY, { id: '00000000-0000-4000-8000-000000000000', body: 'x' }, 'NOT_FOUND'],
      ['wrong enum', CHANGE_STATUS, { id, status: 'DONE' }, 'BAD_USER_INPUT'],
      [
        'illegal transition',
        CHANGE_STATUS,
        { id, status: 'RESOLVED' },
        'BAD_USER_INPUT',
        'allowed next: ASSIGNED, IN_PROGRESS, CLOSED',
      ],
      ['empty reply', REPLY, { id, body: '   ' }, 'BAD_USER_INPUT', 'body must not be empty'],
      [
        'oversized reply',
        REPLY,
        { id, body: 'x'.repeat(20_001) },
        'BAD_USER_INPUT',
        'body must be at most 20000 characters',
      ],
      [
        'oversized reason',
        CHANGE_STATUS,
        { id, status: 'IN_PROGRESS', reason: 'x'.repeat(2_001) },
        'BAD_USER_INPUT',
      ],
      [
        'empty transfer reason',
        `mutation($id: ID!) { transferTicket(input: { ticketId: $id, queueId: "billing", reason: " " }) { id } }`,
        { id },
        'BAD_USER_INPUT',
      ],
      [
        'unknown queue',
        `mutation($id: ID!) { transferTicket(input: { ticketId: $id, queueId: "nowhere", reason: "r" }) { id } }`,
        { id },
        'NOT_FOUND',
      ],
      [
        'rating an unresolved ticket on the customer behalf',
        `mutation($id: ID!) { confirmResolution(input: { ticketId: $id, satisfaction: SATISFIED }) { id } }`,
        { id },
        'BAD_USER_INPUT',
        'Only a RESOLVED ticket',
      ],
      [
        'stale version',
        `mutation($id: ID!) { changeTicketStatus(input: { ticketId: $id, status: IN_PROGRESS, expectedVersion: 0 }) { id } }`,
        { id },
        'CONFLICT',
        'reload and retry',
      ],
      [
        'stale version on transfer',
        `mutation($id: ID!) { transferTicket(input: { ticketId: $id, queueId: "billing", reason: "r", expectedVersion: 99 }) { id } }`,
        { id },
        'CONFLICT',
      ],
      [
        'page too large',
        `{ tickets(first: 500) { edges { cursor } } }`,
        {},
        'BAD_USER_INPUT',
        'first must be between 1 and 100',
      ],
      ['foreign cursor', `{ tickets(after: "garbage") { edges { cursor } } }`, {}, 'BAD_USER_INPUT'],
      [
        'inverted range',
        `{ tickets(filter: { createdFrom: "2026-02-01T00:00:00Z", createdTo: "2026-01-01T00:00:00Z" }) { edges { cursor } } }`,
        {},
        'BAD_USER_INPUT',
        'createdTo must be after createdFrom',
      ],
      [
        'oversized title',
        CREATE,
        { input: { title: 'x'.repeat(201), description: 'd', channel: 'APP', customer: { name: 'n' } } },
        'BAD_USER_INPUT',
        'title must be at most 200 characters',
      ],
      [
        'bad attachment',
        CREATE,
        {
          input: {
            title: 't',
            description: 'd',
            channel: 'APP',
            customer: { name: 'n' },
            attachments: [{ name: 'a', contentType: 'x/y', sizeBytes: -1, url: 'nope' }],
          },
        },
        'BAD_USER_INPUT',
      ],
    ];
    for (const [what, query, variables, code, message] of cases) {
      const error = await refused(query, variables, g1);
      expect({ what, code: error.code }).toEqual({ what, code });
      if (message)
        expect({ what, message: error.message }).toEqual({ what, message: expect.stringContaining(message) });
    }

    const early = await refused(
      `mutation($id: ID!) { confirmResolution(input: { ticketId: $id, satisfaction: SATISFIED }) { id } }`,
      { id },
      customer,
    );
    expect(early).toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(early.message).toContain('Only a RESOLVED ticket can be confirmed and rated; this one is NEW');

    const after = await read(id, g1);
    expect(after.version).toBe(before.version);
    expect(after.timeline).toEqual(before.timeline);
    expect((await outboxEvents(id)).length).toBe(eventsBefore);
    await expect(
      database.query(`UPDATE tickets.timeline SET note = 'rewritten' WHERE ticket_id = $1`, [id]),
    ).rejects.toThrow('append-only');
  });

  it('should escalate one tier per SLA breach and ignore a redelivered breach when the SLA service reports breaches', async () => {
    const ticket = await create({ title: 'Slow answer', description: 'waiting', queueId: 'general' }, g1);
    const breach = (target: 'FIRST_RESPONSE' | 'RESOLUTION') =>
      buildEvent(SlaClockBreachedV1, {
        source: '/deskgraph/sla',
        subject: ticket.id,
        data: {
          clockId: randomUUID(),
          ticketId: ticket.id,
          queueId: 'general',
          target,
          cycle: 1,
          at: new Date().toISOString(),
          dueAt: new Date().toISOString(),
          priority: 'P3',
          late: false,
          lateMs: 0,
        },
      });
    const kafka = new Kafka({
      clientId: 'breach-writer',
      brokers: stack.kafkaBrokers.split(','),
      logLevel: logLevel.NOTHING,
    });
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    try {
      const firstResponse = breach('FIRST_RESPONSE');
      // The same breach delivered twice, then a second breach: two tiers, not three.
      for (const event of [firstResponse, firstResponse, breach('RESOLUTION')]) {
        await producer.send({
          topic: namespaced(stack.namespace, TOPICS.sla),
          messages: [{ key: ticket.id, value: JSON.stringify(event) }],
        });
      }
    } finally {
      await producer.disconnect();
    }
    const escalated = await eventually(
      async () => {
        const current = await read(ticket.id, g1);
        return current.escalationTier === 'EXPERT' ? current : undefined;
      },
      { timeoutMs: 30_000, what: 'two breaches to escalate the ticket to EXPERT' },
    );
    expect(
      escalated.timeline
        .filter((entry: { action: string }) => entry.action === 'ESCALATED_VERTICAL')
        .map((entry: { actorId: string; after: { tier: string }; result: string; note: string }) => [
          entry.actorId,
          entry.after.tier,
          entry.result,
          entry.note.split(' (')[0],
        ]),
    ).toEqual([
      ['system', 'SUPERVISOR', 'automatic', 'SLA first response breached'],
      ['system', 'EXPERT', 'automatic', 'SLA resolution breached'],
    ]);
    const escalations = (await outboxEvents(ticket.id)).filter(
      (event) => event.type === 'deskgraph.ticket.escalated.v1',
    );
    expect(escalations.map((event) => [event.data.tier, event.data.automatic])).toEqual([
      ['SUPERVISOR', true],
      ['EXPERT', true],
    ]);
  });

  it('should filter by every criterion, sort and page when an agent desk lists tickets', async () => {
    const from = new Date().toISOString();
    const make = (input: Record<string, unknown>) =>
      create({ description: 'filter test', queueId: 'billing', type: 'SERVICE_REQUEST', ...input }, b1);
    const low = await make({
      title: 'Filter low',
      priority: 'P3',
      channel: 'EMAIL',
      tags: ['vip'],
      customer: { id: 'F-1', name: 'F' },
    });
    const high = await make({
      title: 'Filter high',
      priority: 'P0',
      channel: 'PHONE',
      tags: ['vip', 'press'],
      customer: { id: 'F-2', name: 'F' },
    });
    const mid = await make({
      title: 'Filter mid',
      priority: 'P2',
      channel: 'EMAIL',
      type: 'FAULT_REPORT',
      customer: { id: 'F-1', name: 'F' },
    });
    await gql(ASSIGN, { input: { ticketId: mid.id, agentId: 'b3' } }, b1);
    const to = new Date(Date.now() + 1000).toISOString();
    const LIST = `query($filter: TicketFilter, $orderBy: TicketOrder, $first: Int, $after: String) {
      tickets(filter: $filter, orderBy: $orderBy, first: $first, after: $after) {
        edges { cursor node { id } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } totalCount } }`;
    const ids = async (filter: Record<string, unknown>, orderBy = 'CREATED_AT_ASC') =>
      (
        await gql(LIST, { filter: { createdFrom: from, createdTo: to, ...filter }, orderBy, first: 50 }, b1)
      ).tickets.edges.map((edge: { node: { id: string } }) => edge.node.id);

    expect(await ids({})).toEqual([low.id, high.id, mid.id]);
    expect(await ids({}, 'CREATED_AT_DESC')).toEqual([mid.id, high.id, low.id]);
    expect(await ids({}, 'PRIORITY')).toEqual([high.id, mid.id, low.id]);
    expect(await ids({ queueIds: ['billing'], priorities: ['P0', 'P2'] })).toEqual([high.id, mid.id]);
    expect(await ids({ statuses: ['ASSIGNED'] })).toEqual([mid.id]);
    expect(await ids({ types: ['FAULT_REPORT'] })).toEqual([mid.id]);
    expect(await ids({ channels: ['PHONE'] })).toEqual([high.id]);
    expect(await ids({ assigneeIds: ['b3'] })).toEqual([mid.id]);
    expect(await ids({ unassigned: true })).toEqual([low.id, high.id]);
    expect(await ids({ customerIds: ['F-1'] })).toEqual([low.id, mid.id]);
    expect(await ids({ tags: ['vip', 'press'] })).toEqual([high.id]);
    expect(await ids({ text: 'filter HIGH' })).toEqual([high.id]);
    expect(await ids({ text: low.number })).toEqual([low.id]);
    expect(await ids({ createdFrom: to, createdTo: new Date(Date.now() + 60_000).toISOString() })).toEqual(
      [],
    );

    const firstPage = (
      await gql(LIST, { filter: { createdFrom: from, createdTo: to }, orderBy: 'PRIORITY', first: 2 }, b1)
    ).tickets;
    expect(firstPage.pageInfo.hasNextPage).toBe(true);
    const secondPage = (
      await gql(
        LIST,
        {
          filter: { createdFrom: from, createdTo: to },
          orderBy: 'PRIORITY',
          first: 2,
          after: firstPage.pageInfo.endCursor,
        },
        b1,
      )
    ).tickets;
    expect(secondPage.edges.map((edge: { node: { id: string } }) => edge.node.id)).toEqual([low.id]);
    expect(secondPage.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
    expect(secondPage.pageInfo.startCursor).toBe(secondPage.edges[0].cursor);
    expect(firstPage.pageInfo.hasPreviousPage).toBe(false);
    // The count covers every page, not just the one returned.
    expect([firstPage.totalCount, secondPage.totalCount]).toEqual([3, 3]);

    const { unassignedTickets } = await gql(
      `{ unassignedTickets(queueId: "billing", first: 100) { edges { node { id assigneeId } } } }`,
      {},
      b1,
    );
    const unassignedIds = unassignedTickets.edges.map((edge: { node: { id: string } }) => edge.node.id);
    expect(unassignedIds).toEqual(expect.arrayContaining([low.id, high.id]));
    expect(unassignedIds).not.toContain(mid.id);
    const { myOpenTickets } = await gql(`{ myOpenTickets(first: 100) { edges { node { id } } } }`, {}, b3);
    expect(myOpenTickets.edges.map((edge: { node: { id: string } }) => edge.node.id)).toContain(mid.id);
  });
});
