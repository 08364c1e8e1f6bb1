import { randomUUID } from 'node:crypto';
import {
  buildEvent,
  SlaClockStartedV1,
  TOPICS,
  type DeskgraphEvent,
  type EventOfType,
} from '@deskgraph/events';
import type { ConsumerDefinition, EventHandlerContext, HandlerOutcome } from '@deskgraph/platform';
import { SlaClockEntity, TrackedTicketEntity } from '../../clock/sla-clock.entity';
import { dueAtFor, firstResponseRule } from '../../policy/default-policy';

const EVENT_SOURCE = '/deskgraph/sla';

/** A new ticket starts its first-response clock. */
async function onTicketCreated(
  event: EventOfType<'deskgraph.ticket.created.v1'>,
  { manager, outbox }: EventHandlerContext,
): Promise<HandlerOutcome> {
  const { data } = event;
  const known = await manager.findOneBy(TrackedTicketEntity, { ticketId: data.ticketId });
  if (known) return 'ignored';
  const createdAt = new Date(data.createdAt);
  await manager.insert(TrackedTicketEntity, {
    ticketId: data.ticketId,
    queueId: data.queueId,
    customerId: data.customerId,
    priority: data.priority,
    createdAt,
  });
  const rule = firstResponseRule(data.priority);
  const clock = manager.create(SlaClockEntity, {
    id: randomUUID(),
    ticketId: data.ticketId,
    target: rule.target,
    state: 'RUNNING',
    priority: data.priority,
    startedAt: createdAt,
    dueAt: dueAtFor(rule, createdAt),
    businessTime: rule.businessTime,
  });
  await manager.insert(SlaClockEntity, clock);
  await outbox.enqueue(manager, [
    buildEvent(SlaClockStartedV1, {
      source: EVENT_SOURCE,
      subject: data.ticketId,
      data: {
        clockId: clock.id,
        ticketId: clock.ticketId,
        queueId: data.queueId,
        target: clock.target,
        priority: clock.priority,
        startedAt: clock.startedAt.toISOString(),
        dueAt: clock.dueAt!.toISOString(),
        businessTime: clock.businessTime,
      },
    }),
  ]);
  return 'applied';
}

/** Exported on its own so it can be tested without a broker. */
export async function handleTicketEvent(
  event: DeskgraphEvent,
  context: EventHandlerContext,
): Promise<HandlerOutcome> {
  switch (event.type) {
    case 'deskgraph.ticket.created.v1':
      return onTicketCreated(event, context);
    default:
      return 'ignored';
  }
}

export function ticketEventsConsumer(): ConsumerDefinition {
  return { group: 'sla', topics: [TOPICS.tickets], handle: handleTicketEvent };
}
