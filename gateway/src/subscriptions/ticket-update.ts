import type { DeskgraphEvent } from '@deskgraph/events';

export type TicketUpdateKind =
  | 'CREATED'
  | 'CLASSIFIED'
  | 'ASSIGNED'
  | 'TRANSFERRED'
  | 'STATUS_CHANGED'
  | 'REPLIED'
  | 'ESCALATED'
  | 'DUTY_MANAGER_NOTIFIED'
  | 'COMPENSATION_CHANGED'
  | 'RATED'
  | 'MERGED'
  | 'LINKED'
  | 'VISIT_SCHEDULED'
  | 'VISIT_COMPLETED'
  | 'VISIT_OVERDUE'
  | 'SLA_STARTED'
  | 'SLA_WARNED'
  | 'SLA_BREACHED'
  /** The client's `since` is older than the replay window: refetch a snapshot. */
  | 'RESYNC_REQUIRED';

/** Where an event sits in Kafka: what replay and the hand-over to live updates go by. */
export interface StreamPosition {
  topic: string;
  partition: number;
  offset: bigint;
  /** The record's broker timestamp (LogAppendTime), ms since the epoch. */
  timestamp: number;
}

/** `topic:partition`, the key of per-partition offsets. */
export function partitionKey(topic: string, partition: number): string {
  return `${topic}:${partition}`;
}

/** What the gateway knows of an event before any fetch: enough to route and authorize. */
export interface TicketUpdate {
  eventId: string;
  kind: TicketUpdateKind;
  /**
   * When the event reached its topic (the broker's clock), not the producer's
   * `time`: a client's `since` must be a point in the stream, which one
   * producer's skewed clock cannot move.
   */
  at: string;
  version: number | null;
  /** Null only for RESYNC_REQUIRED, which concerns no single ticket. */
  ticketId: string | null;
  /** Every queue whose subscribers should see it (e.g. both sides of a transfer). */
  queueIds: string[];
  /** Absent only for RESYNC_REQUIRED. */
  position?: StreamPosition;
}

const TICKET_KINDS: Partial<Record<DeskgraphEvent['type'], TicketUpdateKind>> = {
  'deskgraph.ticket.created.v1': 'CREATED',
  'deskgraph.ticket.classified.v1': 'CLASSIFIED',
  'deskgraph.ticket.assigned.v1': 'ASSIGNED',
  'deskgraph.ticket.transferred.v1': 'TRANSFERRED',
  'deskgraph.ticket.status_changed.v1': 'STATUS_CHANGED',
  'deskgraph.ticket.replied.v1': 'REPLIED',
  'deskgraph.ticket.escalated.v1': 'ESCALATED',
  'deskgraph.ticket.duty_manager_notified.v1': 'DUTY_MANAGER_NOTIFIED',
  'deskgraph.ticket.compensation_changed.v1': 'COMPENSATION_CHANGED',
  'deskgraph.ticket.rated.v1': 'RATED',
  'deskgraph.ticket.merged.v1': 'MERGED',
  'deskgraph.ticket.linked.v1': 'LINKED',
  'deskgraph.ticket.visit_scheduled.v1': 'VISIT_SCHEDULED',
  'deskgraph.ticket.visit_completed.v1': 'VISIT_COMPLETED',
  'deskgraph.ticket.visit_overdue.v1': 'VISIT_OVERDUE',
};

const SLA_KINDS: Partial<Record<DeskgraphEvent['type'], TicketUpdateKind>> = {
  'deskgraph.sla.clock_started.v1': 'SLA_STARTED',
  'deskgraph.sla.clock_warned.v1': 'SLA_WARNED',
  'deskgraph.sla.clock_breached.v1': 'SLA_BREACHED',
};

/**
 * Maps a public event to a live update, or null for events no subscription
 * shows. Without a position (unit tests) `at` is the event's own time.
 */
export function toTicketUpdate(event: DeskgraphEvent, position?: StreamPosition): TicketUpdate | null {
  const base = {
    eventId: event.id,
    at: position ? new Date(position.timestamp).toISOString() : event.time,
    ...(position ? { position } : {}),
  };
  const slaKind = SLA_KINDS[event.type];
  if (slaKind) {
    const data = event.data as { ticketId: string; queueId: string };
    return { ...base, kind: slaKind, version: null, ticketId: data.ticketId, queueIds: [data.queueId] };
  }
  const kind = TICKET_KINDS[event.type];
  if (!kind || !('version' in event.data)) return null;
  const data = event.data as { ticketId: string; version: number; queueId: string };
  const queueIds = new Set([data.queueId]);
  if (event.type === 'deskgraph.ticket.transferred.v1') queueIds.add(event.data.fromQueueId);
  if (event.type === 'deskgraph.ticket.escalated.v1')
    event.data.helperQueueIds.forEach((id) => queueIds.add(id));
  return { ...base, kind, version: data.version, ticketId: data.ticketId, queueIds: [...queueIds] };
}
