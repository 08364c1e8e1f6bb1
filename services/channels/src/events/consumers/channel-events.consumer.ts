import { TOPICS, type DeskgraphEvent } from '@deskgraph/events';
import {
  maskSensitive,
  type ConsumerDefinition,
  type EventHandlerContext,
  type HandlerOutcome,
} from '@deskgraph/platform';
import type { EntityManager } from 'typeorm';
import type { OutboundMailService } from '../../mail/outbound-mail.service';
import type { WebhookService } from '../../webhook/webhook.service';

export interface ChannelEventDependencies {
  mail: Pick<OutboundMailService, 'enqueue'>;
  webhooks: Pick<WebhookService, 'fanOut'>;
  /** Called after the batch committed work for the mail or webhook workers. */
  wakeMail: () => void;
  wakeWebhooks: () => void;
}

/** Number, title, priority and queue of each ticket, for robot messages and queue filters. */
async function keepTicketFacts(manager: EntityManager, event: DeskgraphEvent): Promise<void> {
  if (event.type === 'deskgraph.ticket.created.v1') {
    const { data } = event;
    await manager.query(
      `INSERT INTO ticket_facts (ticket_id, number, title, priority, queue_id, channel, customer_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (ticket_id) DO NOTHING`,
      // Free text from a public topic: mask it again rather than trust every producer did.
      [
        data.ticketId,
        data.number,
        maskSensitive(data.title),
        data.priority,
        data.queueId,
        data.channel,
        data.customerId,
      ],
    );
    return;
  }
  if (event.type === 'deskgraph.ticket.classified.v1') {
    await manager.query(`UPDATE ticket_facts SET priority = $2, queue_id = $3 WHERE ticket_id = $1`, [
      event.data.ticketId,
      event.data.priority,
      event.data.queueId,
    ]);
    return;
  }
  if (event.type === 'deskgraph.ticket.transferred.v1' || event.type === 'deskgraph.ticket.escalated.v1') {
    await manager.query(`UPDATE ticket_facts SET queue_id = $2 WHERE ticket_id = $1`, [
      event.data.ticketId,
      event.data.queueId,
    ]);
  }
}

/**
 * Applies one public event: keeps ticket facts, queues the mail a public
 * agent reply or a resolution causes, and queues webhook deliveries. All of
 * it lands in the consumer's transaction with the processed-event mark, so
 * a redelivered event queues nothing twice; the workers send after commit.
 */
export async function applyChannelEvent(
  event: DeskgraphEvent,
  context: EventHandlerContext,
  dependencies: ChannelEventDependencies,
): Promise<HandlerOutcome> {
  const { manager, batch } = context;
  let applied = false;
  await keepTicketFacts(manager, event);
  if (
    event.type === 'deskgraph.ticket.replied.v1' &&
    event.data.author === 'AGENT' &&
    event.data.visibility === 'PUBLIC' &&
    event.data.channel === 'EMAIL' &&
    event.data.body
  ) {
    await dependencies.mail.enqueue(manager, {
      sourceEventId: event.id,
      kind: 'REPLY',
      ticketId: event.data.ticketId,
      body: event.data.body,
    });
    batch.afterCommit(dependencies.wakeMail);
    applied = true;
  }
  if (event.type === 'deskgraph.ticket.status_changed.v1' && event.data.to === 'RESOLVED') {
    // Whether the customer takes mail is asked when sending; other customers' letters are skipped.
    await dependencies.mail.enqueue(manager, {
      sourceEventId: event.id,
      kind: 'CONFIRMATION',
      ticketId: event.data.ticketId,
      body: '',
    });
    batch.afterCommit(dependencies.wakeMail);
    applied = true;
  }
  if ((await dependencies.webhooks.fanOut(manager, event, batch)) > 0) {
    batch.afterCommit(dependencies.wakeWebhooks);
    applied = true;
  }
  return applied || event.type.startsWith('deskgraph.ticket.') ? 'applied' : 'ignored';
}

export function channelEventsConsumer(dependencies: ChannelEventDependencies): ConsumerDefinition {
  return {
    group: 'channels',
    topics: [TOPICS.tickets, TOPICS.sla, TOPICS.channels],
    handle: (event, context) => applyChannelEvent(event, context, dependencies),
  };
}
