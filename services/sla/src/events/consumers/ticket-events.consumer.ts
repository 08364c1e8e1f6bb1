import { TOPICS, type DeskgraphEvent } from '@deskgraph/events';
import {
  deferredWrites,
  type BatchAccumulator,
  type ConsumerDefinition,
  type EventHandlerContext,
  type HandlerOutcome,
} from '@deskgraph/platform';
import type { EntityManager } from 'typeorm';
import type { ClockEngine } from '../../clock/clock-engine';
import { insertTrackedTickets } from '../../clock/clock-insert';
import { TrackedTicketEntity } from '../../clock/sla-clock.entity';

const PENDING = new Set(['PENDING_CUSTOMER', 'PENDING_THIRD_PARTY']);

/** How long, after a seeded event, the ticket's later timers wait for the rest of its history. */
export const SEEDED_HOLD_MS = 30_000;

/**
 * Records how far the ticket's own history has got. The demo seed replays
 * weeks of history in seconds (events marked `seedclock`): a reply made
 * before its due time is still on its way when the wall clock has long
 * passed that time, and firing the breach first would record one that never
 * happened. While seeded events arrive, timers due after the latest event
 * time wait (at most SEEDED_HOLD_MS after the last one, then fire late);
 * any other event lifts the wait at once.
 */
function noteEventTime(ticket: TrackedTicketEntity, event: DeskgraphEvent, at: Date): void {
  if (!ticket.lastEventAt || at.getTime() > ticket.lastEventAt.getTime()) ticket.lastEventAt = at;
  ticket.holdTimersUntil = event.seedclock ? new Date(Date.now() + SEEDED_HOLD_MS) : null;
}

interface Anomaly {
  kind: string;
  eventType: string;
}

/**
 * Counts events that could not be applied as such (unknown ticket, stale),
 * durably; once per batch, since a replay can bring thousands of them.
 */
const anomalyCounts: BatchAccumulator<Anomaly> = { flush: countAnomalies };

async function countAnomalies(manager: EntityManager, anomalies: Anomaly[]): Promise<void> {
  const counts = new Map<string, Anomaly & { count: number }>();
  for (const anomaly of anomalies) {
    const key = `${anomaly.kind}\u0000${anomaly.eventType}`;
    const entry = counts.get(key) ?? { ...anomaly, count: 0 };
    entry.count++;
    counts.set(key, entry);
  }
  // Sorted, so concurrent batches lock the counter rows in the same order.
  for (const [, { kind, eventType, count }] of [...counts].sort(([a], [b]) => (a < b ? -1 : 1))) {
    await manager.query(
      `INSERT INTO anomalies (kind, event_type, count) VALUES ($1, $2, $3)
       ON CONFLICT (kind, event_type) DO UPDATE SET count = anomalies.count + EXCLUDED.count, last_seen_at = now()`,
      [kind, eventType, count],
    );
  }
}

function countAnomaly(context: EventHandlerContext, kind: string, eventType: string): HandlerOutcome {
  context.batch.add(anomalyCounts, { kind, eventType });
  return 'ignored';
}

const DUPLICATE_CREATE: Anomaly = { kind: 'duplicate_create', eventType: 'deskgraph.ticket.created.v1' };

/**
 * Writes the tickets a batch creates together: one INSERT of tracked
 * tickets, and one statement of clocks, timers and outbox rows for the whole
 * batch, instead of about eighteen statements per ticket.
 */
async function writeCreations(engine: ClockEngine, manager: EntityManager, tickets: TrackedTicketEntity[]) {
  const fresh = await insertTrackedTickets(manager, tickets);
  await engine.startNewTickets(
    manager,
    tickets.filter((ticket) => fresh.has(ticket.ticketId)),
  );
  // Already tracked: the creation was sent again under another event id.
  const duplicates = tickets.filter((ticket) => !fresh.has(ticket.ticketId));
  if (duplicates.length)
    await countAnomalies(
      manager,
      duplicates.map(() => DUPLICATE_CREATE),
    );
}

/**
 * Applies one ticket event to the ticket's clocks. Exported on its own so it
 * can be tested without a broker; the consumer wraps it in the idempotent
 * transaction.
 */
