import { createHmac } from 'node:crypto';
import { Client } from 'pg';
import {
  eventually,
  graphqlOk,
  graphqlRequest,
  startTestStack,
  testToken,
  type TestStack,
} from '@deskgraph/infra';
import { verifyWebhookSignature } from '../../src/webhook/signatures';
import { startReceiver, type ReceivedRequest } from './channels-harness';

// Outbound webhooks to a local HTTP receiver that checks signatures the way
// the README tells receivers to, and answers as each test needs.

jest.setTimeout(120_000);

let stack: TestStack;
let admin: string;
let db: Client;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
const DINGTALK_SECRET = 'SECdingtalk-test-secret';
const FEISHU_SECRET = 'feishu-test-secret';
/** Answers per path; a function of how many requests that path has had. */
const behaviour: Record<
  string,
  (count: number, request: ReceivedRequest) => { status: number; body?: string; hang?: boolean }
> = {};

function countOf(path: string): number {
  return receiver.requests.filter((request) => request.path.startsWith(path)).length;
}

async function createEndpoint(input: Record<string, unknown>) {
  const data = await graphqlOk(
    stack.gatewayUrl,
    `mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { secret endpoint { id enabled signed } } }`,
    { input },
    admin,
  );
  return data.createWebhookEndpoint as { secret: string | null; endpoint: { id: string } };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read deep response shapes freely
async function deliveries(endpointId: string): Promise<any[]> {
  const data = await graphqlOk(
    stack.gatewayUrl,
    `query($id: ID!) { webhookDeliveries(endpointId: $id, first: 100) { id eventId eventType state attempts lastStatus lastError replayOf } }`,
    { id: endpointId },
    admin,
  );
  return data.webhookDeliveries;
}

async function createTicket(title: string, extra: Record<string, unknown> = {}) {
  const data = await graphqlOk(
    stack.gatewayUrl,
    `mutation($input: CreateTicketInput!) { createTicket(input: $input) { id number } }`,
    {
      input: {
        title,
        description: 'From the webhook test.',
        channel: 'APP',
        customer: { id: 'C-HOOK', name: 'Hook Customer' },
        ...extra,
      },
    },
    admin,
  );
  return data.createTicket as { id: string; number: string };
}

beforeAll(async () => {
  receiver = await startReceiver((request) => {
    const path = Object.keys(behaviour).find((prefix) => request.path.startsWith(prefix));
    return path ? behaviour[path](countOf(path), request) : { status: 200 };
  });
  stack = await startTestStack({
    processEnv: {
      channels: {
        WEBHOOK_ALLOWED_NETWORKS: '127.0.0.1/32',
        WEBHOOK_RETRY_BASE_MS: '100',
        WEBHOOK_RETRY_MAX_MS: '400',
        WEBHOOK_MAX_ATTEMPTS: '3',
        WEBHOOK_DISABLE_AFTER_FAILURES: '5',
        WEBHOOK_TIMEOUT_MS: '1000',
        WEBHOOK_MAX_RESPONSE_BYTES: '1024',
        WORK_POLL_INTERVAL_MS: '200',
        TICKET_LINK_TEMPLATE: 'https://desk.example.com/tickets/{number}',
      },
    },
  });
  admin = await testToken({ userId: 'admin-1', roles: ['admin'], queueIds: ['general', 'second'] });
  await graphqlOk(
    stack.gatewayUrl,
    `mutation { upsertQueue(input: { id: "second", name: "Second" }) { id } }`,
    {},
    admin,
  );
  db = new Client({ connectionString: stack.databaseUrl });
  await db.connect();
}, 240_000);

afterAll(async () => {
  await db?.end();
  await stack?.stop();
  await receiver?.stop();
});

it('should deliver signed events of the chosen type and queue, retrying until the receiver takes them', async () => {
  behaviour['/crm'] = (count) => ({ status: count <= 2 ? 500 : 200 });
  const { secret, endpoint } = await createEndpoint({
    name: 'CRM',
    url: `${receiver.url}/crm`,
    eventTypes: ['deskgraph.ticket.created.v1'],
    queueIds: ['general'],
  });
  expect(secret).toMatch(/^whsec_/);
  await createTicket('Elsewhere', { queueId: 'second' });
  const ticket = await createTicket('Webhook me');
  const [delivery] = await eventually(
    async () => {
      const list = await deliveries(endpoint.id);
      return list.length > 0 && list[0].state === 'SUCCEEDED' ? list : null;
    },
    { what: 'a successful delivery', timeoutMs: 60_000 },
  );
  expect(delivery).toMatchObject({ eventType: 'deskgraph.ticket.created.v1', attempts: 3, lastStatus: 200 });
  const requests = receiver.requests.filter((request) => request.path === '/crm');
  expect(requests).toHaveLength(3);
  for (const request of requests) {
    expect(
      verifyWebhookSignature(secret!, request.body, String(request.headers['x-deskgraph-signature'])),
    ).toBe(true);
    expect(request.headers['x-deskgraph-event-id']).toBe(delivery.eventId);
  }
  expect(JSON.parse(requests[0].body)).toMatchObject({
    type: 'deskgraph.ticket.created.v1',
    data: { ticketId: ticket.id },
  });
  expect(
    verifyWebhookSignature(
      'whsec_wrong',
      requests[0].body,
      String(requests[0].headers['x-deskgraph-signature']),
    ),
  ).toBe(false);
  // Only the general queue's ticket: the other queue's was filtered out.
  expect(await deliveries(endpoint.id)).toHaveLength(1);
});

/** Robot requests whose signature or format the receiver refused, by path. */
const refusedRobotRequests: string[] = [];

/** WECOM, DINGTALK and FEISHU robots as the vendors document them: format and signature checked, code 0 only when both are right. */
function robotReceiver(format: 'WECOM' | 'DINGTALK' | 'FEISHU') {
  return (_count: number, request: ReceivedRequest) => {
    const ok = robotRequestValid(format, request);
    if (!ok) refusedRobotRequests.push(request.path);
    const refusal = { WECOM: '{"errcode":40008}', DINGTALK: '{"errcode":310000}', FEISHU: '{"code":19021}' }[
      format
    ];
    return {
      status: 200,
      body: ok ? (format === 'FEISHU' ? '{"code":0}' : '{"errcode":0,"errmsg":"ok"}') : refusal,
    };
  };
}

function robotRequestValid(format: 'WECOM' | 'DINGTALK' | 'FEISHU', request: ReceivedRequest): boolean {
  const url = new URL(request.path, 'http://x');
  const body = JSON.parse(request.body) as Record<string, unknown>;
  const textBody = (value: unknown) =>
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { content?: unknown }).content === 'string';
  const fresh = (ms: number) => Math.abs(Date.now() - ms) < 3_600_000;
  if (format === 'WECOM') {
    return url.searchParams.get('key') === 'abc' && body.msgtype === 'text' && textBody(body.text);
  }
  if (format === 'DINGTALK') {
    const timestamp = url.searchParams.get('timestamp') ?? '';
    const expected = createHmac('sha256', DINGTALK_SECRET)
      .update(`${timestamp}\n${DINGTALK_SECRET}`)
      .digest('base64');
    return (
      url.searchParams.get('access_token') === 'abc' &&
      fresh(Number(timestamp)) &&
      url.searchParams.get('sign') === expected &&
      body.msgtype === 'text' &&
      textBody(body.text)
    );
  }
  const timestamp = String(body.timestamp);
  const expected = createHmac('sha256', `${timestamp}\n${FEISHU_SECRET}`).update('').digest('base64');
  const content = body.content as { text?: unknown } | undefined;
  return (
    fresh(Number(timestamp) * 1000) &&
    body.sign === expected &&
    body.msg_type === 'text' &&
    typeof content?.text === 'string'
  );
}

