import type { EventOfType } from '@deskgraph/events';
import {
  eventually,
  graphqlOk,
  graphqlRequest,
  startTestStack,
  testToken,
  type TestStack,
} from '@deskgraph/infra';
import type { Consumer } from 'kafkajs';
import { readAnalyticsTopic } from './analytics-harness';

// The live-metrics contract end to end, through the gateway on the whole
// stack: a ticket created and answered with mutations reaches liveMetrics,
// and the batched metrics_changed signal reaches the analytics topic.

type MetricsChanged = EventOfType<'deskgraph.analytics.metrics_changed.v1'>;

const LIVE_METRICS = `query($queueIds: [ID!]!) { liveMetrics(queueIds: $queueIds) {
  at queueIds openBacklog createdToday resolvedToday firstResponseMedianMs runningClocks breachesToday } }`;

describe('analytics: live metrics through the gateway', () => {
  let stack: TestStack;
  let consumer: Consumer;
  const signals: { key: string | null; event: MetricsChanged }[] = [];

  beforeAll(async () => {
    stack = await startTestStack();
    consumer = await readAnalyticsTopic(stack, 'live-metrics-test', (event, key) => {
      // The topic also carries KPI target crossings; this test is about the metrics signal.
      if (event.type === 'deskgraph.analytics.metrics_changed.v1') signals.push({ key, event });
    });
  }, 180_000);

  afterAll(async () => {
    await consumer?.disconnect();
    await stack?.stop();
  }, 60_000);

  it('should show a created and answered ticket in liveMetrics and signal its queue on the analytics topic', async () => {
    const agent = await testToken({ roles: ['agent'], userId: 'agent-live', queueIds: ['general'] });
    const supervisor = await testToken({ roles: ['supervisor'], userId: 'sup-live', queueIds: ['general'] });

    const { createTicket } = await graphqlOk<{ createTicket: { id: string } }>(
      stack.gatewayUrl,
      `mutation($input: CreateTicketInput!) { createTicket(input: $input) { id } }`,
      {
        input: {
          title: 'Invoice shows the wrong amount',
          description: 'The invoice total differs from the order.',
          channel: 'EMAIL',
          priority: 'P2',
          queueId: 'general',
          customer: { id: 'C-2001', name: 'Han Meimei' },
        },
      },
      agent,
    );
    await graphqlOk(
      stack.gatewayUrl,
      `mutation($input: ReplyInput!) { replyToTicket(input: $input) { __typename } }`,
      { input: { ticketId: createTicket.id, body: 'We are checking the invoice.' } },
      agent,
    );

    const live = await eventually(
      async () => {
        const response = await graphqlRequest<{ liveMetrics: Record<string, unknown> }>(
          stack.gatewayUrl,
          LIVE_METRICS,
          { queueIds: ['general'] },
          supervisor,
        );
        const metrics = response.data?.liveMetrics;
        return metrics && metrics.firstResponseMedianMs !== null && (metrics.runningClocks as number) > 0
          ? metrics
          : undefined;
      },
      { timeoutMs: 60_000, what: 'the answered ticket in liveMetrics' },
    );
    expect(live).toMatchObject({
      queueIds: ['general'],
      openBacklog: 1,
      createdToday: 1,
      resolvedToday: 0,
      breachesToday: 0,
    });
    expect(live.firstResponseMedianMs as number).toBeGreaterThanOrEqual(0);

    const signal = await eventually(
      async () => signals.find((s) => s.event.data.queueIds.includes('general')),
      {
        timeoutMs: 60_000,
        what: 'a metrics_changed event for the general queue',
      },
    );
    expect(signal.key).toBe('metrics');
    expect(signal.event.subject).toBe('metrics');
    expect(signal.event.data.eventsApplied).toBeGreaterThanOrEqual(1);

    const foreign = await graphqlRequest(stack.gatewayUrl, LIVE_METRICS, { queueIds: ['vip'] }, supervisor);
    expect(foreign.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const none = await graphqlRequest(stack.gatewayUrl, LIVE_METRICS, { queueIds: [] }, supervisor);
    expect(none.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  }, 120_000);
});
