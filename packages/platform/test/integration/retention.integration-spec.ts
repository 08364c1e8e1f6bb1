import type { QueryRunner } from 'typeorm';
import {
  createLogger,
  createProcessedEventsRetentionIndex,
  createRetentionWorker,
  createServiceDataSource,
  PROCESSED_EVENTS_RETENTION,
  retentionModel,
  type RetentionConfig,
} from '../../src';
import { createHarness, type PlatformHarness } from './harness';

// Consumer bookkeeping purged on real PostgreSQL: only rows past the
// retention go, in small batches that never wait on a locked row, and two
// replicas sweeping at once neither block nor double-count each other.

const logger = createLogger('retention-test', 'silent');
const DAY = 86_400_000;

describe('retention of consumer bookkeeping', () => {
  let harness: PlatformHarness;
  const config = (batchSize: number): RetentionConfig => ({
    retentionMs: 14 * DAY,
    sweepIntervalMs: 3_600_000,
    batchSize,
  });
  const worker = (batchSize: number, dataSource = harness.dataSource) =>
    createRetentionWorker({
      dataSource,
      targets: [PROCESSED_EVENTS_RETENTION],
      config: config(batchSize),
      logger,
    });
  /** Marks `count` events processed `ageDays` ago. */
  const seed = (count: number, ageDays: number, prefix: string) =>
    harness.dataSource.query(
      `INSERT INTO processed_events (consumer_group, event_id, event_type, processed_at)
       SELECT 'group', $1 || n, 'deskgraph.test.v1', now() - make_interval(days => $2)
         FROM generate_series(1, $3) AS n`,
      [prefix, ageDays, count],
    );
  const remaining = async () =>
    (
      await harness.dataSource.query(
        `SELECT count(*)::int AS total, count(*) FILTER (WHERE processed_at > now() - interval '14 days')::int AS young
           FROM processed_events`,
      )
    )[0] as { total: number; young: number };

  beforeAll(async () => {
    harness = await createHarness();
    const queryRunner: QueryRunner = harness.dataSource.createQueryRunner();
    try {
      await createProcessedEventsRetentionIndex(queryRunner, harness.schema);
    } finally {
      await queryRunner.release();
    }
  }, 60_000);

  afterAll(async () => {
    await harness?.close();
  });

  beforeEach(async () => {
    await harness.dataSource.query(`DELETE FROM processed_events`);
  });

  it('should delete only rows older than the retention, batch by batch, when it sweeps', async () => {
    await seed(2_345, 20, 'old-');
    await seed(15, 15, 'just-past-');
    await seed(40, 13, 'young-');
    await seed(10, 0, 'today-');
    const deleted = await worker(1_000).purge();
    expect(deleted).toEqual({ processed_events: 2_360 });
    expect(await remaining()).toEqual({ total: 50, young: 50 });
    // Nothing left to do: a second sweep deletes nothing.
    expect(await worker(1_000).purge()).toEqual({ processed_events: 0 });
  });

  it('should skip a row another transaction holds instead of waiting for it', async () => {
    await seed(30, 20, 'old-');
    const holder = harness.dataSource.createQueryRunner();
    await holder.connect();
    await holder.startTransaction();
    try {
      await holder.query(`SELECT 1 FROM processed_events WHERE event_id = 'old-7' FOR UPDATE`);
      // Would hang (and time the test out) if the sweep waited for the lock.
      expect(await worker(8).purge()).toEqual({ processed_events: 29 });
    } finally {
      await holder.rollbackTransaction();
      await holder.release();
    }
    expect(await worker(8).purge()).toEqual({ processed_events: 1 });
  });

  it('should delete every old row exactly once when two replicas sweep at the same time', async () => {
    await seed(5_000, 30, 'old-');
    await seed(5, 1, 'young-');
    const other = createServiceDataSource({
      database: { url: (harness.dataSource.options as { url: string }).url, poolSize: 2 },
      schema: harness.schema,
      entities: [],
      migrations: [],
      applicationName: 'retention-replica',
    });
    await other.initialize();
    try {
      const [first, second] = await Promise.all([worker(200).purge(), worker(200, other).purge()]);
      expect(first.processed_events + second.processed_events).toBe(5_000);
      expect(await remaining()).toEqual({ total: 5, young: 5 });
    } finally {
      await other.destroy();
    }
  });

  it('should sweep by itself, again and again, once started', async () => {
    const background = createRetentionWorker({
      dataSource: harness.dataSource,
      targets: [PROCESSED_EVENTS_RETENTION],
      config: { ...config(100), sweepIntervalMs: 50 },
      logger,
      initialDelayMs: 0,
    });
    await background.start();
    try {
      for (const round of [1, 2]) {
        await seed(250, 20, `round-${round}-`);
        const deadline = Date.now() + 20_000;
        while ((await remaining()).total > 0 && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        expect(await remaining()).toEqual({ total: 0, young: 0 });
      }
    } finally {
      await background.stop();
    }
  });

  it('should default to 14 days in batches of 1000 and refuse a retention that is not positive', () => {
    expect(retentionModel.parse({})).toEqual({
      retentionMs: 14 * DAY,
      sweepIntervalMs: 3_600_000,
      batchSize: 1000,
    });
    expect(retentionModel.parse({ PROCESSED_EVENTS_RETENTION_DAYS: '30' }).retentionMs).toBe(30 * DAY);
    expect(retentionModel.safeParse({ PROCESSED_EVENTS_RETENTION_DAYS: '0' }).success).toBe(false);
    expect(retentionModel.safeParse({ RETENTION_BATCH_SIZE: 'many' }).success).toBe(false);
  });
});
