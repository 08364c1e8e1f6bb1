import { randomUUID } from 'node:crypto';
import {
  buildEvent,
  TicketCreatedV1,
  TicketDutyManagerNotifiedV1,
  type DeskgraphEvent,
} from '@deskgraph/events';
import { changeTime, type Identity, type OutboxWriter } from '@deskgraph/platform';
import type { DataSource, EntityManager } from 'typeorm';
import { classifyText } from '../classification/classify';
import type { DeskConfig } from '../environment';
import type { IdempotencyKeys } from '../idempotency/idempotency-keys';
import { matchRoutingRule } from '../queue/queue.service';
import { findLikelyDuplicate } from './duplicate-detection';
import { readIntakeContext } from './intake-context';
import { assertAuthenticated, assertCanCreate, canReadTicket, isCustomerOnly } from './ticket-access';
import { actorOf, EVENT_SOURCE, timelineWrite } from './ticket-changes';
import { newTicketEntity, ticketInsert } from './ticket-insert';
import { assertUuid, createTicketInputSchema, parseInput, type CreateTicketInput } from './ticket-input';
import { TicketNumberAllocator } from './ticket-number-allocator';
import { TicketEntity } from './ticket.entity';
import { TicketError, TicketErrorCode } from './ticket.errors';

export class TicketService {
  private readonly numbers: TicketNumberAllocator;

  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: OutboxWriter,
    private readonly desk: DeskConfig,
    private readonly idempotency: IdempotencyKeys,
  ) {
    this.numbers = new TicketNumberAllocator(dataSource, desk.timeZone);
  }

  /** `idempotencyKey`: a retry with the same key and input returns this ticket again (see README). */
  async createTicket(
    identity: Identity,
    rawInput: unknown,
    idempotencyKey: string | null = null,
  ): Promise<TicketEntity> {
    assertAuthenticated(identity);
    const input = parseInput(createTicketInputSchema, rawInput);
    return this.idempotency.run(
      { identity, operation: 'createTicket', key: idempotencyKey, input: rawInput },
      {
        before: () => this.numbers.prepare(changeTime(identity)),
        execute: (manager) => this.createIn(manager, identity, input),
        remember: (ticket) => ({ ticketId: ticket.id }),
        replay: ({ ticketId }, manager) => manager.findOneByOrFail(TicketEntity, { id: ticketId as string }),
      },
    );
  }

  /**
   * Records a ticket inside the caller's transaction: classification,
   * routing, duplicate check, number, timeline and events. `followUpOf` is
   * the closed ticket a customer wrote on (the caller links the two).
   */
  async createIn(
    manager: EntityManager,
    identity: Identity,
    input: CreateTicketInput,
    followUpOf: TicketEntity | null = null,
  ): Promise<TicketEntity> {
    // Customers cannot pick a queue, type or priority: routing and classification decide.
    const isCustomer = isCustomerOnly(identity);
    const title = input.title;
    const description = input.description;
    const customerId = isCustomer
      ? identity.customerId!
      : (input.customer.id ?? `C-${randomUUID().slice(0, 8)}`);
    const context = await readIntakeContext(manager, customerId);
    const suggestion = classifyText(`${title}\n${description}`, context.classificationRules);
    const type = (!isCustomer && input.type) || suggestion.type || 'OTHER';
    const category = (!isCustomer && input.category) || suggestion.category;
    const priority = (!isCustomer && input.priority) || suggestion.priority || 'P3';
    const requestedQueue = !isCustomer ? input.queueId : null;
    if (requestedQueue && !context.queues.has(requestedQueue)) {
      throw new TicketError(TicketErrorCode.QueueNotFound, `Unknown queue(s): ${requestedQueue}.`, {
        queueIds: [requestedQueue],
      });
    }
    const queueId =
      requestedQueue ?? matchRoutingRule(context.routingRules, type, category) ?? this.desk.defaultQueueId;
    assertCanCreate(identity, queueId, { routed: !requestedQueue });
    const duplicate = findLikelyDuplicate(title, context.openOfCustomer);
    const known = context.known;
    // The number is taken after every read, so numbers follow the order creations reach this point.
    const now = changeTime(identity);
    const ticket = newTicketEntity({
      id: randomUUID(),
      number: await this.numbers.allocate(manager, now),
      title,
      description,
      channel: input.channel,
      type,
      category,
      priority,
      queueId,
      customerId,
      customerName: input.customer.name,
      customerType: input.customer.type ?? 'INDIVIDUAL',
      customerContact: input.customer.contact || null,
      customerPreferredChannel: input.customer.preferredChannel ?? null,
      // A customer cannot promote themselves to a key-customer tier: staff record it, and
      // later tickets of the customer (from any channel) keep what was recorded last.
      customerTier: (!isCustomer && input.customer.tier) || known.tier,
      customerRegion: input.customer.region || known.region,
      occurredAt: input.occurredAt ?? null,
      expectedOutcome: input.expectedOutcome || null,
      expectedBy: input.expectedBy ?? null,
      customerMood: input.customerMood ?? null,
      attachments: input.attachments ?? [],
      tags: input.tags ?? [],
      suggestion: { type: suggestion.type, category: suggestion.category, priority: suggestion.priority },
      possibleDuplicateOf: duplicate?.id ?? null,
      createdAt: now,
    });
    const saved = ticket;
    const actor = actorOf(identity);
    const timeline = timelineWrite(saved.id, actor, now, [
      {
        action: 'CREATED',
        after: {
          status: 'NEW',
          type,
          category,
          priority,
          queueId,
          channel: saved.channel,
          ...(followUpOf ? { followUpOf: followUpOf.number } : {}),
        },
        result: followUpOf
          ? `follow-up of closed ticket ${followUpOf.number}; routed to ${queueId}`
          : duplicate
            ? `possible duplicate of ${duplicate.number}`
            : `routed to ${queueId}`,
        note: suggestion.matchedKeywords.length ? `keywords: ${suggestion.matchedKeywords.join(', ')}` : null,
      },
    ]);
    const events = [
      buildEvent(TicketCreatedV1, {
        source: EVENT_SOURCE,
        subject: saved.id,
        time: saved.createdAt,
        data: {
          ticketId: saved.id,
          number: saved.number,
          version: saved.version,
          title: saved.title,
          description: saved.description,
          channel: saved.channel,
          type: saved.type,
          category: saved.category,
          priority: saved.priority,
          queueId: saved.queueId,
          customerId: saved.customerId,
          customerType: saved.customerType,
          customerTier: saved.customerTier,
          customerRegion: saved.customerRegion,
          createdAt: saved.createdAt.toISOString(),
          possibleDuplicateOf: saved.possibleDuplicateOf,
          ...(followUpOf ? { followUpOf: followUpOf.id } : {}),
        },
      }),
      // P0/P1 tickets notify the queue's duty manager (an event a notifier service delivers).
      ...(saved.priority === 'P0' || saved.priority === 'P1'
        ? [
            buildDutyManagerNotice(
              saved,
              actor,
              now,
              context.queues.get(saved.queueId)?.dutyManagerId ?? null,
            ),
          ]
        : []),
    ];
    // The ticket, its timeline entry and its events in one statement.
    await this.outbox.enqueue(manager, events, [ticketInsert(saved), timeline]);
    return saved;
  }

  /** Returns null for tickets the caller may not see, so ids cannot be probed. */
  async findVisible(
    identity: Identity,
    where: { id: string } | { number: string },
  ): Promise<TicketEntity | null> {
    assertAuthenticated(identity);
    if ('id' in where) assertUuid(where.id, 'ticket');
    const ticket = await this.dataSource.getRepository(TicketEntity).findOneBy(where);
    return ticket && canReadTicket(identity, ticket) ? ticket : null;
  }
}

export function buildDutyManagerNotice(
  ticket: TicketEntity,
  actor: ReturnType<typeof actorOf>,
  now: Date,
  dutyManagerId: string | null,
): DeskgraphEvent {
  return buildEvent(TicketDutyManagerNotifiedV1, {
    source: EVENT_SOURCE,
    subject: ticket.id,
    data: {
      ticketId: ticket.id,
      version: ticket.version,
      queueId: ticket.queueId,
      actor,
      at: now.toISOString(),
      dutyManagerId,
      priority: ticket.priority as 'P0' | 'P1',
    },
  });
}
