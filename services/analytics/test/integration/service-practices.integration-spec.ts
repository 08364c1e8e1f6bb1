import type { FormattedExecutionResult } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import type { DeskgraphEvent } from '@deskgraph/events';
import {
  eventually,
  graphqlOk,
  graphqlRequest,
  startTestStack,
  testToken,
  type TestStack,
} from '@deskgraph/infra';
import type { Consumer } from 'kafkajs';
import { readAnalyticsTopic, type Json } from './analytics-harness';

// The analytics half of the service practices end to end, through the gateway
// on the whole stack (real PostgreSQL and Kafka): tickets of a key and a
// standard customer are created, answered (one reply refused for forbidden
// service language), resolved and rated with mutations; analytics reads the
// tickets service's events and reports satisfaction by tier and region,
// refused replies per agent and KPIs against their targets, in queries, in
// metricsUpdated pushes and as one kpi_target_crossed event on the topic.

const TARGETS = `targets { kpi queueId targetQueueId value target met }`;
const RATE = `numerator denominator value ticketIds`;

describe('analytics: service practices through the gateway', () => {
  let stack: TestStack;
  let reader: Consumer;
  let client: Client;
  const analyticsEvents: DeskgraphEvent[] = [];
  const pushes: Json[] = [];
  const pushErrors: unknown[] = [];
  let admin: string;
  let agent: string;
  let supervisor: string;
  let keyCustomer: string;
  let standardCustomer: string;
  let keyTicket: string;
  let standardTicket: string;
  // A custom period around the test, so it never straddles a desk-day boundary in what it asserts.
  const period = {
    from: new Date(Date.now() - 3_600_000).toISOString(),
    to: new Date(Date.now() + 3_600_000).toISOString(),
  };

  const gql = (query: string, variables: Record<string, unknown>, token: string) =>
    graphqlOk<Json>(stack.gatewayUrl, query, variables, token);
  const crossings = (kpi: string, queueId: string | null) =>
    analyticsEvents.filter(
      (event) =>
        event.type === 'deskgraph.analytics.kpi_target_crossed.v1' &&
        event.data.kpi === kpi &&
        event.data.queueId === queueId,
    );
  const signals = () =>
    analyticsEvents.filter((event) => event.type === 'deskgraph.analytics.metrics_changed.v1').length;

  async function complaint(customer: Record<string, unknown>): Promise<string> {
    const { createTicket } = await gql(
      `mutation($input: CreateTicketInput!) { createTicket(input: $input) { id } }`,
      {
        input: {
          title: 'Damaged parcel',
          description: 'The parcel arrived broken.',
          channel: 'PHONE',
          type: 'COMPLAINT',
          priority: 'P2',
          queueId: 'general',
          customer,
        },
      },
      agent,
    );
    await gql(
      `mutation($id: ID!) { assignTicket(input: { ticketId: $id, agentId: "pa1" }) { id } }`,
      { id: createTicket.id },
      admin,
    );
    return createTicket.id;
  }

  const reply = (ticketId: string, body: string, visibility = 'PUBLIC') =>
    graphqlRequest<Json>(
      stack.gatewayUrl,
      `mutation($input: ReplyInput!) { replyToTicket(input: $input) { message { id } } }`,
      { input: { ticketId, body, visibility } },
      agent,
    );

  async function resolveAndRate(ticketId: string, customer: string, satisfaction: string) {
    await gql(
      `mutation($id: ID!) { changeTicketStatus(input: { ticketId: $id, status: RESOLVED, reason: "parcel replaced" }) { status } }`,
      { id: ticketId },
      agent,
    );
    await gql(
      `mutation($id: ID!, $satisfaction: Satisfaction!) { confirmResolution(input: { ticketId: $id, satisfaction: $satisfaction }) { status } }`,
      { id: ticketId, satisfaction },
      customer,
    );
  }

  beforeAll(async () => {
    stack = await startTestStack();
    reader = await readAnalyticsTopic(stack, 'analytics-practices-test', (event) => {
      analyticsEvents.push(event);
    });

    admin = await testToken({ roles: ['admin'], userId: 'admin-1' });
    agent = await testToken({ roles: ['agent'], userId: 'pa1', queueIds: ['general'] });
    supervisor = await testToken({ roles: ['supervisor'], userId: 'sup-g', queueIds: ['general'] });
    keyCustomer = await testToken({ roles: ['customer'], userId: 'u-key', customerId: 'C-KEY' });
    standardCustomer = await testToken({ roles: ['customer'], userId: 'u-std', customerId: 'C-STD' });
    await gql(
      `mutation { upsertAgent(input: { id: "pa1", displayName: "Agent One", queueIds: ["general"] }) { id } }`,
      {},
      admin,
    );

    client = createClient({
      url: stack.wsUrl,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${supervisor}` },
      retryAttempts: 0,
    });
    client.subscribe(
      {
        query: `subscription { metricsUpdated(queueIds: ["general"]) { metrics { overdueVisits ${TARGETS} } } }`,
      },
      {
        next: (result: FormattedExecutionResult<{ metricsUpdated: Json }>) => {
          if (result.errors) pushErrors.push(result.errors);
          if (result.data) pushes.push(result.data.metricsUpdated);
        },
        error: (error) => pushErrors.push(error),
        complete: () => undefined,
      },
    );
  }, 180_000);

  afterAll(async () => {
    await client?.dispose();
    await reader?.disconnect();
    await stack?.stop();
  }, 60_000);

  it('should report tier, region, refusals and targets when tickets are handled through the gateway', async () => {
    keyTicket = await complaint({ id: 'C-KEY', name: 'Key Co', tier: 'KEY', region: 'CN-GD' });
    const refused = await reply(keyTicket, '您好！这是规定，我有什么办法？');
    expect(refused.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      reason: 'SERVICE_LANGUAGE',
    });
    expect((await reply(keyTicket, '您好，您的包裹已重新寄出，感谢您的耐心。')).errors).toBeUndefined();
    await resolveAndRate(keyTicket, keyCustomer, 'SATISFIED');

    standardTicket = await complaint({ id: 'C-STD', name: 'Li Lei', tier: 'STANDARD', region: 'CN-BJ' });
    expect((await reply(standardTicket, '您好，我们正在核实，感谢您的耐心。')).errors).toBeUndefined();
    await resolveAndRate(standardTicket, standardCustomer, 'UNSATISFIED');

    const metrics = await eventually(
      async () => {
        const { ticketMetrics } = await gql(
          `query($period: PeriodInput!) { ticketMetrics(period: $period, filter: { queueIds: ["general"] }) {
            satisfactionRate { ${RATE} }
            satisfactionByTier { key rate { ${RATE} } }
            satisfactionByRegion { key rate { ${RATE} } }
            keyCustomerComplaintSatisfactionRate { ${RATE} }
            ${TARGETS} } }`,
          { period },
          supervisor,
        );
        return ticketMetrics.satisfactionRate.denominator === 2 ? ticketMetrics : undefined;
      },
      { timeoutMs: 60_000, what: 'both ratings in analytics' },
    );
    expect(metrics.satisfactionByTier).toEqual([
      { key: 'KEY', rate: { numerator: 1, denominator: 1, value: 1, ticketIds: [keyTicket] } },
      { key: 'STANDARD', rate: { numerator: 0, denominator: 1, value: 0, ticketIds: [] } },
    ]);
    expect(metrics.satisfactionByRegion).toEqual([
      { key: 'CN-BJ', rate: { numerator: 0, denominator: 1, value: 0, ticketIds: [] } },
      { key: 'CN-GD', rate: { numerator: 1, denominator: 1, value: 1, ticketIds: [keyTicket] } },
    ]);
    expect(metrics.keyCustomerComplaintSatisfactionRate).toEqual({
      numerator: 1,
      denominator: 1,
      value: 1,
      ticketIds: [keyTicket],
    });
    const targets = Object.fromEntries(metrics.targets.map((t: Json) => [t.kpi, t]));
    expect(targets.keyCustomerComplaintSatisfactionRate).toEqual({
      kpi: 'keyCustomerComplaintSatisfactionRate',
      queueId: 'general',
      targetQueueId: null,
      value: 1,
      target: 0.95,
      met: true,
    });
    expect(targets.satisfactionRate).toMatchObject({ value: 0.5, target: 0.9, met: false });
    // The unsatisfied rating reopened the standard ticket as a repeat: 1 / (3 − 1) > 1 %.
    expect(targets.repeatComplaintRate).toMatchObject({ value: 0.5, target: 0.01, met: false });

    const { agentMetrics } = await gql(
      `query($period: PeriodInput!) { agentMetrics(period: $period) {
        agentId handled refusedReplies refusedReplyTicketIds refusedPhrases { key count ticketIds } } }`,
      { period },
      supervisor,
    );
    expect(agentMetrics).toEqual([
      {
        agentId: 'pa1',
        handled: 2,
        refusedReplies: 1,
        refusedReplyTicketIds: [keyTicket],
        refusedPhrases: [{ key: '这是规定，我有什么办法', count: 1, ticketIds: [keyTicket] }],
      },
    ]);
  }, 180_000);

  it('should push the targets in metricsUpdated and announce the miss once on the analytics topic when satisfaction drops', async () => {
    const push = await eventually(
      async () =>
        pushes.find((update) =>
          update.metrics.targets.some((t: Json) => t.kpi === 'satisfactionRate' && t.value === 0.5),
        ),
      { timeoutMs: 60_000, what: 'a metricsUpdated push with the satisfaction target' },
    );
    expect(pushErrors).toEqual([]);
    expect(push.metrics.targets.find((t: Json) => t.kpi === 'satisfactionRate')).toEqual({
      kpi: 'satisfactionRate',
      queueId: 'general',
      targetQueueId: null,
      value: 0.5,
      target: 0.9,
      met: false,
    });

    const missed = await eventually(async () => crossings('satisfactionRate', 'general')[0], {
      timeoutMs: 60_000,
      what: 'the satisfaction crossing on the analytics topic',
    });
    expect(missed.subject).toBe('satisfactionRate:general');
    expect(missed.data).toMatchObject({ value: 0.5, target: 0.9, direction: 'AT_LEAST', met: false });

    // Another change on the queue is evaluated again while the KPI stays missed: no second event.
    const before = signals();
    expect((await reply(keyTicket, 'internal: courier confirmed', 'INTERNAL')).errors).toBeUndefined();
    await eventually(async () => signals() > before, {
      timeoutMs: 60_000,
      what: 'the next metrics_changed signal',
    });
    expect(crossings('satisfactionRate', 'general')).toHaveLength(1);
  }, 180_000);

  it('should let admins set targets through the gateway and refuse bad ones with clear errors', async () => {
    const SET = `mutation($input: KpiTargetInput!) { setKpiTarget(input: $input) { kpi queueId target direction } }`;
    const tooHigh = await graphqlRequest(
      stack.gatewayUrl,
      SET,
      { input: { kpi: 'satisfactionRate', target: 1.5 } },
      admin,
    );
    expect(tooHigh.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(tooHigh.errors?.[0]?.message).toContain('outside 0–100 %');
    const bySupervisor = await graphqlRequest(
      stack.gatewayUrl,
      SET,
      { input: { kpi: 'satisfactionRate', target: 0.5 } },
      supervisor,
    );
    expect(bySupervisor.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(
      (await gql(SET, { input: { kpi: 'satisfactionRate', queueId: 'general', target: 0.5 } }, admin))
        .setKpiTarget,
    ).toEqual({ kpi: 'satisfactionRate', queueId: 'general', target: 0.5, direction: 'AT_LEAST' });
    // The queue now meets its own, lower target: announced once as met.
    const met = await eventually(async () => crossings('satisfactionRate', 'general')[1], {
      timeoutMs: 60_000,
      what: 'the satisfaction crossing back to met',
    });
    expect(met.data).toMatchObject({ value: 0.5, target: 0.5, met: true });
  }, 120_000);
});