export async function applyTicketEvent(
  engine: ClockEngine,
  event: DeskgraphEvent,
  context: EventHandlerContext,
): Promise<HandlerOutcome> {
  const { manager } = context;
  // Policies and calendars from memory for the whole batch, checked current once.
  await context.batch.once('sla:definitions', () => engine.refreshDefinitions(manager));
  const creations = await deferredWrites<TrackedTicketEntity>(context, 'sla:creations', (writer, tickets) =>
    writeCreations(engine, writer, tickets),
  );
  if (event.type === 'deskgraph.ticket.created.v1') {
    const { data } = event;
    const ticket = manager.create(TrackedTicketEntity, {
      ticketId: data.ticketId,
      queueId: data.queueId,
      customerId: data.customerId,
      priority: data.priority,
      ticketType: data.type,
      customerType: data.customerType ?? null,
      status: 'NEW',
      version: data.version,
      createdAt: new Date(data.createdAt),
    });
    noteEventTime(ticket, event, ticket.createdAt);
    // One already tracked is found (and counted) when the batch's creations are written.
    if (!creations.add(ticket.ticketId, ticket)) return countAnomaly(context, 'duplicate_create', event.type);
    return 'applied';
  }
  if (!event.type.startsWith('deskgraph.ticket.')) return 'ignored';
  const data = event.data as { ticketId: string; version: number; queueId: string; at: string };
  // This ticket's creation, if the batch holds it, must be written before its later events.
  await creations.writeBefore(data.ticketId);
  const ticket = await manager.findOne(TrackedTicketEntity, {
    where: { ticketId: data.ticketId },
    lock: { mode: 'pessimistic_write' },
  });
  // A change before the create (or for a ticket never created) must not invent clocks.
  if (!ticket) return countAnomaly(context, 'unknown_ticket', event.type);
  if (data.version < ticket.version) return countAnomaly(context, 'stale_event', event.type);
  ticket.version = data.version;
  const at = new Date(data.at);
  noteEventTime(ticket, event, at);
  if (ticket.queueId !== data.queueId) {
    ticket.queueId = data.queueId;
    await engine.moveQueue(manager, ticket.ticketId, data.queueId);
  }
  switch (event.type) {
    case 'deskgraph.ticket.replied.v1': {
      if (event.data.author === 'AGENT' && event.data.visibility === 'PUBLIC') {
        await engine.fulfil(manager, ticket.ticketId, 'FIRST_RESPONSE', at);
        await engine.fulfil(manager, ticket.ticketId, 'NEXT_RESPONSE', at);
      } else if (event.data.author === 'CUSTOMER') {
        // The customer's reply ends the wait on them by itself, whatever the ticket's status says yet.
        await engine.resumeAll(manager, ticket, at, 'WAITING_ON_CUSTOMER');
        // Each customer message awaits an agent reply, unless the first response (or an earlier
        // unanswered message) still does: the oldest unanswered message sets the due time.
        const open = await manager.query(
          `SELECT target FROM clocks WHERE ticket_id = $1 AND target IN ('FIRST_RESPONSE', 'NEXT_RESPONSE')
             AND state IN ('RUNNING', 'PAUSED', 'BREACHED')`,
          [ticket.ticketId],
        );
        if (open.length === 0 && !['RESOLVED', 'CLOSED', 'ARCHIVED'].includes(ticket.status)) {
          await engine.start(manager, ticket, 'NEXT_RESPONSE', at);
        }
      }
      break;
    }
    case 'deskgraph.ticket.status_changed.v1': {
      const { from, to } = event.data;
      ticket.status = to;
      // Leaving a wait resumes; moving from one wait to another ends one pause and starts the next,
      // so each paused period keeps its own reason.
      if (PENDING.has(from) && from !== to) await engine.resumeAll(manager, ticket, at);
      if (PENDING.has(to) && from !== to) {
        await engine.pauseAll(
          manager,
          ticket,
          to === 'PENDING_CUSTOMER' ? 'WAITING_ON_CUSTOMER' : 'WAITING_ON_THIRD_PARTY',
          at,
        );
      }
      if (to === 'RESOLVED') {
        // The resolution answers the customer: a first response still open is met by it.
        await engine.fulfil(manager, ticket.ticketId, 'RESOLUTION', at);
        await engine.fulfil(manager, ticket.ticketId, 'FIRST_RESPONSE', at);
        await engine.stop(manager, ticket.ticketId, at, ['NEXT_RESPONSE']);
      }
      if (to === 'CLOSED' || to === 'ARCHIVED') await engine.stop(manager, ticket.ticketId, at);
      if (event.data.reopened) await engine.start(manager, ticket, 'RESOLUTION', at);
      break;
    }
    case 'deskgraph.ticket.classified.v1': {
      const priorityChanged = ticket.priority !== event.data.priority;
      const typeChanged = ticket.ticketType !== event.data.type;
      ticket.priority = event.data.priority;
      ticket.ticketType = event.data.type;
      if (priorityChanged || typeChanged) await engine.recompute(manager, ticket, at);
      break;
    }
    case 'deskgraph.ticket.merged.v1':
      await engine.stop(manager, ticket.ticketId, at);
      break;
    default:
      break;
  }
  await manager.save(ticket);
  return 'applied';
}

export function ticketEventsConsumer(engine: ClockEngine, afterApply: () => void): ConsumerDefinition {
  return {
    group: 'sla',
    topics: [TOPICS.tickets],
    handle: async (event, context) => {
      // New timers may be due before the scheduler's next wake-up; it can see them once committed.
      context.batch.afterCommit(afterApply);
      return applyTicketEvent(engine, event, context);
    },
  };
}
