import type { BackgroundWorker, Logger } from '@deskgraph/platform';
import type { DataSource } from 'typeorm';
import type { VisitService } from '../visit/visit.service';
import type { TicketChanger } from './ticket-changes';
import { applyTransition, statusEvent } from './ticket-workflow.service';
import type { TicketStatus } from './ticket-status';

export interface LifecycleConfig {
  /** A resolved ticket the customer has not confirmed closes after this long. */
  autoCloseAfterMs: number;
  /** A closed ticket is archived after this long (and stays queryable). */
  archiveAfterMs: number;
  sweepIntervalMs: number;
}

/**
 * Closes unconfirmed resolved tickets, archives old closed ones and marks
 * visits past their due time overdue. Rows are
 * claimed with SKIP LOCKED, so replicas share the work without doing it twice,
 * and each ticket changes through the TicketChanger like any other change.
 */
export function createLifecycleSweeper(
  dataSource: DataSource,
  changer: TicketChanger,
  visits: VisitService,
  config: LifecycleConfig,
  logger: Logger,
): BackgroundWorker {
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;

  async function sweep(from: TicketStatus, to: TicketStatus, column: string, ageMs: number): Promise<number> {
    let changed = 0;
    for (;;) {
      const moved = await dataSource.transaction(async (manager) => {
        const [row] = await manager.query(
          `SELECT id FROM tickets WHERE status = $1 AND ${column} < now() - make_interval(secs => $2)
            ORDER BY ${column} LIMIT 1 FOR UPDATE SKIP LOCKED`,
          [from, ageMs / 1000],
        );
        if (!row) return false;
        await changer.change(
          null,
          row.id,
          null,
          ({ ticket, actor, now }) => {
            applyTransition(ticket, to, now);
            if (to === 'CLOSED') ticket.autoClosed = true;
            const reason = to === 'CLOSED' ? 'not confirmed in time' : 'retention: archived';
            return {
              timeline: [
                {
                  action: to === 'CLOSED' ? 'AUTO_CLOSED' : 'ARCHIVED',
                  before: { status: from },
                  after: { status: to },
                  result: 'automatic',
                  note: reason,
                },
              ],
              events: (saved) => statusEvent(saved, actor, now, from, reason, true),
            };
          },
          manager,
        );
        return true;
      });
      if (!moved) return changed;
      changed++;
    }
  }

  async function runOnce(): Promise<void> {
    try {
      const closed = await sweep('RESOLVED', 'CLOSED', 'resolved_at', config.autoCloseAfterMs);
      const archived = await sweep('CLOSED', 'ARCHIVED', 'closed_at', config.archiveAfterMs);
      if (closed || archived) logger.info({ closed, archived }, 'lifecycle sweep');
      await visits.sweepOverdue(logger);
    } catch (error) {
      logger.error({ err: error }, 'lifecycle sweep failed; will retry');
    }
  }

  return {
    name: 'lifecycle-sweeper',
    async start() {
      timer = setInterval(() => {
        running ??= runOnce().finally(() => (running = null));
      }, config.sweepIntervalMs);
    },
    async stop() {
      if (timer) clearInterval(timer);
      await running;
    },
  };
}
