import { namespaced, TOPICS } from '@deskgraph/events';
import { Kafka, logLevel } from 'kafkajs';
import {
  eventually,
  graphqlErrorCode,
  graphqlOk,
  graphqlRequest,
  startTestStack,
  testToken,
  type TestStack,
} from '@deskgraph/infra';

// The whole handling of a complaint, through the gateway, on real
// PostgreSQL and Kafka: receive → classify → route → assign → answer →
// pend → compensate → escalate → resolve → unsatisfied → second handling →
// confirm → closed, with the events emitted in order.

const TICKET_FIELDS = `id number title description type category priority status queueId assigneeId version
  reopenCount repeatComplaint satisfaction firstRespondedAt allowedNextStatuses escalationTier
  customer { id name } customerMood`;

const CREATE = `mutation($input: CreateTicketInput!) { createTicket(input: $input) { ${TICKET_FIELDS} } }`;

describe('tickets: the complaint lifecycle through the gateway', () => {
  let stack: TestStack;
  let admin: string;
  let agent: string;
  let supervisor: string;
  let customer: string;
  let otherCustomer: string;
  let outsider: string;
  const gql = (query: string, variables: Record<string, unknown>, token: string) =>
    graphqlOk(stack.gatewayUrl, query, variables, token);

  beforeAll(async () => {
    stack = await startTestStack({ env: { AUTO_CLOSE_AFTER_SECONDS: '5', LIFECYCLE_SWEEP_SECONDS: '1' } });
    admin = await testToken({ roles: ['admin'], userId: 'admin-1' });
    agent = await testToken({ roles: ['agent'], userId: 'a1', queueIds: ['complaints', 'general'] });
    supervisor = await testToken({ roles: ['supervisor'], userId: 'sup-1', queueIds: ['complaints'] });
    customer = await testToken({ roles: ['customer'], userId: 'u-42', customerId: 'C-42' });
    otherCustomer = await testToken({ roles: ['customer'], userId: 'u-43', customerId: 'C-43' });
    outsider = await testToken({ roles: ['agent'], userId: 'a9', queueIds: ['general'] });

    await gql(
      `mutation { upsertQueue(input: { id: "complaints", name: "Complaints", dutyManagerId: "mgr-1" }) { id } }`,
      {},
      admin,
    );
    for (const id of ['a1', 'a2']) {
      await gql(
        `mutation($id: ID!, $name: String!) { upsertAgent(input: { id: $id, displayName: $name, queueIds: ["complaints"] }) { id } }`,
        { id, name: `Agent ${id}` },
        admin,
      );
    }
    await gql(
      `mutation { setRoutingRules(rules: [{ id: "complaints", type: COMPLAINT, queueId: "complaints" }]) { id } }`,
      {},
      admin,
    );
  }, 180_000);

  afterAll(async () => {
    await stack?.stop();
  }, 60_000);

  it('should carry a complaint from creation to confirmation and emit its events in order', async () => {
    // Receive: the customer writes in; keyword rules classify, routing picks the queue, the ID number is masked.
    const { createTicket: created } = await gql(
      CREATE,
      {
        input: {
          title: '投诉：快递包裹损坏，要求赔偿',
          description: '收到的商品破损。我的身份证号是11010519491231002X，请尽快处理。',
          channel: 'APP',
          customer: { name: '王芳' },
          customerMood: 'ANGRY',
          priority: 'P0',
        },
      },
      customer,
    );
    expect(created).toMatchObject({
      type: 'COMPLAINT',
      category: 'delivery',
      priority: 'P3',
      status: 'NEW',
      queueId: 'complaints',
      customer: { id: 'C-42', name: '王芳' },
      // The mood is the desk's note about the customer: stored, but not shown back to them.
      customerMood: null,
    });
    expect(created.description).toContain('**************002X');
    expect(created.description).not.toContain('11010519491231');
    const id = created.id;

    // Other customers and agents of other queues cannot see it.
    expect(
      (await gql(`query($id: ID!) { ticket(id: $id) { id } }`, { id }, otherCustomer)).ticket,
    ).toBeNull();
    expect((await gql(`query($id: ID!) { ticket(id: $id) { id } }`, { id }, outsider)).ticket).toBeNull();

    // Route and assign: automatic picks the least-loaded available agent.
    const { assignTicket: assigned } = await gql(
      `mutation($id: ID!) { assignTicket(input: { ticketId: $id, automatic: true }) { status assigneeId } }`,
      { id },
      agent,
    );
    expect(assigned).toEqual({ status: 'ASSIGNED', assigneeId: 'a1' });
    const seenByAgent = await gql(`query($id: ID!) { ticket(id: $id) { customerMood } }`, { id }, agent);
    expect(seenByAgent.ticket).toEqual({ customerMood: 'ANGRY' });

    // Reclassify (agent override), kept on the timeline; P1 notifies the duty manager.
    await gql(
      `mutation($id: ID!) { reclassifyTicket(input: { ticketId: $id, priority: P1, reason: "angry customer, damaged goods" }) { priority } }`,
      { id },
      agent,
    );

    // Answer: the first public reply is the first response and starts the work.
    const { replyToTicket } = await gql(
      `mutation($id: ID!) { replyToTicket(input: { ticketId: $id, body: "您好，我们已收到您的投诉，正在核实。" }) {
        ticket { status firstRespondedAt } message { visibility author } } }`,
      { id },
      agent,
    );
    expect(replyToTicket.ticket.status).toBe('IN_PROGRESS');
    expect(replyToTicket.ticket.firstRespondedAt).not.toBeNull();
    await gql(
      `mutation($id: ID!) { replyToTicket(input: { ticketId: $id, body: "internal: check courier", visibility: INTERNAL }) { message { id } } }`,
      { id },
      agent,
    );

    // Pend on the customer; the customer's reply resumes the work.
    await gql(
      `mutation($id: ID!) { changeTicketStatus(input: { ticketId: $id, status: PENDING_CUSTOMER, reason: "photos needed" }) { status } }`,
      { id },
      agent,
    );
    const { replyToTicket: customerReply } = await gql(
      `mutation($id: ID!) { replyToTicket(input: { ticketId: $id, body: "照片已上传" }) { ticket { status } } }`,
      { id },
      customer,
    );
    expect(customerReply.ticket.status).toBe('IN_PROGRESS');

    // An illegal transition names the allowed next states.
    const illegal = await graphqlErrorCode(
      stack.gatewayUrl,
      `mutation($id: ID!) { changeTicketStatus(input: { ticketId: $id, status: ARCHIVED }) { status } }`,
      { id },
      agent,
    );
    expect(illegal.code).toBe('FORBIDDEN');
    const illegalForAdmin = await graphqlErrorCode(
      stack.gatewayUrl,
      `mutation($id: ID!) { changeTicketStatus(input: { ticketId: $id, status: ARCHIVED }) { status } }`,
      { id },
      admin,
    );
    expect(illegalForAdmin.code).toBe('BAD_USER_INPUT');
    expect(illegalForAdmin.message).toContain('PENDING_CUSTOMER, PENDING_THIRD_PARTY, RESOLVED, ASSIGNED');

    // Compensation: proposed by the agent, approved once by a supervisor, then carried out.
    const { proposeCompensation: proposal } = await gql(
      `mutation($id: ID!) { proposeCompensation(input: { ticketId: $id, kind: REFUND, amount: 50, currency: "CNY", reason: "damaged in transit" }) { id status amount } }`,
      { id },
      agent,
    );
    expect(proposal).toMatchObject({ status: 'PROPOSED', amount: 50 });
    const decide = `mutation($p: ID!) { decideCompensation(input: { proposalId: $p, approve: true, note: "ok" }) { status decidedBy } }`;
    expect((await graphqlErrorCode(stack.gatewayUrl, decide, { p: proposal.id }, agent)).code).toBe(
      'FORBIDDEN',
    );
    const early = await graphqlErrorCode(
      stack.gatewayUrl,
      `mutation($p: ID!) { carryOutCompensation(proposalId: $p) { status } }`,
      { p: proposal.id },
      agent,
    );
    expect(early.code).toBe('BAD_USER_INPUT');
    expect((await gql(decide, { p: proposal.id }, supervisor)).decideCompensation).toEqual({
      status: 'APPROVED',
      decidedBy: 'sup-1',
    });
    expect((await graphqlErrorCode(stack.gatewayUrl, decide, { p: proposal.id }, supervisor)).code).toBe(
      'CONFLICT',
    );
    await gql(
      `mutation($p: ID!) { carryOutCompensation(proposalId: $p) { status } }`,
      { p: proposal.id },
      agent,
    );

    // Escalate vertically.
    await gql(
      `mutation($id: ID!) { escalateTicket(input: { ticketId: $id, direction: VERTICAL, tier: SUPERVISOR, reason: "high value" }) { escalationTier } }`,
      { id },
      agent,
    );

    // A rating before resolution is refused.
    const rateEarly = await graphqlErrorCode(
      stack.gatewayUrl,
      `mutation($id: ID!) { confirmResolution(input: { ticketId: $id, satisfaction: SATISFIED }) { status } }`,
      { id },
      customer,
    );
    expect(rateEarly.code).toBe('BAD_USER_INPUT');

    // Resolve; the customer is unsatisfied: second handling, a repeat complaint.
    const resolve = `mutation($id: ID!) { changeTicketStatus(input: { ticketId: $id, status: RESOLVED, reason: "refund issued" }) { status } }`;
    await gql(resolve, { id }, agent);
    const { confirmResolution: reopened } = await gql(
      `mutation($id: ID!) { confirmResolution(input: { ticketId: $id, satisfaction: UNSATISFIED, comment: "还是不满意" }) { status repeatComplaint reopenCount } }`,
      { id },
      customer,
    );
    expect(reopened).toEqual({ status: 'IN_PROGRESS', repeatComplaint: true, reopenCount: 1 });
    await gql(resolve, { id }, agent);
    const { confirmResolution: closed } = await gql(
      `mutation($id: ID!) { confirmResolution(input: { ticketId: $id, satisfaction: SATISFIED }) { status satisfaction } }`,
      { id },
      customer,
    );
    expect(closed).toEqual({ status: 'CLOSED', satisfaction: 'SATISFIED' });

    // The timeline keeps every step; the customer sees neither it nor internal notes.
    const { ticket: staffView } = await gql(
      `query($id: ID!) { ticket(id: $id) { timeline { action actorId } messages { visibility } } }`,
      { id },
      supervisor,
    );
    expect(staffView.timeline.map((entry: { action: string }) => entry.action)).toEqual([
      'CREATED',
      'ASSIGNED',
      'RECLASSIFIED',
      'REPLIED',
      'NOTE_ADDED',
      'STATUS_CHANGED',
      'CUSTOMER_REPLIED',
      'COMPENSATION_PROPOSED',
      'COMPENSATION_APPROVED',
      'COMPENSATION_CARRIED_OUT',
      'ESCALATED_VERTICAL',
      'STATUS_CHANGED',
      'CONFIRMED',
      'STATUS_CHANGED',
      'CONFIRMED',
      // Closing a complaint schedules its follow-up visit (回访) in the same change.
      'VISIT_SCHEDULED',
    ]);
    const { ticket: customerView } = await gql(
      `query($id: ID!) { ticket(id: $id) { timeline { action } messages { visibility author } } }`,
      { id },
      customer,
    );
    expect(customerView.timeline).toEqual([]);
    expect(
      customerView.messages.every((message: { visibility: string }) => message.visibility === 'PUBLIC'),
    ).toBe(true);
    expect(customerView.messages).toHaveLength(2);

    // The event stream tells the same story, in order, with growing versions.
    const events = await readTicketEvents(stack, id, 22);
    expect(events.map((event) => event.type.replace('deskgraph.ticket.', ''))).toEqual([
      'created.v1',
      'assigned.v1',
      'status_changed.v1',
      'classified.v1',
      'duty_manager_notified.v1',
      'replied.v1',
      'status_changed.v1',
      'replied.v1',
      'status_changed.v1',
      'replied.v1',
      'status_changed.v1',
      'compensation_changed.v1',
      'compensation_changed.v1',
      'compensation_changed.v1',
      'escalated.v1',
      'status_changed.v1',
      'rated.v1',
      'status_changed.v1',
      'status_changed.v1',
      'rated.v1',
      'status_changed.v1',
      'visit_scheduled.v1',
    ]);
    const versions = events.map((event) => event.data.version as number);
    expect([...versions].sort((a, b) => a - b)).toEqual(versions);
    const firstReply = events.find((event) => event.type === 'deskgraph.ticket.replied.v1')!;
    expect(firstReply.data.firstResponse).toBe(true);
    const notice = events.find((event) => event.type === 'deskgraph.ticket.duty_manager_notified.v1')!;
    expect(notice.data.dutyManagerId).toBe('mgr-1');
  });

  it('should give the loser of two concurrent edits a CONFLICT and apply only the winner', async () => {
    const { createTicket } = await gql(
      CREATE,
      {
        input: {
          title: 'Invoice question',
          description: 'Where is my invoice?',
          channel: 'EMAIL',
          customer: { name: 'A' },
          queueId: 'general',
        },
      },
      agent,
    );
    const edit = (priority: string) =>
      graphqlRequest(
        stack.gatewayUrl,
        `mutation($id: ID!, $v: Int, $p: Priority) { reclassifyTicket(input: { ticketId: $id, expectedVersion: $v, priority: $p, reason: "triage" }) { priority version } }`,
        { id: createTicket.id, v: createTicket.version, p: priority },
        agent,
      );
    const results = await Promise.all([edit('P1'), edit('P2')]);
    const winners = results.filter((result) => !result.errors);
    const losers = results.filter((result) => result.errors);
    expect(winners).toHaveLength(1);
    expect(losers[0].errors![0].extensions?.code).toBe('CONFLICT');
    const { ticket } = await gql(
      `query($id: ID!) { ticket(id: $id) { priority version } }`,
      { id: createTicket.id },
      agent,
    );
    expect(ticket).toEqual((winners[0].data as { reclassifyTicket: unknown }).reclassifyTicket);
  });

  it('should number concurrent tickets uniquely and consecutively within the month', async () => {
    const created = await Promise.all(
      Array.from({ length: 15 }, (_, index) =>
        gql(
          `mutation($input: CreateTicketInput!) { createTicket(input: $input) { number } }`,
          {
            input: {
              title: `Parallel ${index}`,
              description: 'x',
              channel: 'PHONE',
              customer: { name: 'P' },
              queueId: 'general',
            },
          },
          agent,
        ),
      ),
    );
    const sequences = created
      .map((result) => Number(result.createTicket.number.split('-')[1]))
      .sort((a, b) => a - b);
    expect(new Set(sequences).size).toBe(15);
    expect(sequences[14] - sequences[0]).toBe(14);
  });

  it('should reject bad input with clear codes and leave nothing half-saved', async () => {
    const empty = await graphqlErrorCode(
      stack.gatewayUrl,
      CREATE,
      { input: { title: '   ', description: 'x'.repeat(20_001), channel: 'APP', customer: { name: 'B' } } },
      agent,
    );
    expect(empty.code).toBe('BAD_USER_INPUT');
    expect(empty.message).toContain('title must not be empty');
    expect(empty.message).toContain('description must be at most 20000 characters');
    const wrongEnum = await graphqlErrorCode(
      stack.gatewayUrl,
      CREATE,
      { input: { title: 't', description: 'd', channel: 'PIGEON', customer: { name: 'B' } } },
      agent,
    );
    expect(wrongEnum.code).toBe('BAD_USER_INPUT');
    const unknownId = await graphqlErrorCode(
      stack.gatewayUrl,
      `mutation { changeTicketStatus(input: { ticketId: "00000000-0000-4000-8000-000000000000", status: RESOLVED }) { status } }`,
      {},
      agent,
    );
    expect(unknownId.code).toBe('NOT_FOUND');
    const unauthenticated = await graphqlErrorCode(stack.gatewayUrl, CREATE, {
      input: { title: 't', description: 'd', channel: 'APP', customer: { name: 'B' } },
    });
    expect(unauthenticated.code).toBe('UNAUTHENTICATED');
    const analyst = await testToken({ roles: ['analyst'], queueIds: ['general'] });
    expect(
      (
        await graphqlErrorCode(
          stack.gatewayUrl,
          CREATE,
          { input: { title: 't', description: 'd', channel: 'APP', customer: { name: 'B' } } },
          analyst,
        )
      ).code,
    ).toBe('FORBIDDEN');
    const { tickets } = await gql(
      `{ tickets(filter: { text: "PIGEON" }) { edges { node { id } } } }`,
      {},
      admin,
    );
    expect(tickets.edges).toEqual([]);
  });

  it('should close a resolved ticket the customer never confirms, marked as auto-closed', async () => {
    const { createTicket } = await gql(
      CREATE,
      {
        input: { title: '请问如何开发票', description: '咨询发票', channel: 'CHAT', customer: { name: 'C' } },
      },
      customer,
    );
    const id = createTicket.id;
    expect(createTicket.type).toBe('CONSULTATION');
    await gql(
      `mutation($id: ID!) { replyToTicket(input: { ticketId: $id, body: "在订单页申请即可" }) { message { id } } }`,
      { id },
      agent,
    );
    await gql(
      `mutation($id: ID!) { changeTicketStatus(input: { ticketId: $id, status: RESOLVED }) { status } }`,
      { id },
      agent,
    );
    const closed = await eventually(
      async () => {
        const { ticket } = await gql(
          `query($id: ID!) { ticket(id: $id) { status autoClosed } }`,
          { id },
          agent,
        );
        return ticket.status === 'CLOSED' ? ticket : undefined;
      },
      { timeoutMs: 20_000, what: 'the unconfirmed ticket to auto-close' },
    );
    expect(closed.autoClosed).toBe(true);
  });

  it('should page through tickets with stable cursors and filters', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const { tickets } = (await gql(
        `query($after: String) { tickets(filter: { queueIds: ["general"] }, first: 4, after: $after) {
          edges { cursor node { id queueId } } pageInfo { hasNextPage endCursor } } }`,
        { after },
        agent,
      )) as {
        tickets: {
          edges: { node: { id: string; queueId: string } }[];
          pageInfo: { hasNextPage: boolean; endCursor: string };
        };
      };
      seen.push(...tickets.edges.map((edge) => edge.node.id));
      expect(tickets.edges.every((edge) => edge.node.queueId === 'general')).toBe(true);
      if (!tickets.pageInfo.hasNextPage) break;
      after = tickets.pageInfo.endCursor;
    }
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.length).toBeGreaterThanOrEqual(16);
    const mine = await gql(`{ tickets(first: 100) { edges { node { customer { id } } } } }`, {}, customer);
    expect(
      mine.tickets.edges.every(
        (edge: { node: { customer: { id: string } } }) => edge.node.customer.id === 'C-42',
      ),
    ).toBe(true);
  });
});

async function readTicketEvents(stack: TestStack, ticketId: string, count: number) {
  const kafka = new Kafka({
    clientId: 'test-reader',
    brokers: stack.kafkaBrokers.split(','),
    logLevel: logLevel.NOTHING,
  });
  const consumer = kafka.consumer({ groupId: `reader-${ticketId}` });
  const events: { type: string; data: Record<string, unknown> }[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic: namespaced(stack.namespace, TOPICS.tickets), fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      if (message.key?.toString() === ticketId) events.push(JSON.parse(message.value!.toString()));
    },
  });
  try {
    await eventually(async () => events.length >= count, {
      timeoutMs: 30_000,
      what: `${count} events of the ticket`,
    });
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  } finally {
    await consumer.disconnect();
  }
  return events;
}
