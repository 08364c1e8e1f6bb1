import { buildEvent, SlaClockBreachedV1, SlaClockWarnedV1, type DeskgraphEvent } from '@deskgraph/events';
import type { BackgroundWorker, Logger, OutboxWriter } from '@deskgraph/platform';
import { In, type DataSource } from 'typeorm';
import type { ClockEngine } from '../clock/clock-engine';
import { EVENT_SOURCE } from '../clock/clock-engine';
import { SlaClockEntity } from '../clock/sla-clock.entity';

/** A timer fired more than this after its moment says so (`late: true`). */
export const LATE_AFTER_MS = 1_000;
const MAX_SLEEP_MS = 1_000;
const BATCH = 50;
const BACK_OFF_MS = 20;
/** Due timers all held for seeded history (see ticket-events.consumer.ts): look again this soon. */
const HELD_RETRY_MS = 250;

/** A timer due after its ticket's latest event time while that ticket's seeded history still arrives. */
const HELD = `EXISTS (SELECT 1 FROM clocks JOIN tracked_tickets AS tracked ON tracked.ticket_id = clocks.ticket_id
   WHERE clocks.id = timer.clock_id AND tracked.hold_timers_until > now() AND timer.fire_at > tracked.last_event_at)`;

interface DueTimer {
  id: string;
  clock_id: string;
  cycle: number;
  kind: 'WARNING' | 'BREACH';
  fire_at: Date;
}

export interface TimerScheduler extends BackgroundWorker {
  /** Wake now: a new timer may be due sooner than the next planned wake-up. */
  nudge(): void;
  /** Fires every due timer; returns how many warnings and breaches it emitted. Exposed for tests. */
  fireDue(): Promise<number>;
}

/**
 * Fires warnings and breaches from the durable timers table. A timer is
 * claimed with FOR UPDATE SKIP LOCKED and marked fired in the same
 * transaction that writes its event to the outbox, so across restarts and
 * replicas each fires exactly once; after an outage the overdue ones fire
 * late and say so. The loop sleeps until the next timer, at most a second,
 * so a running service fires within a second of the moment.
 */
