import { buildEvent, TicketEscalatedV1, TOPICS, type DeskgraphEvent } from '@deskgraph/events';
import type { ConsumerDefinition, EventHandlerContext, HandlerOutcome } from '@deskgraph/platform';
import { changeMeta, EVENT_SOURCE, type TicketChanger } from '../../ticket/ticket-changes';
import { TicketEntity } from '../../ticket/ticket.entity';

const NEXT_TIER = { none: 'SUPERVISOR', SUPERVISOR: 'EXPERT', EXPERT: null } as const;

/**
 * An SLA breach escalates the ticket one tier up (supervisor, then expert),
 * as the handbook prescribes; closed tickets and the top tier stay as they are.
 */
export async function escalateOnBreach(
  changer: TicketChanger,
  event: DeskgraphEvent,
  { manager }: EventHandlerContext,
): Promise<HandlerOutcome> {
  if (event.type !== 'deskgraph.sla.clock_breached.v1') return 'ignored';
  const { data } = event;
  const current = await manager.findOneBy(TicketEntity, { id: data.ticketId });
  if (!current || ['RESOLVED', 'CLOSED', 'ARCHIVED'].includes(current.status)) return 'ignored';
  const tier = NEXT_TIER[current.escalationTier ?? 'none'];
  if (!tier) return 'ignored';
  const reason = `SLA ${data.target.toLowerCase().replace('_', ' ')} breached (due ${data.dueAt})`;
  await changer.change(
    null,
    data.ticketId,
    null,
    ({ ticket, actor, now }) => {
      const before = { tier: ticket.escalationTier };
      ticket.escalationTier = tier;
      return {
        timeline: [
          { action: 'ESCALATED_VERTICAL', before, after: { tier }, result: 'automatic', note: reason },
        ],
        events: (saved) => [
          buildEvent(TicketEscalatedV1, {
            source: EVENT_SOURCE,
            subject: saved.id,
            data: {
              ...changeMeta(saved, actor, now),
              direction: 'VERTICAL',
              tier,
              leadQueueId: saved.queueId,
              helperQueueIds: saved.helperQueueIds,
              reason,
              automatic: true,
            },
          }),
        ],
      };
    },
    manager,
  );
  return 'applied';
}

export function slaBreachedConsumer(changer: TicketChanger): ConsumerDefinition {
  return {
    group: 'tickets',
    topics: [TOPICS.sla],
    handle: (event, context) => escalateOnBreach(changer, event, context),
  };
}
