import { hasRole, type Identity } from '@deskgraph/platform';
import type { DataSource, EntityManager } from 'typeorm';
import { AnalyticsError, AnalyticsErrorCode, notAllowed } from '../analytics.errors';
import { activeGeneration, markQueuesDirty } from '../events/consumers/projection.consumer';
import {
  assertKpiName,
  assertQueueId,
  isKpiName,
  validateTargetInput,
  type KpiTarget,
  type KpiTargetInput,
} from '../metrics/kpi-targets';
import { readableQueues } from '../metrics/metrics-filter';
import { generationSchema } from '../projection/projection-tables';

interface TargetRow {
  kpi: string;
  queue_id: string | null;
  target: number;
  direction: KpiTarget['direction'];
  updated_by: string;
  updated_at: Date | string;
}

function toTarget(row: TargetRow): KpiTarget {
  return {
    kpi: assertKpiName(row.kpi),
    queueId: row.queue_id,
    target: Number(row.target),
    direction: row.direction,
    updatedBy: row.updated_by,
    // A Date from the driver, an ISO string when read through a folded statement (foldingRun).
    updatedAt: new Date(row.updated_at),
  };
}

/** KPI targets as data: admins manage them, supervisors read those of their queues and the desk-wide ones. */
export class KpiTargetService {
  constructor(private readonly dataSource: DataSource) {}

  /** Every target (for evaluation; no access control). */
  async all(manager: EntityManager = this.dataSource.manager): Promise<KpiTarget[]> {
    return this.allVia((sql, parameters) => manager.query(sql, parameters));
  }

  /** Every target, read by `run` (a figure's folded statement, metrics.service.ts). */
  async allVia(run: <T>(sql: string, parameters: unknown[]) => Promise<T[]>): Promise<KpiTarget[]> {
    const rows = await run<TargetRow>(
      `SELECT kpi, queue_id, target, direction, updated_by, updated_at FROM analytics.kpi_targets
        ORDER BY queue_id NULLS FIRST, kpi`,
      [],
    );
    // A KPI this version no longer knows is skipped rather than failing every figure.
    return rows.filter((row) => isKpiName(row.kpi)).map(toTarget);
  }

  /** Desk-wide targets and those of the readable queues (queueIds narrows to some queues). */
  async list(identity: Identity, queueIds?: string[] | null): Promise<KpiTarget[]> {
    const queues = readableQueues(identity, queueIds && queueIds.length > 0 ? queueIds : null);
    const targets = await this.all();
    return targets.filter(
      (target) => target.queueId === null || queues === 'all' || queues.includes(target.queueId),
    );
  }

  private assertAdmin(identity: Identity): void {
    if (!hasRole(identity, 'admin')) {
      throw notAllowed(identity, 'Only admins can change KPI targets.');
    }
  }

  /** Creates or replaces the target of a KPI for a queue (or desk-wide) and has the next signal re-evaluate it. */
  async set(identity: Identity, input: KpiTargetInput): Promise<KpiTarget> {
    this.assertAdmin(identity);
    const valid = validateTargetInput(input);
    return this.dataSource.transaction(async (manager) => {
      const [row]: TargetRow[] = await manager.query(
        `INSERT INTO analytics.kpi_targets (kpi, queue_id, target, direction, updated_by, updated_at)
         VALUES ($1, $2, $3, $4, $5, now())
         ON CONFLICT (kpi, COALESCE(queue_id, '')) DO UPDATE SET target = EXCLUDED.target,
           direction = EXCLUDED.direction, updated_by = EXCLUDED.updated_by, updated_at = EXCLUDED.updated_at
         RETURNING kpi, queue_id, target, direction, updated_by, updated_at`,
        [valid.kpi, valid.queueId, valid.target, valid.direction, identity.userId],
      );
      await this.markAffectedQueues(manager, valid.queueId);
      return toTarget(row);
    });
  }

  /** Removes a target; a queue then falls back to the desk-wide one. */
  async remove(identity: Identity, kpi: string, queueId?: string | null): Promise<KpiTarget> {
    this.assertAdmin(identity);
    const name = assertKpiName(kpi);
    const scope = queueId == null ? null : assertQueueId(queueId);
    return this.dataSource.transaction(async (manager) => {
      const rows: TargetRow[] = await manager.query(
        `WITH removed AS (
           DELETE FROM analytics.kpi_targets WHERE kpi = $1 AND COALESCE(queue_id, '') = COALESCE($2, '')
           RETURNING kpi, queue_id, target, direction, updated_by, updated_at)
         SELECT * FROM removed`,
        [name, scope],
      );
      if (rows.length === 0) {
        throw new AnalyticsError(
          AnalyticsErrorCode.TargetNotFound,
          `No ${scope === null ? 'desk-wide' : `queue ${scope}`} target is set for ${name}.`,
        );
      }
      await this.markAffectedQueues(manager, scope);
      return toTarget(rows[0]);
    });
  }

  /** A target change can cross a KPI without any event: the affected queues get re-evaluated at the next signal. */
  private async markAffectedQueues(manager: EntityManager, queueId: string | null): Promise<void> {
    if (queueId !== null) {
      await markQueuesDirty(manager, [queueId]);
      return;
    }
    const schema = generationSchema(await activeGeneration(manager));
    const rows: { queue_id: string }[] = await manager.query(
      `SELECT DISTINCT queue_id FROM "${schema}".tickets WHERE queue_id IS NOT NULL ORDER BY queue_id`,
    );
    await markQueuesDirty(
      manager,
      rows.map((row) => row.queue_id),
    );
  }
}