async function createRobots(prefix: string, extra: Record<string, unknown> = {}) {
  behaviour[`/${prefix}-wecom`] = robotReceiver('WECOM');
  behaviour[`/${prefix}-dingtalk`] = robotReceiver('DINGTALK');
  behaviour[`/${prefix}-feishu`] = robotReceiver('FEISHU');
  return {
    [`/${prefix}-wecom`]: await createEndpoint({
      name: 'WeCom',
      url: `${receiver.url}/${prefix}-wecom?key=abc`,
      format: 'WECOM',
      ...extra,
    }),
    [`/${prefix}-dingtalk`]: await createEndpoint({
      name: 'DingTalk',
      url: `${receiver.url}/${prefix}-dingtalk?access_token=abc`,
      format: 'DINGTALK',
      secret: DINGTALK_SECRET,
      ...extra,
    }),
    [`/${prefix}-feishu`]: await createEndpoint({
      name: 'Feishu',
      url: `${receiver.url}/${prefix}-feishu/hook`,
      format: 'FEISHU',
      secret: FEISHU_SECRET,
      ...extra,
    }),
  };
}

/** The text each robot request to `path` carried, in arrival order. */
function robotTexts(path: string): string[] {
  return receiver.requests
    .filter((request) => request.path.startsWith(path))
    .map((request) => {
      const body = JSON.parse(request.body);
      return (body.text?.content ?? body.content?.text) as string;
    });
}