export function createTimerScheduler(
  dataSource: DataSource,
  engine: ClockEngine,
  outbox: OutboxWriter,
  logger: Logger,
  /** Called for each warning or breach emitted, e.g. to feed a lateness histogram. */
  onFired: (kind: 'WARNING' | 'BREACH', lateMs: number) => void = () => {},
): TimerScheduler {
  let running = false;
  let sleeper: NodeJS.Timeout | null = null;
  let wake: (() => void) | null = null;
  let loop: Promise<void> | null = null;
  let backOff = false;
  // The last pass claimed nothing: timers already due are held, not missed.
  let idle = false;

  type Fired = { kind: 'WARNING' | 'BREACH'; lateMs: number };

  /**
   * One transaction per batch, a handful of statements whatever its size:
   * claim timers, lock their clocks, then write timer marks, clock changes and
   * events together, so a burst of due timers keeps within its moment.
   */
  async function fireBatch(): Promise<{ claimed: number; skipped: number; fired: Fired[] }> {
    return dataSource.transaction(async (manager) => {
      const timers: DueTimer[] = await manager.query(
        `SELECT id, clock_id, cycle, kind, fire_at FROM timers AS timer
          WHERE fired_at IS NULL AND fire_at <= now() AND NOT ${HELD}
          ORDER BY fire_at LIMIT ${BATCH} FOR UPDATE SKIP LOCKED`,
      );
      if (timers.length === 0) return { claimed: 0, skipped: 0, fired: [] };
      // A clock locked by a ticket event in flight is left for the next round: waiting for it
      // while holding its timers would deadlock with that transaction replacing them.
      const clocks = await manager.find(SlaClockEntity, {
        where: { id: In([...new Set(timers.map((timer) => timer.clock_id))]) },
        lock: { mode: 'pessimistic_write', onLocked: 'skip_locked' },
      });
      const byId = new Map(clocks.map((clock) => [clock.id, clock]));
      const now = new Date();
      const fired: Fired[] = [];
      const marks: { id: string; lateMs: number }[] = [];
      const changed = new Set<SlaClockEntity>();
      const events: DeskgraphEvent[] = [];
      const lateBy = (moment: Date) => Math.max(0, now.getTime() - moment.getTime());
      const firing = (clock: SlaClockEntity, lateMs: number) => ({
        ...engine.base(clock, now),
        dueAt: clock.dueAt!.toISOString(),
        priority: clock.priority,
        late: lateMs > LATE_AFTER_MS,
        lateMs,
      });
      const warn = (clock: SlaClockEntity, lateMs: number) => {
        clock.warnedAt = now;
        changed.add(clock);
        events.push(
          buildEvent(SlaClockWarnedV1, {
            source: EVENT_SOURCE,
            subject: clock.ticketId,
            data: firing(clock, lateMs),
          }),
        );
        fired.push({ kind: 'WARNING', lateMs });
      };
      for (const timer of timers) {
        const clock = byId.get(timer.clock_id);
        if (!clock) continue;
        const lateMs = lateBy(new Date(timer.fire_at));
        marks.push({ id: timer.id, lateMs });
        // A timer of an older cycle or of a clock no longer running is obsolete.
        if (clock.cycle !== timer.cycle || clock.state !== 'RUNNING') continue;
        if (timer.kind === 'WARNING' && !clock.warnedAt) {
          warn(clock, lateMs);
        } else if (timer.kind === 'BREACH' && !clock.breachedAt) {
          // A breach never overtakes its warning (e.g. another replica skipped the warning a moment
          // ago): the warning fires first, once, in this transaction.
          if (!clock.warnedAt && clock.warningAt) {
            const warningLateMs = lateBy(clock.warningAt);
            await manager.query(
              `UPDATE timers SET fired_at = $2, late_ms = $3
                WHERE clock_id = $1 AND cycle = $4 AND kind = 'WARNING' AND fired_at IS NULL`,
              [clock.id, now, warningLateMs, clock.cycle],
            );
            warn(clock, warningLateMs);
          }
          clock.breachedAt = now;
          clock.state = 'BREACHED';
          changed.add(clock);
          events.push(
            buildEvent(SlaClockBreachedV1, {
              source: EVENT_SOURCE,
              subject: clock.ticketId,
              data: firing(clock, lateMs),
            }),
          );
          fired.push({ kind: 'BREACH', lateMs });
          if (lateMs > LATE_AFTER_MS) {
            logger.warn({ ticketId: clock.ticketId, target: clock.target, lateMs }, 'late breach');
          }
        }
      }
      if (marks.length) {
        await manager.query(
          `UPDATE timers AS timer SET fired_at = $1, late_ms = mark.late_ms
             FROM unnest($2::bigint[], $3::bigint[]) AS mark(id, late_ms) WHERE timer.id = mark.id`,
          [now, marks.map((mark) => mark.id), marks.map((mark) => mark.lateMs)],
        );
      }
      if (changed.size) {
        const rows = [...changed];
        await manager.query(
          `UPDATE clocks AS clock SET state = change.state, warned_at = change.warned_at, breached_at = change.breached_at
             FROM unnest($1::uuid[], $2::text[], $3::timestamptz[], $4::timestamptz[])
               AS change(id, state, warned_at, breached_at)
            WHERE clock.id = change.id`,
          [
            rows.map((clock) => clock.id),
            rows.map((clock) => clock.state),
            rows.map((clock) => clock.warnedAt),
            rows.map((clock) => clock.breachedAt),
          ],
        );
      }
      await outbox.enqueue(manager, events);
      return { claimed: timers.length, skipped: timers.length - marks.length, fired };
    });
  }

  async function fireDue(): Promise<number> {
    let total = 0;
    for (;;) {
      const { claimed, skipped, fired } = await fireBatch();
      // Reported only once the transaction committed, so a rolled-back batch is not counted.
      for (const firing of fired) onFired(firing.kind, firing.lateMs);
      total += fired.length;
      backOff = skipped > 0;
      idle = claimed === 0;
      // Skipped timers are retried at once while the pass still makes progress.
      if (skipped === claimed || (claimed < BATCH && skipped === 0)) return total;
    }
  }

  async function sleepUntilNext(): Promise<void> {
    const [{ next }] = await dataSource.query(
      `SELECT min(fire_at) AS next FROM timers WHERE fired_at IS NULL`,
    );
    // Skipped timers are due already: retry soon, but without spinning on the lock.
    // Due timers the last pass did not claim are held: look again soon, without spinning.
    const floor = backOff ? BACK_OFF_MS : 0;
    const untilNext = next ? new Date(next).getTime() - Date.now() : MAX_SLEEP_MS;
    const delay = untilNext <= 0 && idle ? HELD_RETRY_MS : Math.min(MAX_SLEEP_MS, Math.max(floor, untilNext));
    await new Promise<void>((resolve) => {
      wake = resolve;
      sleeper = setTimeout(resolve, delay);
    });
    wake = null;
  }

  async function run(): Promise<void> {
    while (running) {
      try {
        await fireDue();
        await sleepUntilNext();
      } catch (error) {
        logger.error({ err: error }, 'timer scheduler failed; retrying');
        await new Promise((resolve) => setTimeout(resolve, MAX_SLEEP_MS));
      }
    }
  }

  return {
    name: 'sla-timer-scheduler',
    async start() {
      running = true;
      loop = run();
    },
    async stop() {
      running = false;
      if (sleeper) clearTimeout(sleeper);
      wake?.();
      await loop;
    },
    nudge() {
      if (sleeper) clearTimeout(sleeper);
      wake?.();
    },
    fireDue,
  };
}
