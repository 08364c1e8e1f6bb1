import { TOPICS, type DeskgraphEvent } from '@deskgraph/events';
import {
  deferredWrites,
  maskSensitive,
  type ConsumerDefinition,
  type EventHandlerContext,
  type HandlerOutcome,
} from '@deskgraph/platform';
import type { EntityManager } from 'typeorm';
import { insertDraftArticle } from '../../article/article.service';
import { buildCapturedDraft, shouldCaptureDraft } from '../../capture/expert-capture';
import { CategoryEntity } from '../../category/category.entity';
import { TicketFactEntity } from '../../ticket-facts/ticket-fact.entity';
import { knowledgeEvents } from '../knowledge-events';

/** Proposes a draft from the ticket's expert answer when the capture rule holds (see expert-capture.ts). */
async function captureExpertAnswer(
  manager: EntityManager,
  context: EventHandlerContext,
  ticket: TicketFactEntity,
  at: string,
): Promise<void> {
  const [{ linked, proposed }]: { linked: string; proposed: string }[] = await manager.query(
    `SELECT (SELECT count(*) FROM article_ticket_links WHERE ticket_id = $1) AS linked,
            (SELECT count(*) FROM articles WHERE source_ticket_id = $1) AS proposed`,
    [ticket.ticketId],
  );
  if (
    !shouldCaptureDraft(ticket, {
      articlesLinked: Number(linked),
      draftAlreadyProposed: Number(proposed) > 0,
    })
  ) {
    return;
  }
  const draft = buildCapturedDraft(ticket);
  const categoryId =
    ticket.category && (await manager.findOneBy(CategoryEntity, { id: ticket.category }))
      ? ticket.category
      : null;
  const article = await insertDraftArticle(
    manager,
    { ...draft, categoryId, audience: 'INTERNAL' },
    {
      authorId: ticket.expertId ?? 'system',
      reason: `proposed from the expert answer on ticket ${ticket.number}`,
      sourceTicketId: ticket.ticketId,
    },
  );
  await context.outbox.enqueue(manager, [
    knowledgeEvents.draftProposed({
      articleId: article.id,
      actor: { id: 'knowledge', role: 'system' },
      at,
      ticketId: ticket.ticketId,
      ticketNumber: ticket.number,
      title: article.title,
      categoryId,
    }),
  ]);
}

/**
 * Keeps the ticket facts knowledge needs (suggestions, capture, templates) and
 * runs the capture rule when a ticket is resolved. Exported on its own so it
 * can be tested without a broker; the consumer wraps it in the idempotent
 * transaction.
 */
export async function applyTicketEvent(
  event: DeskgraphEvent,
  context: EventHandlerContext,
): Promise<HandlerOutcome> {
  const { manager } = context;
  // A batch's new tickets go in one INSERT; one already known (a creation sent again) is skipped by it.
  const creations = await deferredWrites<Partial<TicketFactEntity>>(
    context,
    'knowledge:facts',
    async (writer, facts) => {
      await writer.createQueryBuilder().insert().into(TicketFactEntity).values(facts).orIgnore().execute();
    },
  );
  if (event.type === 'deskgraph.ticket.created.v1') {
    const { data } = event;
    const fresh = creations.add(data.ticketId, {
      ticketId: data.ticketId,
      number: data.number,
      // Free text from a public topic: mask it again rather than trust every producer did.
      title: maskSensitive(data.title),
      description: data.description == null ? null : maskSensitive(data.description),
      type: data.type,
      category: data.category,
      priority: data.priority,
      queueId: data.queueId,
      customerId: data.customerId,
      customerType: data.customerType ?? null,
      status: 'NEW',
      version: data.version,
      expertAnswer: null,
      expertId: null,
      createdAt: new Date(data.createdAt),
      updatedAt: new Date(),
    });
    return fresh ? 'applied' : 'ignored';
  }
  if (!event.type.startsWith('deskgraph.ticket.')) return 'ignored';
  const data = event.data as { ticketId: string; version: number; queueId: string; at: string };
  await creations.writeBefore(data.ticketId);
  const ticket = await manager.findOne(TicketFactEntity, {
    where: { ticketId: data.ticketId },
    lock: { mode: 'pessimistic_write' },
  });
  // A change for a ticket whose creation we never saw (or an older replay) changes nothing.
  if (!ticket || data.version < ticket.version) return 'ignored';
  ticket.version = data.version;
  ticket.queueId = data.queueId;
  ticket.updatedAt = new Date();
  switch (event.type) {
    case 'deskgraph.ticket.classified.v1':
      ticket.type = event.data.type;
      ticket.category = event.data.category;
      ticket.priority = event.data.priority;
      break;
    case 'deskgraph.ticket.replied.v1':
      if (
        event.data.author === 'AGENT' &&
        event.data.visibility === 'PUBLIC' &&
        event.data.escalationTier === 'EXPERT' &&
        event.data.body?.trim()
      ) {
        ticket.expertAnswer = maskSensitive(event.data.body);
        ticket.expertId = event.data.actor.id;
      }
      break;
    case 'deskgraph.ticket.status_changed.v1':
      ticket.status = event.data.to;
      break;
    default:
      break;
  }
  await manager.save(ticket);
  if (event.type === 'deskgraph.ticket.status_changed.v1' && event.data.to === 'RESOLVED') {
    await captureExpertAnswer(manager, context, ticket, event.data.at);
  }
  return 'applied';
}

export function ticketEventsConsumer(): ConsumerDefinition {
  return { group: 'knowledge', topics: [TOPICS.tickets], handle: applyTicketEvent };
}
