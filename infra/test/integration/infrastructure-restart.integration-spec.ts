import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Client as PgClient } from 'pg';
import {
  ensureAllTopics,
  freePort,
  graphqlRequest,
  repositoryRoot,
  runMigrations,
  startPrivateKafka,
  startPrivatePostgres,
  startStack,
  SUBGRAPH_NAMES,
  TEST_JWT_SECRET,
  TEST_SHARED_SECRET,
  testToken,
  type PrivateKafka,
  type PrivatePostgres,
  type ProcessName,
  type RunningStack,
} from '../../src';

const PROCESS_NAMES: ProcessName[] = [...SUBGRAPH_NAMES, 'gateway'];
/** What an orchestrator waits for a readiness answer. */
const PROBE_TIMEOUT_MS = 1_000;

const CREATE_TICKET = `mutation($input: CreateTicketInput!) { createTicket(input: $input) { id } }`;

interface ProbeAnswer {
  process: ProcessName;
  at: number;
  ready: boolean;
  /** No answer within PROBE_TIMEOUT_MS. */
  timedOut: boolean;
  ms: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until<T>(check: () => Promise<T | undefined>, what: string, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

/**
 * The whole graph on a Kafka and a PostgreSQL of this test's own (restarting
 * the shared ones would break every other test), under a steady stream of
 * createTicket mutations. The broker is stopped for about 15 s, then
 * PostgreSQL for about 10 s; nothing is restarted by hand.
 */
describe('whole graph while Kafka and then PostgreSQL restart under load', () => {
  let kafka: PrivateKafka;
  let postgres: PrivatePostgres;
  let stack: RunningStack;
  let agentToken: string;
  const answers: ProbeAnswer[] = [];
  let probing = true;
  let loading = true;
  // Set only by afterAll: a test that failed half-way must not leave the load running.
  let abandoned = false;
  let probes: Promise<void> | null = null;

  const readyUrl = (name: ProcessName) =>
    (name === 'gateway' ? stack.gatewayUrl : stack.subgraphUrls[name]).replace(/\/graphql$/, '/health/ready');

  async function probeLoop(name: ProcessName): Promise<void> {
    while (probing) {
      const at = Date.now();
      try {
        const response = await fetch(readyUrl(name), { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
        answers.push({ process: name, at, ready: response.ok, timedOut: false, ms: Date.now() - at });
      } catch (error) {
        const timedOut = (error as Error).name === 'TimeoutError';
        answers.push({ process: name, at, ready: false, timedOut, ms: Date.now() - at });
      }
      await sleep(200);
    }
  }

  /** When each process answered ready again for good after `since` and before `until` (ms after `since`). */
  function readyAgainAfter(since: number, until: number): Record<ProcessName, number> {
    return Object.fromEntries(
      PROCESS_NAMES.map((name) => {
        const own = answers.filter(
          (answer) => answer.process === name && answer.at >= since && answer.at < until,
        );
        const lastNotReady = own.reduce((last, answer) => (answer.ready ? last : answer.at), since);
        const firstReady = own.find((answer) => answer.ready && answer.at > lastNotReady);
        return [name, firstReady ? firstReady.at - since : Number.POSITIVE_INFINITY];
      }),
    ) as Record<ProcessName, number>;
  }

  async function allReady(): Promise<true | undefined> {
    const states = await Promise.all(
      PROCESS_NAMES.map((name) =>
        fetch(readyUrl(name), { signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) }).then(
          (response) => response.ok,
        ),
      ),
    );
    return states.every(Boolean) || undefined;
  }

  /** One query on a connection of its own: PostgreSQL restarts during the test and cuts any held one. */
  async function query<T>(sql: string): Promise<T[]> {
    const client = new PgClient({ connectionString: postgres.databaseUrl });
    client.on('error', () => undefined);
    await client.connect();
    try {
      return (await client.query(sql)).rows as T[];
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  /** Each subgraph's samples of one metric (one per label set), from its /metrics. */
  async function metricPerService(metric: string): Promise<Record<string, number[]>> {
    const entries = await Promise.all(
      SUBGRAPH_NAMES.map(async (name) => {
        const text = await (await fetch(stack.subgraphUrls[name].replace(/\/graphql$/, '/metrics'))).text();
        const samples = text
          .split('\n')
          .filter((line) => line.startsWith(`${metric}{`) || line.startsWith(`${metric} `))
          .map((line) => Number(line.split(' ').pop()));
        return [name, samples] as const;
      }),
    );
    return Object.fromEntries(entries);
  }

  const namespace = `r${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    const started = await Promise.allSettled([startPrivateKafka(), startPrivatePostgres()]);
    if (started[0].status === 'fulfilled') kafka = started[0].value;
    if (started[1].status === 'fulfilled') postgres = started[1].value;
    for (const result of started) if (result.status === 'rejected') throw result.reason;
    runMigrations(postgres.databaseUrl);
    await ensureAllTopics(kafka.brokers, namespace);
    const ports = await Promise.all([...SUBGRAPH_NAMES, 'gateway'].map(() => freePort()));
    stack = await startStack({
      databaseUrl: postgres.databaseUrl,
      kafkaBrokers: kafka.brokers,
      namespace,
      gatewayPort: ports[SUBGRAPH_NAMES.length],
      subgraphPorts: Object.fromEntries(SUBGRAPH_NAMES.map((name, index) => [name, ports[index]])) as never,
      logDir: join(repositoryRoot, '.deskgraph', 'test-logs', namespace),
      env: {
        NODE_ENV: 'test',
        LOG_LEVEL: 'info',
        JWT_SECRET: TEST_JWT_SECRET,
        GATEWAY_SHARED_SECRET: TEST_SHARED_SECRET,
      },
    });
    agentToken = await testToken({ roles: ['agent'], queueIds: ['general'] });
  }, 300_000);

  afterAll(async () => {
    loading = false;
    abandoned = true;
    probing = false;
    await probes;
    await stack?.stop();
    await Promise.all([kafka?.destroy(), postgres?.destroy()]);
  }, 120_000);

  it('should heal by itself, answer readiness at once, be ready within 5 s of each dependency and lose or double nothing', async () => {
    probes = Promise.all(PROCESS_NAMES.map(probeLoop)).then(() => undefined);
    // Each mutation carries an idempotency key and is retried with it until answered,
    // so every ticket the load meant to create exists exactly once in the end.
    let attempts = 0;
    let refused = 0;
    const accepted = new Set<string>();
    const load = (async () => {
      for (let index = 0; loading; index++) {
        const key = randomUUID();
        while (!abandoned) {
          attempts++;
          const response = await fetch(stack.gatewayUrl, {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              authorization: `Bearer ${agentToken}`,
              'idempotency-key': key,
            },
            body: JSON.stringify({
              query: CREATE_TICKET,
              variables: {
                input: {
                  title: `Restart load ${index}`,
                  description: 'created while Kafka and PostgreSQL restart',
                  channel: 'APP',
                  priority: index % 2 === 0 ? 'P1' : 'P2',
                  queueId: 'general',
                  customer: { id: 'C-1001', name: 'Li Lei' },
                },
              },
            }),
            signal: AbortSignal.timeout(10_000),
          })
            .then((answer) => answer.json() as Promise<{ data?: { createTicket?: { id: string } } }>)
            .catch(() => null);
          const id = response?.data?.createTicket?.id;
          if (id) {
            accepted.add(id);
            break;
          }
          refused++;
          await sleep(250);
        }
        await sleep(100);
      }
    })();
    await sleep(3_000);

    const kafkaDownAt = Date.now();
    await kafka.stop();
    await sleep(15_000);
    await kafka.start();
    // "Back" is when the broker coordinates groups again (it loads them after a restart).
    await kafka.waitForGroupCoordination();
    const kafkaBackAt = Date.now();
    await until(allReady, 'every process to be ready after Kafka came back');
    await sleep(3_000);

    const postgresDownAt = Date.now();
    await postgres.stop();
    await sleep(10_000);
    await postgres.start();
    const postgresBackAt = Date.now();
    await until(allReady, 'every process to be ready after PostgreSQL came back');
    await sleep(3_000);

    loading = false;
    await load;
    probing = false;
    await probes;

    // Each window ends where the next outage begins, so one outage's answers never count for the other.
    const afterKafka = readyAgainAfter(kafkaBackAt, postgresDownAt);
    const afterPostgres = readyAgainAfter(postgresBackAt, Number.POSITIVE_INFINITY);
    const slowestAnswer = Math.max(...answers.map((answer) => answer.ms));
    const consumersReady = await metricPerService('deskgraph_consumer_ready');
    const tickets = [...accepted];

    console.log(
      `infrastructure restart recovery ${JSON.stringify({
        kafkaDownMs: kafkaBackAt - kafkaDownAt,
        postgresDownMs: postgresBackAt - postgresDownAt,
        readyAfterKafkaMs: afterKafka,
        readyAfterPostgresMs: afterPostgres,
        slowestReadinessAnswerMs: slowestAnswer,
        consumersReady,
      })}`,
    );

    // Everything accepted reaches every consumer, once.
    const counts = await until(async () => {
      const rows = await query<Record<string, number>>(
        `SELECT
             (SELECT count(*)::int FROM tickets.tickets) AS tickets,
             (SELECT count(*)::int FROM tickets.outbox WHERE event_type = 'deskgraph.ticket.created.v1') AS events,
             (SELECT count(*)::int FROM tickets.outbox WHERE event_type = 'deskgraph.ticket.created.v1' AND published_at IS NULL) AS unpublished,
             (SELECT count(DISTINCT ticket_id)::int FROM sla.clocks) AS "clockTickets",
             (SELECT count(*)::int FROM sla.clocks) AS clocks,
             (SELECT count(*)::int FROM sla.processed_events WHERE event_type = 'deskgraph.ticket.created.v1') AS "slaProcessed"`,
      );
      const row = rows[0];
      return row.unpublished === 0 && row.clockTickets === row.tickets ? row : undefined;
    }, 'every ticket to have its SLA clocks');
    const analystToken = await testToken({ roles: ['analyst'], queueIds: ['general'] });
    const volume = await until(async () => {
      const response = await graphqlRequest<{ ticketVolume: { total: number } }>(
        stack.gatewayUrl,
        `query($period: PeriodInput!) { ticketVolume(period: $period) { total } }`,
        {
          period: {
            from: new Date(Date.now() - 3_600_000).toISOString(),
            to: new Date(Date.now() + 3_600_000).toISOString(),
          },
        },
        analystToken,
      );
      const total = response.data?.ticketVolume.total;
      return total === counts.tickets ? total : undefined;
    }, 'analytics to count every ticket');

    const figures = {
      ticketsAccepted: tickets.length,
      attempts,
      refusedOrUnanswered: refused,
      kafkaDownMs: kafkaBackAt - kafkaDownAt,
      postgresDownMs: postgresBackAt - postgresDownAt,
      readyAfterKafkaMs: afterKafka,
      readyAfterPostgresMs: afterPostgres,
      slowestReadinessAnswerMs: slowestAnswer,
      readinessAnswers: answers.length,
      counts: { ...counts, analyticsVolume: volume },
    };
    console.log(`infrastructure restart figures ${JSON.stringify(figures)}`);

    expect(answers.filter((answer) => answer.timedOut)).toEqual([]);
    const late = (readyAfter: Record<ProcessName, number>) =>
      Object.entries(readyAfter).filter(([, ms]) => ms > 5_000);
    expect(late(afterKafka)).toEqual([]);
    expect(late(afterPostgres)).toEqual([]);
    expect(consumersReady).toEqual(Object.fromEntries(SUBGRAPH_NAMES.map((name) => [name, [1]])));
    expect(counts.tickets).toBe(tickets.length);
    expect(counts.events).toBe(counts.tickets);
    expect(counts.slaProcessed).toBe(counts.tickets);
    expect(counts.clocks).toBe(2 * counts.tickets);
    expect(volume).toBe(counts.tickets);
  }, 600_000);
});
