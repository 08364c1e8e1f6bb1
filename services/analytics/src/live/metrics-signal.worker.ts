import { AnalyticsMetricsChangedV1, buildEvent } from '@deskgraph/events';
import type { BackgroundWorker, Logger, OutboxWriter } from '@deskgraph/platform';
import type { DataSource } from 'typeorm';
import type { KpiTargetStatus } from '../metrics/kpi-targets';
import { CROSSING_LOCK, recordTargetCrossings, type CrossingPeriod } from './kpi-crossing';

export const METRICS_SIGNAL_SUBJECT = 'metrics';
const EVENT_SOURCE = '/deskgraph/analytics';

export interface MetricsSignalWorker extends BackgroundWorker {
  /** Takes the dirty set and enqueues one signal; returns it (null when nothing changed). Exposed for tests. */
  flush(): Promise<{ queueIds: string[]; eventsApplied: number; crossings: KpiTargetStatus[] } | null>;
}

/** Today's KPI target statuses of some scopes (queue ids, null = desk-wide), and the day they cover. */
export interface TargetEvaluator {
  statuses(scopes: (string | null)[], now: Date): Promise<KpiTargetStatus[]>;
  period(now: Date): CrossingPeriod;
}

/**
 * At most once per interval, takes every dirty queue and writes ONE
 * metrics_changed event to the outbox in the same transaction: a crash
 * either keeps the dirty rows or commits the event, never loses the change.
 * One replica flushes at a time (the crossing lock, tried, never waited
 * for). The same transaction announces KPI target crossings of the changed
 * queues and the desk (see kpi-crossing.ts); the dirty rows are deleted as
 * its last statement, so consumers marking queues never wait for that
 * evaluation.
 */
export function createMetricsSignalWorker(
  dataSource: DataSource,
  outbox: OutboxWriter,
  logger: Logger,
  intervalMs: number,
  targets?: TargetEvaluator,
): MetricsSignalWorker {
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<unknown> | null = null;
  let healthy = true;

  async function flush() {
    return dataSource.transaction(async (manager) => {
      // One flusher at a time across replicas; a busy one means this tick has nothing to do.
      const [{ locked }] = await manager.query(`SELECT pg_try_advisory_xact_lock(hashtext($1)) AS locked`, [
        CROSSING_LOCK,
      ]);
      if (!locked) return null;
      // Read without locking: consumers keep marking queues dirty while the figures are evaluated.
      const dirty: { queue_id: string; events: number }[] = await manager.query(
        `SELECT queue_id, events FROM analytics.dirty_queues`,
      );
      if (dirty.length === 0) return null;
      const queueIds = dirty.map((row) => row.queue_id).sort();
      const now = new Date();
      // The changed queues and the desk are checked against their targets in the same transaction.
      const crossings = targets
        ? await recordTargetCrossings(
            manager,
            outbox,
            () => targets.statuses([...queueIds, null], now),
            targets.period(now),
            now,
          )
        : [];
      // Last, so the dirty rows are locked for a moment only (consumers upsert them). A queue
      // dirtied again since it was read keeps its row, and is signalled again next tick.
      const taken: { events: number }[] = await manager.query(
        `WITH taken AS (
           DELETE FROM analytics.dirty_queues AS dirty USING unnest($1::text[], $2::int[]) AS seen(queue_id, events)
            WHERE dirty.queue_id = seen.queue_id AND dirty.events = seen.events RETURNING dirty.events)
         SELECT * FROM taken`,
        [dirty.map((row) => row.queue_id), dirty.map((row) => row.events)],
      );
      const eventsApplied = Math.max(
        1,
        taken.reduce((sum, row) => sum + row.events, 0),
      );
      await outbox.enqueue(manager, [
        buildEvent(AnalyticsMetricsChangedV1, {
          source: EVENT_SOURCE,
          subject: METRICS_SIGNAL_SUBJECT,
          time: now,
          data: { queueIds, eventsApplied, at: now.toISOString() },
        }),
      ]);
      return { queueIds, eventsApplied, crossings };
    });
  }

  function tick() {
    if (running) return;
    running = flush()
      .then(() => {
        healthy = true;
      })
      .catch((error) => {
        healthy = false;
        logger.warn({ err: error }, 'metrics signal failed; the dirty set is kept for the next tick');
      })
      .finally(() => {
        running = null;
      });
  }

  return {
    name: 'metrics-signal',
    async start() {
      timer = setInterval(tick, intervalMs);
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = null;
      await running;
    },
    ready: () => healthy,
    flush,
  };
}
