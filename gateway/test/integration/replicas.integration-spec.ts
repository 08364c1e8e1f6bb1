import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createServer, Socket, type Server } from 'node:net';
import type { FormattedExecutionResult } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import { Kafka, logLevel } from 'kafkajs';
import WebSocket from 'ws';
import { namespaced, TOPICS } from '@deskgraph/events';
import {
  dropDatabase,
  ensureAllTopics,
  ensureDatabase,
  eventually,
  freePort,
  ManagedProcess,
  repositoryRoot,
  runMigrations,
  serviceScript,
  splitDatabaseUrl,
  SUBGRAPH_NAMES,
  TEST_JWT_SECRET,
  TEST_SHARED_SECRET,
  testRedisUrl,
  testToken,
  type SubgraphName,
  type TestIdentity,
} from '@deskgraph/infra';
import { databaseModel, kafkaModel, parseEnvironment } from '@deskgraph/platform';

// Every subgraph runs twice and the gateway twice, behind round-robin TCP
// proxies (what a Kubernetes Service does). Under load, one replica of each
// subgraph and one gateway are killed with SIGKILL. Afterwards nothing
// accepted is lost or applied twice, no SLA timer fires twice, the killed
// gateway's subscribers get every update they missed from the other gateway
// with `since`, and one user's rate limit holds across both gateways.

const TICKETS = 36;
const WORKERS = 6;
const KILL_AFTER = 12;
const RATE_BURST = 60;

/**
 * Round-robin TCP proxy: each new connection goes to the next backend; a
 * backend that refuses the connection is skipped, as a load balancer's health
 * check would. A connection whose backend dies is closed on the client side too.
 */
async function roundRobinProxy(backends: number[]): Promise<{ port: number; close(): Promise<void> }> {
  let next = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    client.pause();
    sockets.add(client);
    client.on('error', () => undefined);
    client.on('close', () => sockets.delete(client));
    const attempt = (tried: number) => {
      if (tried >= backends.length || client.destroyed) {
        client.destroy();
        return;
      }
      const port = backends[next++ % backends.length];
      const upstream = new Socket();
      let connected = false;
      upstream.on('error', () => {
        if (connected) client.destroy();
        else attempt(tried + 1);
      });
      upstream.connect(port, '127.0.0.1', () => {
        connected = true;
        sockets.add(upstream);
        upstream.on('close', () => {
          sockets.delete(upstream);
          client.destroy();
        });
        client.on('close', () => upstream.destroy());
        client.pipe(upstream).pipe(client);
        client.resume();
      });
    };
    attempt(0);
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}

interface Update {
  kind: string;
  at: string;
  eventId: string;
  ticketId: string | null;
}

/**
 * A queue subscriber as a frontend holds one: on a dropped socket it
 * reconnects (through the front proxy) with the `at` of the last update it
 * saw as `since`, and drops replayed updates it already has by eventId.
 */
class Subscriber {
  readonly updates = new Map<string, Update>();
  readonly delivered: Update[] = [];
  readonly reconnects: { closedAt: number; code?: number; connectedAt?: number; firstUpdateAt?: number }[] =
    [];
  resyncs = 0;
  /** Updates that happened before the connection they came on (missed while away, then replayed). */
  replayed = 0;
  private client: Client | null = null;
  private stopped = false;

  constructor(
    private readonly token: string,
    private firstUrl: string,
    private readonly reconnectUrl: string,
  ) {}

