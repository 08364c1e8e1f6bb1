import type { DataSource, QueryRunner } from 'typeorm';
import { z } from 'zod';
import type { Logger } from '../logging/logger';
import type { BackgroundWorker } from '../runtime/service-runtime';

/**
 * How long consumer bookkeeping is kept. It must outlive the topics'
 * retention (Kafka's default is 7 days): a processed-event mark purged while
 * its event can still be re-read would let a replay apply it twice.
 */
export const retentionModel = z
  .object({
    PROCESSED_EVENTS_RETENTION_DAYS: z.coerce.number().positive().default(14),
    RETENTION_SWEEP_SECONDS: z.coerce.number().positive().default(3600),
    RETENTION_BATCH_SIZE: z.coerce.number().int().min(1).max(100_000).default(1000),
  })
  .transform((env) => ({
    retentionMs: env.PROCESSED_EVENTS_RETENTION_DAYS * 86_400_000,
    sweepIntervalMs: env.RETENTION_SWEEP_SECONDS * 1000,
    batchSize: env.RETENTION_BATCH_SIZE,
  }));

export type RetentionConfig = z.output<typeof retentionModel>;

export const DEFAULT_RETENTION: RetentionConfig = retentionModel.parse({});

/** Rows of one table that may go once their timestamp is older than the retention. */
export interface RetentionTarget {
  /** A table of the service's own schema (on its search_path). */
  table: string;
  /** The timestamp compared with the retention. */
  column: string;
  /** Further SQL condition rows must meet, e.g. `fired_at IS NOT NULL`. */
  condition?: string;
  /** Its own retention, where a rule other than the processed-events one sets it (ms). */
  retentionMs?: number;
}

/** Every service's idempotent-consumer log (`platform-tables.ts`). */
export const PROCESSED_EVENTS_RETENTION: RetentionTarget = {
  table: 'processed_events',
  column: 'processed_at',
};

export interface RetentionWorker extends BackgroundWorker {
  /** Purges every target now, batch by batch; returns rows deleted per table. Exposed for tests. */
  purge(): Promise<Record<string, number>>;
}

export interface RetentionWorkerOptions {
  dataSource: DataSource;
  targets: RetentionTarget[];
  config: RetentionConfig;
  logger: Logger;
  /** First sweep this long after start, so a starting service does its real work first. */
  initialDelayMs?: number;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

/**
 * Deletes old bookkeeping rows in small batches, each its own short
 * statement: the batch's rows are picked by ctid with FOR UPDATE SKIP LOCKED,
 * so no statement holds many locks or runs long, consumers inserting new
 * rows never wait, and replicas sweeping at the same moment skip each
 * other's rows instead of queueing behind them.
 */
export function createRetentionWorker(options: RetentionWorkerOptions): RetentionWorker {
  for (const target of options.targets) {
    if (!IDENTIFIER.test(target.table) || !IDENTIFIER.test(target.column)) {
      throw new Error(`retention target ${target.table}.${target.column} is not a plain identifier`);
    }
  }
  const { retentionMs, sweepIntervalMs, batchSize } = options.config;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<unknown> | null = null;
  let stopping = false;

  async function purgeTarget(target: RetentionTarget): Promise<number> {
    const condition = target.condition ? `AND (${target.condition})` : '';
    const sql = `DELETE FROM "${target.table}" WHERE ctid = ANY(ARRAY(
        SELECT ctid FROM "${target.table}"
         WHERE "${target.column}" < now() - make_interval(secs => $1) ${condition}
         LIMIT $2 FOR UPDATE SKIP LOCKED))`;
    let total = 0;
    for (;;) {
      const [, deleted] = (await options.dataSource.query(sql, [
        (target.retentionMs ?? retentionMs) / 1000,
        batchSize,
      ])) as [unknown, number];
      total += deleted;
      // A stopping service finishes the batch in hand, not the backlog.
      if (deleted < batchSize || stopping) return total;
    }
  }

  async function purge(): Promise<Record<string, number>> {
    const deleted: Record<string, number> = {};
    for (const target of options.targets) deleted[target.table] = await purgeTarget(target);
    return deleted;
  }

  function schedule(delayMs: number) {
    timer = setTimeout(() => {
      timer = null;
      running = purge()
        .then((deleted) => {
          if (Object.values(deleted).some((count) => count > 0)) {
            options.logger.info({ deleted }, 'retention: old bookkeeping rows purged');
          }
        })
        .catch((error) => options.logger.warn({ err: error }, 'retention sweep failed; retrying later'))
        .finally(() => {
          running = null;
          if (!stopping) schedule(sweepIntervalMs);
        });
    }, delayMs);
    timer.unref();
  }

  return {
    name: 'retention',
    async start() {
      stopping = false;
      schedule(options.initialDelayMs ?? Math.min(sweepIntervalMs, 60_000));
    },
    async stop() {
      stopping = true;
      if (timer) clearTimeout(timer);
      timer = null;
      await running;
    },
    purge,
  };
}

/**
 * The index a retention sweep finds old `processed_events` rows by; without
 * it each batch would scan the table. Built CONCURRENTLY, so call it from a
 * migration with `transaction = false`: consumers keep writing meanwhile.
 */
export async function createProcessedEventsRetentionIndex(
  queryRunner: QueryRunner,
  schema: string,
): Promise<void> {
  await queryRunner.query(
    `CREATE INDEX CONCURRENTLY IF NOT EXISTS "processed_events_processed_at_idx"
       ON "${schema}"."processed_events" ("processed_at")`,
  );
}

export async function dropProcessedEventsRetentionIndex(
  queryRunner: QueryRunner,
  schema: string,
): Promise<void> {
  await queryRunner.query(
    `DROP INDEX CONCURRENTLY IF EXISTS "${schema}"."processed_events_processed_at_idx"`,
  );
}
