import { TOPICS, type DeskgraphEvent } from '@deskgraph/events';
import {
  deferredWrites,
  maskSensitive,
  queryPrepared,
  type ConsumerDefinition,
  type DeferredWrites,
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

interface TicketFactRow {
  ticketId: string;
  number: string;
  title: string;
  priority: string;
  queueId: string;
  channel: string;
  customerId: string;
}

/** A batch's new tickets in one INSERT; one already known (a creation sent again) is skipped by it. */
async function insertTicketFacts(manager: EntityManager, facts: TicketFactRow[]): Promise<void> {
  await queryPrepared(
    manager,
    `INSERT INTO ticket_facts (ticket_id, number, title, priority, queue_id, channel, customer_id)
     SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[])
     ON CONFLICT (ticket_id) DO NOTHING`,
    [
      facts.map((fact) => fact.ticketId),
      facts.map((fact) => fact.number),
      facts.map((fact) => fact.title),
      facts.map((fact) => fact.priority),
      facts.map((fact) => fact.queueId),
      facts.map((fact) => fact.channel),
      facts.map((fact) => fact.customerId),
    ],
  );
}

/**
 * Number, title, priority and queue of each ticket, for robot messages and
 * queue filters. Creations are written once per batch; a later event of the
 * same ticket in the batch writes them first, so it finds its row.
 */
async function keepTicketFacts(
  manager: EntityManager,
  event: DeskgraphEvent,
  creations: DeferredWrites<TicketFactRow>,
): Promise<void> {
  if (event.type === 'deskgraph.ticket.created.v1') {
    const { data } = event;
    creations.add(data.ticketId, {
      ticketId: data.ticketId,
      number: data.number,
      // Free text from a public topic: mask it again rather than trust every producer did.
      title: maskSensitive(data.title),
      priority: data.priority,
      queueId: data.queueId,
      channel: data.channel,
      customerId: data.customerId,
    });
    return;
  }
  const ticketId = (event.data as { ticketId?: unknown }).ticketId;
  if (typeof ticketId === 'string') await creations.writeBefore(ticketId);
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
  const creations = await deferredWrites<TicketFactRow>(context, 'channels:facts', insertTicketFacts);
  await keepTicketFacts(manager, event, creations);
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
  // A webhook about a new ticket reads its facts: written first when an endpoint will.
  const ticketId = (event.data as { ticketId?: unknown }).ticketId;
  const beforeFactsRead = typeof ticketId === 'string' ? () => creations.writeBefore(ticketId) : undefined;
  if ((await dependencies.webhooks.fanOut(manager, event, batch, beforeFactsRead)) > 0) {
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
