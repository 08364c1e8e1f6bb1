import { AnalyticsKpiTargetCrossedV1, buildEvent } from '@deskgraph/events';
import type { OutboxWriter } from '@deskgraph/platform';
import type { EntityManager } from 'typeorm';
import { stateKey, targetCrossings, type KpiTargetStatus } from '../metrics/kpi-targets';

const EVENT_SOURCE = '/deskgraph/analytics';
// One evaluator at a time across replicas, so two flushes never announce the same crossing.
export const CROSSING_LOCK = 'analytics.kpi_target_state';

export interface CrossingPeriod {
  from: Date;
  to: Date;
}

/**
 * Evaluates today's target statuses, compares them with the last known state and, in the
 * caller's transaction, writes one kpi_target_crossed event per crossing
 * together with the new state: a crash keeps both or neither, so each
 * crossing is announced exactly once.
 */
export async function recordTargetCrossings(
  manager: EntityManager,
  outbox: OutboxWriter,
  evaluate: () => Promise<KpiTargetStatus[]>,
  period: CrossingPeriod,
  now: Date,
): Promise<KpiTargetStatus[]> {
  await manager.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [CROSSING_LOCK]);
  // Figures are read under the lock, so a replica holding older figures cannot overwrite newer state.
  const statuses = await evaluate();
  const rows: { kpi: string; scope: string; met: boolean }[] = await manager.query(
    `SELECT kpi, scope, met FROM analytics.kpi_target_state`,
  );
  const lastMet = new Map(
    rows.map((row) => [stateKey(row.kpi, row.scope === '' ? null : row.scope), row.met]),
  );
  const crossed = targetCrossings(statuses, lastMet);
  for (const status of statuses) {
    if (status.met === null || status.value === null) continue;
    await manager.query(
      `INSERT INTO analytics.kpi_target_state (kpi, scope, met, value, target, changed_at)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (kpi, scope) DO UPDATE SET value = EXCLUDED.value, target = EXCLUDED.target,
         changed_at = CASE WHEN kpi_target_state.met = EXCLUDED.met THEN kpi_target_state.changed_at
                           ELSE EXCLUDED.changed_at END,
         met = EXCLUDED.met`,
      [status.kpi, status.queueId ?? '', status.met, status.value, status.target, now],
    );
  }
  if (crossed.length > 0) {
    await outbox.enqueue(
      manager,
      crossed.map((status) =>
        buildEvent(AnalyticsKpiTargetCrossedV1, {
          source: EVENT_SOURCE,
          subject: `${status.kpi}:${status.queueId ?? 'desk'}`,
          time: now,
          data: {
            kpi: status.kpi,
            queueId: status.queueId,
            value: status.value,
            target: status.target,
            direction: status.direction,
            met: status.met,
            period: { from: period.from.toISOString(), to: period.to.toISOString() },
            at: now.toISOString(),
          },
        }),
      ),
    );
  }
  return crossed;
}