  start(since?: string): void {
    const reconnect = this.reconnects.at(-1);
    const client = createClient({
      url: this.client ? this.reconnectUrl : this.firstUrl,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${this.token}` },
      retryAttempts: 0,
      on: {
        connected: () => {
          if (reconnect && !reconnect.connectedAt) reconnect.connectedAt = Date.now();
        },
        closed: (event) => {
          if (this.stopped || this.client !== client) return;
          this.reconnects.push({ closedAt: Date.now(), code: (event as { code?: number }).code });
          const last = this.delivered.at(-1);
          // A client's reconnect back-off: the updates of these 2 s must come from the replay.
          setTimeout(() => this.start(last?.at), 2_000);
        },
      },
    });
    this.client = client;
    const sinceArg = since ? `, since: "${since}"` : '';
    client.subscribe(
      {
        query: `subscription { queueUpdates(queueIds: ["general"]${sinceArg}) { kind at eventId ticketId } }`,
      },
      {
        next: (result: FormattedExecutionResult<{ queueUpdates: Update }>) => {
          const update = result.data?.queueUpdates;
          if (!update) return;
          if (reconnect && !reconnect.firstUpdateAt) reconnect.firstUpdateAt = Date.now();
          if (update.kind === 'RESYNC_REQUIRED') {
            this.resyncs++;
            return;
          }
          // New to this client and older than the connection it came on: missed while away.
          const missed = reconnect?.connectedAt && Date.parse(update.at) < reconnect.connectedAt;
          if (missed && !this.updates.has(update.eventId)) this.replayed++;
          this.delivered.push(update);
          if (!this.updates.has(update.eventId)) this.updates.set(update.eventId, update);
        },
        error: () => undefined,
        complete: () => undefined,
      },
    );
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.client?.dispose();
  }

  kindsOf(ticketId: string): string[] {
    return [...this.updates.values()].filter((u) => u.ticketId === ticketId).map((u) => u.kind);
  }
}

interface Response<T> {
  status: number;
  body?: { data?: T | null; errors?: { message: string; extensions?: Record<string, unknown> }[] };
}

async function post<T>(
  url: string,
  token: string,
  query: string,
  variables: Record<string, unknown>,
  idempotencyKey?: string,
): Promise<Response<T>> {
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${token}`,
        ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}),
      },
      body: JSON.stringify({ query, variables }),
      signal: AbortSignal.timeout(20_000),
    });
    return { status: response.status, body: (await response.json()) as Response<T>['body'] };
  } catch {
    return { status: 0 }; // connection reset by a dying replica: the client cannot tell what happened
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the test reads event data of several types
type Event = { id: string; type: string; data: any };

/** Reads every event of a topic (from the beginning up to its current end) with a throwaway group. */
async function readTopic(kafka: Kafka, topic: string): Promise<Event[]> {
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map(
    (await admin.fetchTopicOffsets(topic)).map(({ partition, high }) => [partition, BigInt(high)]),
  );
  await admin.disconnect();
  const remaining = new Set([...ends].filter(([, high]) => high > 0n).map(([partition]) => partition));
  const events: Event[] = [];
  if (remaining.size === 0) return events;
  const consumer = kafka.consumer({ groupId: `replicas-check-${randomUUID()}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await new Promise<void>((resolve) => {
    void consumer.run({
      eachMessage: async ({ partition, message }) => {
        events.push(JSON.parse(message.value!.toString('utf8')));
        if (BigInt(message.offset) >= ends.get(partition)! - 1n) remaining.delete(partition);
        if (remaining.size === 0) resolve();
      },
    });
  });
  await consumer.disconnect();
  return events;
}

function countBy<T>(items: T[], key: (item: T) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
}

describe('every process twice, one of each killed under load', () => {
  const { database, kafka: kafkaConfig } = parseEnvironment({ database: databaseModel, kafka: kafkaModel });
  const suffix = randomBytes(4).toString('hex');
  const namespace = `rep${suffix}`;
  const databaseName = `deskgraph_rep_${suffix}`;
  const { serverUrl } = splitDatabaseUrl(database.url);
  const logDir = join(repositoryRoot, '.deskgraph', 'test-logs', namespace);
  const kafka = new Kafka({
    clientId: 'replicas-test',
    brokers: kafkaConfig.brokers,
    logLevel: logLevel.NOTHING,
  });
  const subgraphs = {} as Record<SubgraphName, ManagedProcess[]>;
  const gateways: ManagedProcess[] = [];
  const gatewayPorts: number[] = [];
  const proxies: { close(): Promise<void> }[] = [];
  let frontUrl = '';

  beforeAll(async () => {
    const databaseUrl = await ensureDatabase(serverUrl, databaseName);
    runMigrations(databaseUrl);
    await ensureAllTopics(kafkaConfig.brokers.join(','), namespace);
    const common = {
      DATABASE_URL: databaseUrl,
      KAFKA_BROKERS: kafkaConfig.brokers.join(','),
      KAFKA_NAMESPACE: namespace,
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      JWT_SECRET: TEST_JWT_SECRET,
      GATEWAY_SHARED_SECRET: TEST_SHARED_SECRET,
      HOST: '127.0.0.1',
    };
    const subgraphUrls: string[] = [];
    const proxyUrls: Partial<Record<(typeof SUBGRAPH_NAMES)[number], string>> = {};
    for (const name of SUBGRAPH_NAMES) {
      const ports = [await freePort(), await freePort()];
      // Channels listens for mail too (one port per replica) and calls tickets through its proxy.
      const channelsEnv = async (port: number) => ({
        SMTP_PORT: String(await freePort()),
        SMTP_HOST: '127.0.0.1',
        TICKETS_URL: proxyUrls.tickets ?? '',
        CHANNELS_PUBLIC_URL: `http://127.0.0.1:${port}`,
      });
      const extra = await Promise.all(ports.map((port) => (name === 'channels' ? channelsEnv(port) : {})));
      subgraphs[name] = ports.map(
        (port, index) =>
          new ManagedProcess({
            name: `${name}-${index + 1}`,
            script: serviceScript(name),
            env: { ...common, PORT: String(port), ...extra[index] },
            logFile: join(logDir, `${name}-${index + 1}.log`),
            readyUrl: `http://127.0.0.1:${port}/health/ready`,
            readyTimeoutMs: 300_000,
          }),
      );
      const proxy = await roundRobinProxy(ports);
      proxies.push(proxy);
      proxyUrls[name] = `http://127.0.0.1:${proxy.port}/graphql`;
      subgraphUrls.push(`${name}=${proxyUrls[name]}`);
    }
    mkdirSync(logDir, { recursive: true });
    // One at a time: ten Node processes starting at once on a small machine time out.
    for (const name of SUBGRAPH_NAMES) for (const replica of subgraphs[name]) await replica.start();
    for (let index = 0; index < 2; index++) {
      const port = await freePort();
      gatewayPorts.push(port);
      const gateway = new ManagedProcess({
        name: `gateway-${index + 1}`,
        script: serviceScript('gateway'),
        env: {
          ...common,
          PORT: String(port),
          SUBGRAPH_URLS: subgraphUrls.join(','),
          REDIS_URL: testRedisUrl(),
          REDIS_KEY_PREFIX: `${namespace}:`,
          RATE_LIMIT_BURST: String(RATE_BURST),
          RATE_LIMIT_PER_SECOND: '1',
        },
        logFile: join(logDir, `gateway-${index + 1}.log`),
        readyUrl: `http://127.0.0.1:${port}/health/ready`,
        readyTimeoutMs: 300_000,
      });
      gateways.push(gateway);
      await gateway.start();
    }
    const front = await roundRobinProxy(gatewayPorts);
    proxies.push(front);
    frontUrl = `http://127.0.0.1:${front.port}/graphql`;
  }, 1_200_000);

  afterAll(async () => {
    for (const gateway of gateways) await gateway.close();
    for (const name of SUBGRAPH_NAMES) for (const replica of subgraphs[name] ?? []) await replica.close();
    for (const proxy of proxies) await proxy.close();
    await dropDatabase(serverUrl, databaseName).catch(() => undefined);
  }, 120_000);

  it('should lose nothing, double nothing and replay every missed update when one replica of each process is killed', async () => {
    const gatewayUrl = (index: number) => `http://127.0.0.1:${gatewayPorts[index]}/graphql`;
    const token = (identity: TestIdentity) => testToken({ expiresIn: '1h', ...identity });
    const admin = await token({ userId: 'admin-1', roles: ['admin'], queueIds: ['general'] });

    // P0 first response in 15 s, warned at half: timers fall due while processes die.
    const policy = await post<{
      slaPolicyVersions: {
        definition: { rules: { target: string; priority?: string; minutes: number }[] };
      }[];
    }>(frontUrl, admin, '{ slaPolicyVersions { definition } }', {});
    expect(policy.body?.errors).toBeUndefined();
    const current = policy.body!.data!.slaPolicyVersions.at(-1)!.definition;
    const rules = current.rules.map((rule) =>
      rule.target === 'FIRST_RESPONSE' && rule.priority === 'P0' ? { ...rule, minutes: 0.25 } : rule,
    );
    const set = await post(
      frontUrl,
      admin,
      'mutation($input: SlaPolicyInput!) { setSlaPolicy(input: $input) { version } }',
      { input: { calendarId: 'default', warningShare: 0.5, rules } },
    );
    expect(set.body?.errors).toBeUndefined();

    // Subscribers held on each gateway directly.
    const supervisor = await token({ userId: 'sup-1', roles: ['supervisor'], queueIds: ['general'] });
    const onKilled = new Subscriber(
      supervisor,
      gatewayUrl(0).replace(/^http/, 'ws'),
      frontUrl.replace(/^http/, 'ws'),
    );
    const onSurvivor = new Subscriber(
      supervisor,
      gatewayUrl(1).replace(/^http/, 'ws'),
      frontUrl.replace(/^http/, 'ws'),
    );
    onKilled.start();
    onSurvivor.start();

    // Per-user limit across both gateways: one budget, not two.
    const limited = await token({ userId: `limit-${suffix}`, roles: ['agent'], queueIds: ['general'] });
    const limitResults: number[] = [];
    for (let index = 0; index < RATE_BURST + 20; index++) {
      const response = await post(gatewayUrl(index % 2), limited, '{ __typename }', {});
      limitResults.push(response.status);
    }
    const allowed = limitResults.filter((status) => status === 200).length;
    const refused = limitResults.filter((status) => status === 429).length;

    // Load: workers create P0 tickets and reply to every other one, retrying with their idempotency keys.
    const accepted: { ticketId: string; key: string; replied: boolean }[] = [];
    let attempts = 0;
    let failedAttempts = 0;
    let killedAt = 0;
    const loadStartedAt = Date.now();
    const killed = (async () => {
      await eventually(async () => accepted.length >= KILL_AFTER, {
        timeoutMs: 300_000,
        what: 'load before the kill',
      });
      killedAt = Date.now();
      await Promise.all([...SUBGRAPH_NAMES.map((name) => subgraphs[name][0].kill()), gateways[0].kill()]);
    })();
    const until = async <T>(send: () => Promise<Response<T>>): Promise<T> => {
      const deadline = Date.now() + 180_000;
      for (;;) {
        attempts++;
        const response = await send();
        if (response.status === 200 && response.body?.data && !response.body.errors?.length) {
          return response.body.data;
        }
        failedAttempts++;
        if (Date.now() > deadline) throw new Error(`gave up: ${JSON.stringify(response.body)}`);
        const retryAfterMs = response.body?.errors?.[0]?.extensions?.retryAfterMs;
        await new Promise((resolve) =>
          setTimeout(resolve, typeof retryAfterMs === 'number' ? retryAfterMs : 250),
        );
      }
    };
    let nextTicket = 0;
    await Promise.all(
      Array.from({ length: WORKERS }, async (_, worker) => {
        const agent = await token({ userId: `agent-${worker}`, roles: ['agent'], queueIds: ['general'] });
        while (nextTicket < TICKETS) {
          const index = nextTicket++;
          const key = randomUUID();
          const created = await until<{ createTicket: { id: string } }>(() =>
            post(
              frontUrl,
              agent,
              `mutation($input: CreateTicketInput!) { createTicket(input: $input) { id } }`,
              {
                input: {
                  title: `replica load ${suffix} #${index}`,
                  description: 'Checkout fails for every customer.',
                  channel: 'PHONE',
                  queueId: 'general',
                  priority: 'P0',
                  customer: { id: `C-${index}`, name: `Customer ${index}` },
                },
              },
              key,
            ),
          );
          const ticketId = created.createTicket.id;
          const replied = index % 2 === 0;
          if (replied) {
            const replyKey = randomUUID();
            await until(() =>
              post(
                frontUrl,
                agent,
                `mutation($input: ReplyInput!) { replyToTicket(input: $input) { message { id } } }`,
                { input: { ticketId, body: 'Hello, we are on it. Regards' } },
                replyKey,
              ),
            );
          }
          accepted.push({ ticketId, key, replied });
        }
      }),
    );
    await killed;
    const loadEndedAt = Date.now();

    // Unreplied P0 tickets breach 15 s after creation; the survivor's subscriber sees every event.
    const unreplied = accepted.filter((ticket) => !ticket.replied);
    await eventually(
      async () =>
        accepted.every((ticket) => onSurvivor.kindsOf(ticket.ticketId).includes('CREATED')) &&
        accepted
          .filter((ticket) => ticket.replied)
          .every((ticket) => onSurvivor.kindsOf(ticket.ticketId).includes('REPLIED')) &&
        unreplied.every((ticket) => onSurvivor.kindsOf(ticket.ticketId).includes('SLA_BREACHED')),
      {
        timeoutMs: 240_000,
        intervalMs: 500,
        what: 'every accepted change and breach on the surviving gateway',
      },
    );
    const ours = new Set(accepted.map((ticket) => ticket.ticketId));
    const expected = [...onSurvivor.updates.values()].filter((u) => u.ticketId && ours.has(u.ticketId));
    await eventually(async () => expected.every((u) => onKilled.updates.has(u.eventId)), {
      timeoutMs: 120_000,
      intervalMs: 500,
      what: "the killed gateway's subscriber to hold every update",
    }).catch(() => undefined);
    const missing = expected.filter((u) => !onKilled.updates.has(u.eventId));

    // What Kafka holds: one creation and at most one reply per accepted ticket, one firing per timer.
    const ticketTopic = await readTopic(kafka, namespaced(namespace, TOPICS.tickets));
    const ticketEvents = ticketTopic.filter((event) => event.data?.ticketId && ours.has(event.data.ticketId));
    const distinct = <T extends { id: string }>(events: T[]) => [
      ...new Map(events.map((e) => [e.id, e])).values(),
    ];
    const created = distinct(ticketEvents.filter((event) => event.type === 'deskgraph.ticket.created.v1'));
    const replies = distinct(ticketEvents.filter((event) => event.type === 'deskgraph.ticket.replied.v1'));
    const allCreated = distinct(
      ticketTopic.filter(
        (event) =>
          event.type === 'deskgraph.ticket.created.v1' &&
          String(event.data?.title ?? '').startsWith(`replica load ${suffix}`),
      ),
    );
    const slaEvents = distinct(
      (await readTopic(kafka, namespaced(namespace, TOPICS.sla))).filter(
        (event) =>
          ['deskgraph.sla.clock_warned.v1', 'deskgraph.sla.clock_breached.v1'].includes(event.type) &&
          ours.has(event.data?.ticketId),
      ),
    );
    const firings = countBy(slaEvents, (event) => `${event.data.clockId}:${event.type}`);
    const breachedTickets = countBy(
      slaEvents.filter(
        (event) => event.type === 'deskgraph.sla.clock_breached.v1' && event.data.target === 'FIRST_RESPONSE',
      ),
      (event) => event.data.ticketId,
    );
    const breaches = [...breachedTickets.values()].reduce((sum, count) => sum + count, 0);

    // Every accepted ticket is there, through the surviving processes, with its reply.
    const reader = await token({ userId: 'sup-2', roles: ['supervisor'], queueIds: ['general'] });
    const stored: { ticketId: string; replied: boolean; found: { messages: { id: string }[] } | null }[] = [];
    for (const ticket of accepted) {
      const data = await until<{ ticket: { id: string; messages: { id: string }[] } | null }>(() =>
        post(frontUrl, reader, 'query($id: ID!) { ticket(id: $id) { id messages { id } } }', {
          id: ticket.ticketId,
        }),
      );
      stored.push({ ...ticket, found: data.ticket });
    }

    // From the first drop to the first connection (and the first update) on the surviving gateway.
    const firstDrop = onKilled.reconnects[0]?.closedAt;
    const connected = onKilled.reconnects.find((attempt) => attempt.connectedAt);
    const firstUpdate = onKilled.reconnects.find((attempt) => attempt.firstUpdateAt);
    const figures = {
      processes: { subgraphs: SUBGRAPH_NAMES.length * 2, gateways: 2, killed: SUBGRAPH_NAMES.length + 1 },
      tickets: { accepted: accepted.length, created: allCreated.length, replied: replies.length },
      requests: { attempts, failedAttempts },
      load: { ms: loadEndedAt - loadStartedAt, killedAfterMs: killedAt - loadStartedAt },
      sla: {
        firings: slaEvents.length,
        breaches,
        timersFiredTwice: [...firings.values()].filter((n) => n > 1).length,
      },
      subscribers: {
        survivorUpdates: expected.length,
        killedGatewaySubscriberUpdates: [...onKilled.updates.values()].filter(
          (u) => u.ticketId && ours.has(u.ticketId),
        ).length,
        missing: missing.length,
        resyncs: onKilled.resyncs,
        reconnects: onKilled.reconnects.length,
        closeCodes: onKilled.reconnects.map((attempt) => attempt.code),
        reconnectGapMs: firstDrop && connected ? connected.connectedAt! - firstDrop : null,
        firstUpdateAfterDropMs: firstDrop && firstUpdate ? firstUpdate.firstUpdateAt! - firstDrop : null,
        replayed: onKilled.replayed,
        redeliveredAtSince: onKilled.delivered.length - onKilled.updates.size,
      },
      rateLimit: { burst: RATE_BURST, requests: limitResults.length, allowed, refused },
    };
    // The lead quotes these figures in the README (Running at scale).
    console.log(`replica test figures: ${JSON.stringify(figures)}`);

    await onKilled.stop();
    await onSurvivor.stop();

    // Nothing accepted lost.
    expect(stored.filter((ticket) => !ticket.found)).toEqual([]);
    expect(stored.filter((ticket) => ticket.replied && ticket.found!.messages.length !== 1)).toEqual([]);
    // Nothing applied twice: one ticket per idempotency key, one creation and one reply event each.
    expect(allCreated).toHaveLength(TICKETS);
    expect(created).toHaveLength(TICKETS);
    expect(replies).toHaveLength(TICKETS / 2);
    expect([...countBy(replies, (event) => event.data.ticketId).values()].every((n) => n === 1)).toBe(true);
    // No SLA timer fired twice, and timers did fire.
    expect(unreplied.filter((ticket) => breachedTickets.get(ticket.ticketId) !== 1)).toEqual([]);
    expect([...firings.entries()].filter(([, count]) => count !== 1)).toEqual([]);
    // The killed gateway's subscriber came back through the other one and missed nothing.
    expect(onKilled.reconnects.length).toBeGreaterThanOrEqual(1);
    expect(onKilled.resyncs).toBe(0);
    expect(onKilled.replayed).toBeGreaterThan(0);
    expect(missing).toEqual([]);
    // One budget per user across both gateways.
    expect({ allowed, refused }).toEqual({ allowed: RATE_BURST, refused: 20 });
  }, 900_000);
});