it('should page WeCom, DingTalk and Feishu robots in their signed formats for a P0 ticket', async () => {
  const robots = await createRobots('p0');
  const ticket = await createTicket('支付系统宕机', { priority: 'P0' });
  for (const robot of Object.values(robots)) {
    const [delivery] = await eventually(
      async () => {
        const list = await deliveries(robot.endpoint.id);
        return list.some((entry) => entry.state === 'SUCCEEDED') ? list : null;
      },
      { what: 'robot delivery', timeoutMs: 60_000 },
    );
    expect(delivery.eventType).toBe('deskgraph.ticket.duty_manager_notified.v1');
    expect(delivery.attempts).toBe(1);
  }
  for (const path of Object.keys(robots)) {
    const [text] = robotTexts(path);
    for (const part of [
      '值班',
      ticket.number,
      '支付系统宕机',
      'P0',
      'general',
      `https://desk.example.com/tickets/${ticket.number}`,
    ]) {
      expect(text).toContain(part);
    }
  }
});

it('should disable an endpoint after its run of failures, log the failed deliveries, and replay one once enabled again', async () => {
  let up = false;
  behaviour['/down'] = () => (up ? { status: 204 } : { status: 503, body: 'x'.repeat(10_000) });
  const { endpoint } = await createEndpoint({
    name: 'Down',
    url: `${receiver.url}/down`,
    eventTypes: ['deskgraph.ticket.created.v1'],
  });
  await createTicket('Fails one');
  await createTicket('Fails two');
  const state = await eventually(
    async () => {
      const data = await graphqlOk(
        stack.gatewayUrl,
        `{ webhookEndpoints { id enabled consecutiveFailures disabledReason } }`,
        {},
        admin,
      );
      const found = data.webhookEndpoints.find((entry: { id: string }) => entry.id === endpoint.id);
      return found.enabled ? null : found;
    },
    { what: 'endpoint disabled', timeoutMs: 60_000 },
  );
  // An attempt already under way when the fifth failed may add a sixth.
  expect(state.consecutiveFailures).toBeGreaterThanOrEqual(5);
  expect(state.disabledReason).toMatch(/disabled after [56] failed attempts in a row/);
  const log = await eventually(
    async () => {
      const list = await deliveries(endpoint.id);
      return list.every((entry) => entry.state !== 'PENDING') ? list : null;
    },
    { what: 'deliveries settled', timeoutMs: 60_000 },
  );
  const failed = log.filter((entry) => entry.state === 'FAILED');
  expect(failed.length).toBeGreaterThanOrEqual(1);
  expect(failed[0]).toMatchObject({ lastStatus: 503 });
  expect(failed[0].lastError.length).toBeLessThan(400);
  const events = await db.query(
    `SELECT payload FROM channels.outbox WHERE event_type = 'deskgraph.channels.webhook_delivery_failed.v1'`,
  );
  expect(events.rows.some((row) => row.payload.data.endpointId === endpoint.id)).toBe(true);

  up = true;
  await graphqlOk(
    stack.gatewayUrl,
    `mutation($input: UpdateWebhookEndpointInput!) { updateWebhookEndpoint(input: $input) { enabled consecutiveFailures } }`,
    { input: { id: endpoint.id, enabled: true } },
    admin,
  );
  const replay = await graphqlOk(
    stack.gatewayUrl,
    `mutation($id: ID!) { replayWebhookDelivery(id: $id) { id replayOf state } }`,
    { id: failed[0].id },
    admin,
  );
  expect(replay.replayWebhookDelivery).toMatchObject({ replayOf: failed[0].id, state: 'PENDING' });
  await eventually(
    async () => {
      const list = await deliveries(endpoint.id);
      return list.find((entry) => entry.id === replay.replayWebhookDelivery.id)?.state === 'SUCCEEDED';
    },
    { what: 'replay delivered', timeoutMs: 60_000 },
  );
});

it('should give up on a receiver that does not answer within the timeout', async () => {
  behaviour['/slow'] = () => ({ status: 200, hang: true });
  const { endpoint } = await createEndpoint({
    name: 'Slow',
    url: `${receiver.url}/slow`,
    eventTypes: ['deskgraph.ticket.created.v1'],
  });
  await createTicket('Slow receiver');
  const [delivery] = await eventually(
    async () => {
      const list = await deliveries(endpoint.id);
      return list[0]?.state === 'FAILED' ? list : null;
    },
    { what: 'timed-out delivery', timeoutMs: 60_000 },
  );
  expect(delivery).toMatchObject({ attempts: 3, lastStatus: null });
  expect(delivery.lastError).toContain('timed out');
});

