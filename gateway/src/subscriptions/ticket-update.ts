import type { DeskgraphEvent } from '@deskgraph/events';

export type TicketUpdateKind =
  'CREATED' | 'ASSIGNED' | 'STATUS_CHANGED' | 'ESCALATED' | 'SLA_STARTED' | 'SLA_WARNED' | 'SLA_BREACHED';

/** What the gateway knows of an event before any fetch: enough to route and authorize. */
export interface TicketUpdate {
  eventId: string;
  kind: TicketUpdateKind;
  at: string;
  version: number | null;
  ticketId: string;
  queueId: string;
}

/** Maps a public event to a live update, or null for events no subscription shows. */
export function toTicketUpdate(event: DeskgraphEvent): TicketUpdate | null {
  const base = { eventId: event.id, at: event.time };
  switch (event.type) {
    case 'deskgraph.ticket.created.v1':
      return {
        ...base,
        kind: 'CREATED',
        version: event.data.version,
        ticketId: event.data.ticketId,
        queueId: event.data.queueId,
      };
    case 'deskgraph.sla.clock_started.v1':
      return {
        ...base,
        kind: 'SLA_STARTED',
        version: null,
        ticketId: event.data.ticketId,
        queueId: event.data.queueId,
      };
    default:
      return null;
  }
}
