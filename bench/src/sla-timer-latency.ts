import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { buildEvent, namespaced, TicketCreatedV1, TOPICS } from '@deskgraph/events';
import { graphqlOk, startTestStack, testToken } from '@deskgraph/infra';
import { createKafka, createLogger, createProducer, createServiceDataSource } from '@deskgraph/platform';
import { formatMs, summarize } from './stats';

// How late do SLA warnings and breaches fire while the service runs? Starts a
// stack on the test infrastructure, sets a short P0 first-response target,
// publishes a few hundred ticket.created events whose clocks come due spread
// over a window, and reads the fired events from the SLA outbox: the
// scheduler's own lateMs (firing time − moment) and moment → the outbox
// relay's publishing transaction (published_at), i.e. what Kafka consumers wait.
// Prints figures; asserts nothing. Run with `npm run bench:sla`.
const { values } = parseArgs({
  options: {
    clocks: { type: 'string', default: '300' },
    'target-seconds': { type: 'string', default: '30' },
    'spread-seconds': { type: 'string', default: '10' },
  },
});
const clocks = Number(values.clocks);
const targetSeconds = Number(values['target-seconds']);
const spreadSeconds = Number(values['spread-seconds']);
const WARNING_SHARE = 0.8;

interface FiredRow {
  type: string;
  late_ms: string;
  moment: Date;
  published_at: Date | null;
}

async function main() {
  const stack = await startTestStack();
  process.stdout.write(`stack namespace ${stack.namespace}\n`);
  const logger = createLogger('bench', 'warn');
  const kafka = createKafka(
    { brokers: stack.kafkaBrokers.split(','), namespace: stack.namespace, startTimeoutMs: 90_000 },
    'bench-sla',
    logger,
  );
  const producer = createProducer(kafka);
  const database = createServiceDataSource({
    database: { url: stack.databaseUrl, poolSize: 2 },
    schema: 'sla',
    entities: [],
    migrations: [],
    applicationName: 'bench-sla',
  });
  try {
    await producer.connect();
    await database.initialize();
    const admin = await testToken({ roles: ['admin'], userId: 'bench-admin' });
    const { slaPolicyVersions } = await graphqlOk(
      stack.gatewayUrl,
      '{ slaPolicyVersions { definition } }',
      {},
      admin,
    );
    const current = slaPolicyVersions.at(-1).definition as {
      rules: { target: string; priority?: string; minutes: number }[];
    };
    const rules = current.rules.map((rule) =>
      rule.target === 'FIRST_RESPONSE' && rule.priority === 'P0'
        ? { ...rule, minutes: targetSeconds / 60 }
        : rule,
    );
    await graphqlOk(
      stack.gatewayUrl,
      'mutation($input: SlaPolicyInput!) { setSlaPolicy(input: $input) { version } }',
      { input: { calendarId: 'default', warningShare: WARNING_SHARE, rules } },
      admin,
    );

    // Created up to `spread` seconds ago, so due moments spread over the window instead of one burst;
    // but not before the policy's effective time, or the clocks would keep the old target.
    await new Promise((resolve) => setTimeout(resolve, spreadSeconds * 1000 + 1000));
    const now = Date.now();
    const ticketIds: string[] = [];
    const events = Array.from({ length: clocks }, (_, index) => {
      const ticketId = randomUUID();
      ticketIds.push(ticketId);
      return buildEvent(TicketCreatedV1, {
        source: '/bench',
        subject: ticketId,
        data: {
          ticketId,
          number: `202701-${String(index + 1).padStart(3, '0')}`,
          version: 1,
          title: `sla bench ${index}`,
          channel: 'PHONE',
          type: 'FAULT_REPORT',
          category: null,
          priority: 'P0',
          queueId: 'general',
          customerId: 'bench',
          createdAt: new Date(now - Math.round((index / clocks) * spreadSeconds * 1000)).toISOString(),
        },
      });
    });
    await producer.send({
      topic: namespaced(stack.namespace, TOPICS.tickets),
      messages: events.map((event) => ({ key: event.subject, value: JSON.stringify(event) })),
    });

    const deadline = Date.now() + (targetSeconds + 90) * 1000;
    let rows: FiredRow[] = [];
    while (Date.now() < deadline) {
      rows = await database.query(
        `SELECT o.event_type AS type, (o.payload->'data'->>'lateMs') AS late_ms, o.published_at,
                CASE WHEN o.event_type LIKE '%warned%' THEN c.warning_at ELSE c.due_at END AS moment
           FROM outbox o JOIN clocks c ON c.id = (o.payload->'data'->>'clockId')::uuid
          WHERE o.message_key = ANY($1)
            AND o.event_type IN ('deskgraph.sla.clock_warned.v1', 'deskgraph.sla.clock_breached.v1')`,
        [ticketIds],
      );
      if (rows.length >= 2 * clocks && rows.every((row) => row.published_at)) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }

    const print = (label: string, samples: number[]) => {
      const s = summarize(samples);
      process.stdout.write(
        `${label.padEnd(40)} n=${s.count} p50=${formatMs(s.p50)} p95=${formatMs(s.p95)} p99=${formatMs(s.p99)} max=${formatMs(s.max)}\n`,
      );
    };
    process.stdout.write(
      `\ndeskgraph SLA timer lateness — ${clocks} P0 clocks, ${targetSeconds} s target, warning at ${WARNING_SHARE * 100} %, due moments spread over ${spreadSeconds} s\n`,
    );
    for (const [kind, type] of [
      ['warning', 'deskgraph.sla.clock_warned.v1'],
      ['breach', 'deskgraph.sla.clock_breached.v1'],
    ] as const) {
      const fired = rows.filter((row) => row.type === type);
      print(
        `${kind}: scheduler lateMs`,
        fired.map((row) => Number(row.late_ms)),
      );
      print(
        `${kind}: moment → relay publishes`,
        fired
          .filter((row) => row.published_at)
          .map((row) => new Date(row.published_at!).getTime() - new Date(row.moment).getTime()),
      );
    }
    const missing = 2 * clocks - rows.length;
    process.stdout.write(
      `fired ${rows.length} of ${2 * clocks} expected${missing ? ` (${missing} missing)` : ''}\n`,
    );
  } finally {
    await producer.disconnect().catch(() => undefined);
    if (database.isInitialized) await database.destroy();
    await stack.stop();
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(`${(error as Error).stack}\n`);
    process.exit(1);
  },
);