it('should refuse private, loopback and link-local receivers not on the allow-list', async () => {
  for (const url of [
    'http://169.254.169.254/latest/meta-data',
    'http://10.0.0.1/hook',
    'http://[::1]:8080/hook',
    'http://127.0.0.2/hook',
  ]) {
    const response = await graphqlRequest(
      stack.gatewayUrl,
      `mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { endpoint { id } } }`,
      { input: { name: 'Bad', url } },
      admin,
    );
    expect(response.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      reason: 'WEBHOOK_ADDRESS_FORBIDDEN',
    });
  }
});

it('should refuse unknown event types and non-admins', async () => {
  const bad = await graphqlRequest(
    stack.gatewayUrl,
    `mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { endpoint { id } } }`,
    { input: { name: 'Typo', url: `${receiver.url}/x`, eventTypes: ['deskgraph.ticket.creatd.v1'] } },
    admin,
  );
  expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  expect(bad.errors?.[0]?.message).toContain('deskgraph.ticket.creatd.v1');
  const agent = await testToken({ userId: 'agent-1', roles: ['agent'], queueIds: ['general'] });
  const refused = await graphqlRequest(stack.gatewayUrl, `{ webhookEndpoints { id } }`, {}, agent);
  expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
});

// Last: it shortens the P1 first-response target for the rest of the stack's life.
it('should page the robots, signed, for the SLA warning, the breach and the escalation the breach causes', async () => {
  const robots = await createRobots('sla', { queueIds: ['second'] });
  const { slaPolicyVersions } = await graphqlOk(
    stack.gatewayUrl,
    `{ slaPolicyVersions { definition } }`,
    {},
    admin,
  );
  const current = slaPolicyVersions.at(-1).definition as {
    calendarId: string;
    rules: { target: string; priority?: string; minutes: number }[];
  };
  // P1 first response in 3 s, warned at half of it: the real SLA timers fire within the test.
  const rules = current.rules.map((rule) =>
    rule.target === 'FIRST_RESPONSE' && rule.priority === 'P1' ? { ...rule, minutes: 0.05 } : rule,
  );
  await graphqlOk(
    stack.gatewayUrl,
    `mutation($input: SlaPolicyInput!) { setSlaPolicy(input: $input) { version } }`,
    { input: { calendarId: current.calendarId, warningShare: 0.5, rules } },
    admin,
  );
  const ticket = await createTicket('退款接口超时', { priority: 'P1', queueId: 'second' });
  const expectedTypes = [
    'deskgraph.sla.clock_breached.v1',
    'deskgraph.sla.clock_warned.v1',
    'deskgraph.ticket.duty_manager_notified.v1',
    'deskgraph.ticket.escalated.v1',
  ];
  for (const robot of Object.values(robots)) {
    const log = await eventually(
      async () => {
        const list = await deliveries(robot.endpoint.id);
        return list.filter((entry) => entry.state === 'SUCCEEDED').length >= expectedTypes.length
          ? list
          : null;
      },
      { what: 'SLA pages delivered', timeoutMs: 90_000 },
    );
    expect(log.map((entry) => entry.eventType).sort()).toEqual(expectedTypes);
    expect(log.every((entry) => entry.state === 'SUCCEEDED')).toBe(true);
  }
  // Signed right every time: a robot answers a bad signature with a non-zero code. (A retry after a
  // timeout on a loaded machine is allowed; it repeats the same page.)
  expect(refusedRobotRequests).toEqual([]);
  for (const path of Object.keys(robots)) {
    const texts = [...new Set(robotTexts(path))];
    expect(texts).toHaveLength(expectedTypes.length);
    for (const headline of [
      /^【SLA 预警】首次响应即将超时/,
      /^【SLA 超时】首次响应已超时/,
      /^【工单升级】纵向升级：/,
      /^【值班提醒】P1 /,
    ]) {
      expect(texts.filter((text) => headline.test(text))).toHaveLength(1);
    }
    for (const text of texts) {
      for (const part of [
        `工单：${ticket.number}`,
        '标题：退款接口超时',
        '优先级：P1',
        '队列：second',
        `链接：https://desk.example.com/tickets/${ticket.number}`,
      ]) {
        expect(text).toContain(part);
      }
    }
  }
});
