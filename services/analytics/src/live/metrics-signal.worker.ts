import { AnalyticsMetricsChangedV1, buildEvent } from '@deskgraph/events';
import type { BackgroundWorker, Logger, OutboxWriter } from '@deskgraph/platform';
import type { DataSource } from 'typeorm';
import type { KpiTargetStatus } from '../metrics/kpi-targets';
import { recordTargetCrossings, type CrossingPeriod } from './kpi-crossing';

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
 * At most once per interval, takes every dirty queue (DELETE … RETURNING)
 * and writes ONE metrics_changed event to the outbox in the same
 * transaction: a crash either keeps the dirty rows or commits the event,
 * never loses the change. Replicas never emit the same rows twice, since the
 * DELETE locks them. The same transaction announces KPI target crossings of
 * the changed queues and the desk (see kpi-crossing.ts).
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
      const rows: { queue_id: string; events: number }[] = await manager.query(
        // Wrapped in a CTE: TypeORM returns [rows, count] for a bare DELETE … RETURNING.
        `WITH taken AS (DELETE FROM analytics.dirty_queues RETURNING queue_id, events) SELECT * FROM taken`,
      );
      if (rows.length === 0) return null;
      const queueIds = rows.map((row) => row.queue_id).sort();
      const eventsApplied = Math.max(
        1,
        rows.reduce((sum, row) => sum + row.events, 0),
      );
      const now = new Date();
      await outbox.enqueue(manager, [
        buildEvent(AnalyticsMetricsChangedV1, {
          source: EVENT_SOURCE,
          subject: METRICS_SIGNAL_SUBJECT,
          time: now,
          data: { queueIds, eventsApplied, at: now.toISOString() },
        }),
      ]);
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
