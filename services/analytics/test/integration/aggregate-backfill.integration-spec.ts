import { randomBytes } from 'node:crypto';
import type { DeskgraphEvent } from '@deskgraph/events';
import {
  applyEventsInBatch,
  createLogger,
  databaseModel,
  migrateDataSource,
  OutboxWriter,
  parseEnvironment,
} from '@deskgraph/platform';
import { dropDatabase, ensureDatabase, splitDatabaseUrl } from '@deskgraph/infra';
import fc from 'fast-check';
import type { DataSource } from 'typeorm';
import { createAnalyticsDataSource } from '../../src/database/data-source';
import { AggregateBackfill1765200000000 } from '../../src/database/migrations/1765200000000-aggregate-backfill';
import { projectionHandler } from '../../src/events/consumers/projection.consumer';
import { backfillAggregatesStep } from '../../src/projection/aggregate-backfill';
import { applyEvents } from '../../src/projection/projection.applier';
import { createProjectionTables, generationSchema } from '../../src/projection/projection-tables';
import { eventsOf, scenario, TIME_ZONE } from './event-scenarios';
import { aggregateTables } from '../../src/projection/aggregate-grains';
import { AggregateRollups1765400000000 } from '../../src/database/migrations/1765400000000-aggregate-rollups';
import { DimensionRollups1765500000000 } from '../../src/database/migrations/1765500000000-dimension-rollups';

// Upgrade path (issue #14): a generation with projection rows but no (or
// partial) aggregates gets them from the start-time backfill, exactly as the
// appliers would have written them, even while the live consumer keeps
// applying events between the backfill's chunks.

const AGGREGATES = Object.fromEntries(aggregateTables());

describe('analytics: aggregate backfill after an upgrade', () => {
  const suffix = randomBytes(4).toString('hex');
  const serverUrl = splitDatabaseUrl(parseEnvironment({ database: databaseModel }).database.url).serverUrl;
  const databaseName = `analytics_backfill_${suffix}`;
  const logger = createLogger('analytics-backfill-test', 'warn');
  const outbox = new OutboxWriter('');
  let dataSource: DataSource;
  let generation = 1;

  beforeAll(async () => {
    const url = await ensureDatabase(serverUrl, databaseName);
    dataSource = createAnalyticsDataSource({ url, poolSize: 3 });
    await migrateDataSource(dataSource, 'analytics');
    await dataSource.initialize();
  }, 120_000);

  afterAll(async () => {
    await dataSource?.destroy();
    await dropDatabase(serverUrl, databaseName);
  });

  async function aggregates(schema: string): Promise<Record<string, unknown[]>> {
    const out: Record<string, unknown[]> = {};
    for (const [table, key] of Object.entries(AGGREGATES)) {
      out[table] = await dataSource.query(`SELECT * FROM "${schema}"."${table}" ORDER BY ${key}`);
    }
    return out;
  }

  /** What the appliers write when they see every event: the reference. */
  async function reference(events: DeskgraphEvent[]): Promise<Record<string, unknown[]>> {
    const schema = `backfill_reference_${generation}`;
    await createProjectionTables((sql) => dataSource.query(sql), schema);
    await dataSource.transaction((manager) => applyEvents(events, manager, schema, TIME_ZONE));
    return aggregates(schema);
  }

  /** A fresh active generation, as the running service would have it. */
  async function activate(): Promise<string> {
    generation++;
    const schema = generationSchema(generation);
    await createProjectionTables((sql) => dataSource.query(sql), schema);
    await dataSource.query(`UPDATE analytics.projection_state SET generation = $1`, [generation]);
    return schema;
  }

  async function consume(events: DeskgraphEvent[]): Promise<void> {
    await dataSource.transaction((manager) =>
      applyEventsInBatch(manager, events, projectionHandler(TIME_ZONE), { outbox, logger }),
    );
  }

  async function upgrade(): Promise<void> {
    const runner = dataSource.createQueryRunner();
    try {
      // The upgrade from before the aggregates runs every later migration too.
      await new AggregateBackfill1765200000000().up(runner);
      await new AggregateRollups1765400000000().up(runner);
      await new DimensionRollups1765500000000().up(runner);
    } finally {
      await runner.release();
    }
  }

  async function addDimensionGrains(): Promise<void> {
    const runner = dataSource.createQueryRunner();
    try {
      await new DimensionRollups1765500000000().up(runner);
    } finally {
      await runner.release();
    }
  }

  it('should give the aggregates the appliers would have written when an upgraded generation is backfilled while events keep arriving', async () => {
    await fc.assert(
      fc.asyncProperty(
        scenario,
        fc.integer({ min: 1, max: 4 }),
        fc.nat(100),
        async ({ tickets }, chunk, splitPercent) => {
          const events = eventsOf(tickets);
          const split = Math.floor((events.length * splitPercent) / 100);
          const schema = await activate();
          // Before the upgrade: projection rows, and aggregates that miss part of them (or all).
          await consume(events.slice(0, split));
          await dataSource.query(`DELETE FROM "${schema}".agg_counters WHERE figure LIKE 'vol%'`);
          await upgrade();
          // The backfill's chunks and the live consumer's batches interleave.
          const rest = events.slice(split);
          let more = true;
          while (more || rest.length > 0) {
            if (more) more = await backfillAggregatesStep(dataSource, TIME_ZONE, chunk);
            if (rest.length > 0) await consume(rest.splice(0, 3));
          }
          const [{ pending }] = await dataSource.query(
            `SELECT count(*)::int AS pending FROM analytics.aggregate_backfill`,
          );
          expect(pending).toBe(0);
          expect(await aggregates(schema)).toEqual(await reference(events));
        },
      ),
      { numRuns: 25 },
    );
  }, 600_000);

  it('should fill the single-dimension grains from the projection rows as the appliers would have, also while a backfill runs', async () => {
    await fc.assert(
      fc.asyncProperty(
        scenario,
        fc.integer({ min: 1, max: 4 }),
        fc.nat(100),
        fc.boolean(),
        async ({ tickets }, chunk, splitPercent, midBackfill) => {
          const events = eventsOf(tickets);
          const split = Math.floor((events.length * splitPercent) / 100);
          const schema = await activate();
          await consume(events.slice(0, split));
          // Before this upgrade the dimension grains did not exist: they hold nothing, or garbage.
          await dataSource.query(`DROP TABLE "${schema}".agg_counters_dim_month`);
          await dataSource.query(`UPDATE "${schema}".agg_histograms_dim SET n = n + 7`);
          if (midBackfill) {
            // An earlier upgrade's backfill has counted part of the tickets when this one runs.
            await upgrade();
            await backfillAggregatesStep(dataSource, TIME_ZONE, chunk);
          }
          await addDimensionGrains();
          const rest = events.slice(split);
          let more = midBackfill;
          while (more || rest.length > 0) {
            if (more) more = await backfillAggregatesStep(dataSource, TIME_ZONE, chunk);
            if (rest.length > 0) await consume(rest.splice(0, 3));
          }
          expect(await aggregates(schema)).toEqual(await reference(events));
        },
      ),
      { numRuns: 25 },
    );
  }, 600_000);

  it('should finish at once when the generation has no tickets', async () => {
    await activate();
    await upgrade();
    expect(await backfillAggregatesStep(dataSource, TIME_ZONE)).toBe(false);
    expect(await dataSource.query(`SELECT * FROM analytics.aggregate_backfill`)).toEqual([]);
  });
});
