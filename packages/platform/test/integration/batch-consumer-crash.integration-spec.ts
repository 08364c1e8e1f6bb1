import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { namespaced, TOPICS } from '@deskgraph/events';
import { Partitioners, type Producer } from 'kafkajs';
import { createHarness, type PlatformHarness, ticketCreated } from './harness';

const PROCESS_SCRIPT = join(
  __dirname,
  '..',
  '..',
  'dist',
  'test',
  'integration',
  'batch-consumer.process.js',
);

async function waitFor<T>(probe: () => Promise<T | null>, what: string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== null) return value;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('batch consumer killed in the middle of a batch', () => {
  let harness: PlatformHarness;
  let producer: Producer;
  const children: ChildProcess[] = [];

  function startConsumerProcess(): ChildProcess {
    const child = spawn(process.execPath, [PROCESS_SCRIPT, harness.schema, harness.namespace], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    children.push(child);
    return child;
  }

  beforeAll(async () => {
    harness = await createHarness([
      `CREATE TABLE "$schema"."applied_log" ("event_id" UUID NOT NULL, "ticket_id" UUID NOT NULL)`,
      `CREATE TABLE "$schema"."batch_counts" ("id" INT PRIMARY KEY, "events" INT NOT NULL)`,
      `CREATE TABLE "$schema"."deferred_log" ("ticket_id" UUID NOT NULL)`,
    ]);
    producer = harness.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
  }, 60_000);

  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    await producer?.disconnect();
    await harness?.close();
  });

  it('should apply every event exactly once when the consumer is killed -9 with a batch open', async () => {
    const events = Array.from({ length: 1_200 }, (_, index) => ticketCreated(`event ${index}`));
    // One key: one partition, so the consumer gets them as large batches.
    await producer.send({
      topic: namespaced(harness.namespace, TOPICS.tickets),
      messages: events.map((event) => ({ key: 'one-partition', value: JSON.stringify(event) })),
    });
    const applied = async () =>
      Number((await harness.dataSource.query(`SELECT count(*)::int AS n FROM applied_log`))[0].n);

    const first = startConsumerProcess();
    // Kill it once a batch has committed and the next one is open, with rows written but not committed.
    const openBatch = await waitFor(async () => {
      const committed = await applied();
      if (committed === 0) return null;
      const [open] = await harness.dataSource.query(
        `SELECT count(*)::int AS n FROM pg_stat_activity
          WHERE application_name = $1 AND xact_start IS NOT NULL AND state <> 'idle'`,
        [`batch-consumer-${first.pid}`],
      );
      return open.n > 0 ? committed : null;
    }, 'a committed batch followed by an open one');
    first.kill('SIGKILL');
    await new Promise((resolve) => first.once('exit', resolve));
    const afterKill = await applied();

    startConsumerProcess();
    await waitFor(async () => ((await applied()) >= events.length ? true : null), 'all events applied');
    // Linger so a redelivery that applied something twice would be seen.
    await new Promise((resolve) => setTimeout(resolve, 2_000));

    const perEvent: { event_id: string; times: number }[] = await harness.dataSource.query(
      `SELECT event_id, count(*)::int AS times FROM applied_log GROUP BY event_id`,
    );
    const [{ events: counted }] = await harness.dataSource.query(`SELECT events FROM batch_counts`);
    const [{ processed }] = await harness.dataSource.query(
      `SELECT count(*)::int AS processed FROM processed_events`,
    );
    const deferred: { ticket_id: string; times: number }[] = await harness.dataSource.query(
      `SELECT ticket_id, count(*)::int AS times FROM deferred_log GROUP BY ticket_id`,
    );
    expect(openBatch).toBeGreaterThan(0);
    expect(afterKill).toBeLessThan(events.length);
    expect(perEvent).toHaveLength(events.length);
    expect(perEvent.filter((row) => row.times !== 1)).toEqual([]);
    expect(new Set(perEvent.map((row) => row.event_id))).toEqual(new Set(events.map((event) => event.id)));
    expect(counted).toBe(events.length);
    expect(processed).toBe(events.length);
    expect(deferred.filter((row) => row.times !== 1)).toEqual([]);
    expect(new Set(deferred.map((row) => row.ticket_id))).toEqual(
      new Set(events.map((event) => event.data.ticketId)),
    );
  }, 120_000);
});
