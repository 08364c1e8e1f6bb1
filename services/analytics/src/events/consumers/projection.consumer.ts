import { TOPICS, type DeskgraphEvent } from '@deskgraph/events';
import type { ConsumerDefinition, EventHandlerContext, HandlerOutcome } from '@deskgraph/platform';

/**
 * Folds ticket and SLA events into the projections. Events of one ticket
 * arrive in order per topic, but the two topics interleave freely, so every
 * branch tolerates the other topic's event having come first.
 */
export async function applyToProjections(
  event: DeskgraphEvent,
  { manager }: EventHandlerContext,
): Promise<HandlerOutcome> {
  switch (event.type) {
    case 'deskgraph.ticket.created.v1': {
      const { data } = event;
      await manager.query(
        `INSERT INTO ticket_facts (ticket_id, number, created_at, channel, type, category, priority, queue_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (ticket_id) DO UPDATE SET number = EXCLUDED.number, created_at = EXCLUDED.created_at,
           channel = EXCLUDED.channel, type = EXCLUDED.type, category = EXCLUDED.category,
           priority = EXCLUDED.priority, queue_id = EXCLUDED.queue_id`,
        [
          data.ticketId,
          data.number,
          data.createdAt,
          data.channel,
          data.type,
          data.category,
          data.priority,
          data.queueId,
        ],
      );
      return 'applied';
    }
    case 'deskgraph.sla.clock_started.v1': {
      const { data } = event;
      if (data.target !== 'FIRST_RESPONSE') return 'ignored';
      // A placeholder row keeps the due time if the SLA event overtook the ticket event.
      await manager.query(
        `INSERT INTO ticket_facts (ticket_id, number, created_at, channel, type, priority, queue_id, first_response_due_at)
         VALUES ($1, NULL, $2, NULL, NULL, $3, $4, $5)
         ON CONFLICT (ticket_id) DO UPDATE SET first_response_due_at = EXCLUDED.first_response_due_at`,
        [data.ticketId, data.startedAt, data.priority, data.queueId, data.dueAt],
      );
      return 'applied';
    }
    default:
      return 'ignored';
  }
}

export function projectionConsumer(): ConsumerDefinition {
  return { group: 'analytics', topics: [TOPICS.tickets, TOPICS.sla], handle: applyToProjections };
}
