import { parameterBinder, queryPrepared, type StatementWrite } from '@deskgraph/platform';
import type { EntityManager } from 'typeorm';
import type { SlaClockEntity, SlaTimerEntity, TrackedTicketEntity } from './sla-clock.entity';

// Plain SQL for what a consumer batch of creations writes: TypeORM's insert
// builder spent more CPU per row and column than PostgreSQL spent on the
// rows (an eighth of the sla process in the intake storm). One array per
// column, so the statement text, and its prepared plan, is the same for any
// batch size.

type Column<T> = [name: string, type: string, value: (row: T) => unknown];

function unnestInsert<T>(table: string, columns: Column<T>[], rows: T[], bind: (value: unknown) => string) {
  const names = columns.map(([name]) => `"${name}"`).join(', ');
  const arrays = columns.map(([, type, value]) => `${bind(rows.map(value))}::${type}[]`).join(', ');
  return `INSERT INTO ${table} (${names}) SELECT * FROM unnest(${arrays})`;
}

const TRACKED_TICKET_COLUMNS: Column<TrackedTicketEntity>[] = [
  ['ticket_id', 'uuid', (ticket) => ticket.ticketId],
  ['queue_id', 'text', (ticket) => ticket.queueId],
  ['customer_id', 'text', (ticket) => ticket.customerId],
  ['priority', 'text', (ticket) => ticket.priority],
  ['ticket_type', 'text', (ticket) => ticket.ticketType],
  ['customer_type', 'text', (ticket) => ticket.customerType ?? null],
  ['status', 'text', (ticket) => ticket.status],
  ['version', 'int', (ticket) => ticket.version],
  ['created_at', 'timestamptz', (ticket) => ticket.createdAt],
  ['last_event_at', 'timestamptz', (ticket) => ticket.lastEventAt ?? null],
  ['hold_timers_until', 'timestamptz', (ticket) => ticket.holdTimersUntil ?? null],
];

/** Inserts tickets new to the service; returns the ids inserted (one already tracked is skipped). */
export async function insertTrackedTickets(
  manager: EntityManager,
  tickets: TrackedTicketEntity[],
): Promise<Set<string>> {
  const { bind, values } = parameterBinder();
  const rows = await queryPrepared<{ ticket_id: string }>(
    manager,
    `${unnestInsert('tracked_tickets', TRACKED_TICKET_COLUMNS, tickets, bind)}
     ON CONFLICT DO NOTHING RETURNING ticket_id`,
    values,
  );
  return new Set(rows.map((row) => row.ticket_id));
}

const CLOCK_COLUMNS: Column<SlaClockEntity>[] = [
  ['id', 'uuid', (clock) => clock.id],
  ['ticket_id', 'uuid', (clock) => clock.ticketId],
  ['queue_id', 'text', (clock) => clock.queueId],
  ['target', 'text', (clock) => clock.target],
  ['cycle', 'int', (clock) => clock.cycle],
  ['state', 'text', (clock) => clock.state],
  ['priority', 'text', (clock) => clock.priority],
  ['started_at', 'timestamptz', (clock) => clock.startedAt],
  ['target_ms', 'bigint', (clock) => clock.targetMs],
  ['warning_share', 'real', (clock) => clock.warningShare],
  ['due_at', 'timestamptz', (clock) => clock.dueAt],
  ['warning_at', 'timestamptz', (clock) => clock.warningAt],
  ['business_time', 'boolean', (clock) => clock.businessTime],
  ['policy_version', 'int', (clock) => clock.policyVersion],
  ['calendar_id', 'text', (clock) => clock.calendarId],
  ['calendar_version', 'int', (clock) => clock.calendarVersion],
  // jsonb: sent as JSON text, as an array parameter would become a PostgreSQL array.
  ['pauses', 'jsonb', (clock) => JSON.stringify(clock.pauses)],
  ['warned_at', 'timestamptz', (clock) => clock.warnedAt],
  ['breached_at', 'timestamptz', (clock) => clock.breachedAt],
  ['fulfilled_at', 'timestamptz', (clock) => clock.fulfilledAt],
  ['stopped_at', 'timestamptz', (clock) => clock.stoppedAt],
];

const TIMER_COLUMNS: Column<Partial<SlaTimerEntity>>[] = [
  ['clock_id', 'uuid', (timer) => timer.clockId],
  ['cycle', 'int', (timer) => timer.cycle],
  ['kind', 'text', (timer) => timer.kind],
  ['fire_at', 'timestamptz', (timer) => timer.fireAt],
  ['fired_at', 'timestamptz', (timer) => timer.firedAt ?? null],
];

/**
 * New clocks and their timers, to ride in the outbox's statement with their
 * started events (see OutboxWriter.enqueue): one statement instead of three.
 */
export function clockInserts(clocks: SlaClockEntity[], timers: Partial<SlaTimerEntity>[]): StatementWrite[] {
  const writes: StatementWrite[] = [
    (bind) => `new_clocks AS (${unnestInsert('clocks', CLOCK_COLUMNS, clocks, bind)})`,
  ];
  if (timers.length > 0) {
    writes.push((bind) => `new_timers AS (${unnestInsert('timers', TIMER_COLUMNS, timers, bind)})`);
  }
  return writes;
}
