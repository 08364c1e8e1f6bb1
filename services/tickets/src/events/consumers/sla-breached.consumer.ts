import { TOPICS, type DeskgraphEvent } from '@deskgraph/events';
import {
  claimFact,
  type ConsumerDefinition,
  type EventHandlerContext,
  type HandlerOutcome,
} from '@deskgraph/platform';
import type { EscalationService } from '../../escalation/escalation.service';

/**
 * An SLA breach escalates the ticket one tier (the escalation service's
 * rule). A breach is one fact per clock and cycle: re-sent under a new event
 * id (a restored SLA database, a re-emitted timer) it must not escalate
 * again, so its domain key is claimed in the same transaction.
 */
export async function escalateOnBreach(
  escalations: EscalationService,
  event: DeskgraphEvent,
  { manager, logger }: EventHandlerContext,
): Promise<HandlerOutcome> {
  if (event.type !== 'deskgraph.sla.clock_breached.v1') return 'ignored';
  const { data } = event;
  if (!(await claimFact(manager, 'sla-breach', `${data.clockId}:${data.cycle}`, event.id))) {
    logger.info(
      { eventId: event.id, clockId: data.clockId, cycle: data.cycle },
      'breach already handled under another event id; ignored',
    );
    return 'ignored';
  }
  return escalations.escalateOnBreach(manager, data);
}

export function slaBreachedConsumer(escalations: EscalationService): ConsumerDefinition {
  return {
    group: 'tickets',
    topics: [TOPICS.sla],
    // Warnings, starts and fulfilments are most of the topic: pass over them unparsed.
    eventTypes: ['deskgraph.sla.clock_breached.v1'],
    handle: (event, context) => escalateOnBreach(escalations, event, context),
  };
}
