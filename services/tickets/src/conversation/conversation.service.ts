import { randomUUID } from 'node:crypto';
import { buildEvent, TicketLinkedV1, TicketRepliedV1, TicketReplyRefusedV1 } from '@deskgraph/events';
import { hasRole, type Identity } from '@deskgraph/platform';
import type { DataSource, EntityManager } from 'typeorm';
import { z } from 'zod';
import type { IdempotencyKeys } from '../idempotency/idempotency-keys';
import {
  checkServiceLanguage,
  type CourtesyWarning,
  type ForbiddenMatch,
} from '../service-language/service-language';
import type { ServiceLanguageService } from '../service-language/service-language.service';
import { handOnEvents, handOnIfAway, type HandOn } from '../queue/hand-on';
import type { QueueService } from '../queue/queue.service';
import { assertAuthenticated, assertCanWork, canReadTicket, isCustomerOnly } from '../ticket/ticket-access';
import {
  actorOf,
  appendTimeline,
  changeMeta,
  EVENT_SOURCE,
  type TicketChanger,
} from '../ticket/ticket-changes';
import { parseInput, requiredText, TICKET_LIMITS } from '../ticket/ticket-input';
import { isPendingStatus } from '../ticket/ticket-status';
import { applyTransition, statusEvent } from '../ticket/ticket-workflow.service';
import { TicketEntity } from '../ticket/ticket.entity';
import type { TicketService } from '../ticket/ticket.service';
import { TicketError, TicketErrorCode } from '../ticket/ticket.errors';
import { MessageEntity, type MessageVisibility } from './message.entity';

const replySchema = z.object({
  ticketId: z.string().uuid('ticketId must be a ticket id'),
  body: requiredText('body', TICKET_LIMITS.message),
  visibility: z.enum(['PUBLIC', 'INTERNAL']).default('PUBLIC'),
});

const REOPEN_REASON = 'the customer wrote after the resolution';

export interface ReplyOutcome {
  ticket: TicketEntity;
  message: MessageEntity;
  warnings: CourtesyWarning[];
}

/** Public replies, internal notes and customer replies on a ticket. */
export class ConversationService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly changer: TicketChanger,
    private readonly serviceLanguage: ServiceLanguageService,
    private readonly idempotency: IdempotencyKeys,
    private readonly queues: QueueService,
    private readonly tickets: TicketService,
  ) {}

  /** `idempotencyKey`: a retry with the same key and input returns this reply again (see README). */
  async reply(
    identity: Identity,
    rawInput: unknown,
    idempotencyKey: string | null = null,
  ): Promise<ReplyOutcome> {
    assertAuthenticated(identity);
    const input = parseInput(replySchema, rawInput);
    const fromCustomer = isCustomerOnly(identity);
    if (fromCustomer && input.visibility === 'INTERNAL') {
      throw new TicketError(TicketErrorCode.NotAllowed, 'Customers cannot write internal notes.');
    }
    const body = input.body;
    // Only what the customer reads is held to the service-language standards; internal notes are not.
    let warnings: CourtesyWarning[] = [];
    const checkLanguage = async () => {
      if (fromCustomer || input.visibility !== 'PUBLIC') return;
      const check = checkServiceLanguage(
        body,
        await this.serviceLanguage.activeRules(this.dataSource.manager),
      );
      if (check.forbidden.length > 0) await this.refuse(identity, input.ticketId, check.forbidden);
      warnings = check.warnings;
    };
    return this.idempotency.run(
      { identity, operation: 'replyToTicket', key: idempotencyKey, input: rawInput },
      {
        // Outside the transaction (a refusal commits on its own); a replay skips it: that reply was sent.
        before: checkLanguage,
        execute: (manager) => this.send(identity, input, body, fromCustomer, warnings, manager),
        remember: (outcome) => ({
          ticketId: outcome.ticket.id,
          messageId: outcome.message.id,
          warnings: outcome.warnings,
        }),
        replay: async (remembered, manager) => ({
          ticket: await manager.findOneByOrFail(TicketEntity, { id: remembered.ticketId as string }),
          message: await manager.findOneByOrFail(MessageEntity, { id: remembered.messageId as string }),
          warnings: remembered.warnings as CourtesyWarning[],
        }),
      },
    );
  }

  private async send(
    identity: Identity,
    input: z.input<typeof replySchema>,
    body: string,
    fromCustomer: boolean,
    warnings: CourtesyWarning[],
    transaction: EntityManager,
  ): Promise<ReplyOutcome> {
    if (fromCustomer) {
      // Locked here already, so the ticket cannot close or reopen between this look and the change.
      const current = await transaction.findOne(TicketEntity, {
        where: { id: input.ticketId },
        lock: { mode: 'pessimistic_write' },
      });
      if (
        current &&
        current.status === 'CLOSED' &&
        !current.mergedIntoId &&
        canReadTicket(identity, current)
      ) {
        return this.followUp(identity, current, body, warnings, transaction);
      }
    }
    let message: MessageEntity | null = null;
    const ticket = await this.changer.change(
      identity,
      input.ticketId,
      null,
      async ({ ticket, actor, now, manager }) => {
        if (fromCustomer) {
          if (!(hasRole(identity, 'customer') && identity.customerId === ticket.customerId)) {
            throw new TicketError(
              TicketErrorCode.NotAllowed,
              'Customers can only reply on their own tickets.',
            );
          }
        } else {
          assertCanWork(identity, ticket);
        }
        assertWritable(ticket);
        const from = ticket.status;
        const isPublicAgentReply = !fromCustomer && input.visibility === 'PUBLIC';
        const firstResponse = isPublicAgentReply && !ticket.firstRespondedAt;
        if (firstResponse) ticket.firstRespondedAt = now;
        // A customer's answer ends the wait on them; an agent's first answer starts the work.
        if (fromCustomer && isPendingStatus(ticket.status)) ticket.status = 'IN_PROGRESS';
        // Writing on a resolved ticket says it is not solved: a second handling, as an UNSATISFIED
        // confirmation starts (without a rating: the customer rated nothing).
        let handOn: HandOn | null = null;
        const reopened = fromCustomer && from === 'RESOLVED';
        if (reopened) {
          applyTransition(ticket, 'IN_PROGRESS', now);
          handOn = await handOnIfAway(manager, this.queues, ticket);
        }
        if (isPublicAgentReply && (ticket.status === 'NEW' || ticket.status === 'ASSIGNED')) {
          ticket.status = 'IN_PROGRESS';
          ticket.assigneeId ??= identity.userId;
        }
        message = manager.create(MessageEntity, {
          id: randomUUID(),
          ticketId: ticket.id,
          authorId: identity.userId,
          authorKind: fromCustomer ? 'CUSTOMER' : 'AGENT',
          visibility: input.visibility as MessageVisibility,
          // Public replies go out through the channel the customer prefers (else the one they came by).
          channel: ticket.customerPreferredChannel ?? ticket.channel,
          body,
          createdAt: now,
        });
        await manager.insert(MessageEntity, message);
        const action = fromCustomer
          ? 'CUSTOMER_REPLIED'
          : input.visibility === 'PUBLIC'
            ? 'REPLIED'
            : 'NOTE_ADDED';
        return {
          timeline: [
            ...(reopened
              ? [
                  {
                    action: 'STATUS_CHANGED',
                    before: { status: from },
                    after: { status: ticket.status, reopenCount: ticket.reopenCount },
                    result: 'reopened for second handling',
                    note: REOPEN_REASON,
                  },
                ]
              : []),
            {
              action,
              before: { status: from },
              after: { status: ticket.status, messageId: message.id },
              result: firstResponse
                ? 'first response'
                : fromCustomer
                  ? ticket.status === from
                    ? 'received'
                    : reopened
                      ? 'reopened'
                      : 'work resumed'
                  : input.visibility === 'PUBLIC'
                    ? `sent via ${message.channel}`
                    : 'noted',
            },
            ...(handOn ? [handOn.record] : []),
          ],
          events: (saved) => {
            const status = statusEvent(
              saved,
              actor,
              now,
              from,
              reopened ? REOPEN_REASON : fromCustomer ? 'customer replied' : 'agent replied',
              true,
            );
            const replied = buildEvent(TicketRepliedV1, {
              source: EVENT_SOURCE,
              subject: saved.id,
              data: {
                ...changeMeta(saved, actor, now),
                messageId: message!.id,
                author: fromCustomer ? 'CUSTOMER' : 'AGENT',
                visibility: input.visibility as MessageVisibility,
                channel: message!.channel,
                firstResponse,
                createdAt: now.toISOString(),
                ...(input.visibility === 'PUBLIC' ? { body } : {}),
                escalationTier: saved.escalationTier,
              },
            });
            // A reopening goes first, so consumers see the ticket in work again when the message
            // arrives (the SLA service then awaits an answer to it). Every other reply keeps the
            // published order: the message, then the status it caused.
            return reopened
              ? [...status, ...handOnEvents(saved, actor, now, handOn), replied]
              : [replied, ...status];
          },
        };
      },
      transaction,
    );
    return { ticket, message: message!, warnings };
  }

  /**
   * A closed ticket stays closed (its rating, visits and figures stand): the
   * customer's message opens a follow-up ticket — same customer, title and
   * channel, the message as description and first message — linked to the
   * old one, whose timeline says where the conversation went on.
   */
  private async followUp(
    identity: Identity,
    closed: TicketEntity,
    body: string,
    warnings: CourtesyWarning[],
    manager: EntityManager,
  ): Promise<ReplyOutcome> {
    if (!(hasRole(identity, 'customer') && identity.customerId === closed.customerId)) {
      throw new TicketError(TicketErrorCode.NotAllowed, 'Customers can only reply on their own tickets.');
    }
    const created = await this.tickets.createIn(
      manager,
      identity,
      {
        title: closed.title,
        description: body,
        channel: closed.channel,
        customer: {
          name: closed.customerName,
          type: closed.customerType,
          contact: closed.customerContact,
          preferredChannel: closed.customerPreferredChannel,
        },
      },
      closed,
    );
    let message: MessageEntity | null = null;
    const ticket = await this.changer.change(
      identity,
      created.id,
      null,
      async ({ ticket, actor, now }) => {
        message = manager.create(MessageEntity, {
          id: randomUUID(),
          ticketId: ticket.id,
          authorId: identity.userId,
          authorKind: 'CUSTOMER',
          visibility: 'PUBLIC',
          channel: ticket.customerPreferredChannel ?? ticket.channel,
          body,
          createdAt: now,
        });
        await manager.insert(MessageEntity, message);
        await manager.query(
          `INSERT INTO ticket_links (ticket_id, related_ticket_id) VALUES ($1, $2), ($2, $1) ON CONFLICT DO NOTHING`,
          [ticket.id, closed.id],
        );
        await appendTimeline(manager, closed.id, actorOf(identity), now, [
          {
            action: 'FOLLOW_UP_OPENED',
            before: { status: closed.status },
            after: { followUp: ticket.number, messageId: message.id },
            result: `closed ticket kept; follow-up ${ticket.number} opened`,
            note: 'the customer wrote after the ticket was closed',
          },
        ]);
        return {
          timeline: [
            {
              action: 'CUSTOMER_REPLIED',
              after: { status: ticket.status, messageId: message.id },
              result: 'received',
            },
            { action: 'LINKED', after: { related: closed.number }, result: 'linked' },
          ],
          events: (saved) => [
            buildEvent(TicketRepliedV1, {
              source: EVENT_SOURCE,
              subject: saved.id,
              data: {
                ...changeMeta(saved, actor, now),
                messageId: message!.id,
                author: 'CUSTOMER',
                visibility: 'PUBLIC',
                channel: message!.channel,
                firstResponse: false,
                createdAt: now.toISOString(),
                body,
                escalationTier: saved.escalationTier,
              },
            }),
            buildEvent(TicketLinkedV1, {
              source: EVENT_SOURCE,
              subject: saved.id,
              data: { ...changeMeta(saved, actor, now), relatedTicketId: closed.id },
            }),
          ],
        };
      },
      manager,
    );
    return { ticket, message: message!, warnings };
  }

  /**
   * Records the refusal (timeline and event, in their own transaction, so
   * supervisors can count refusals per agent) and then refuses the reply.
   */
  private async refuse(identity: Identity, ticketId: string, matches: ForbiddenMatch[]): Promise<never> {
    const phrases = matches.map((match) => match.phrase);
    const suggestions = matches.flatMap((match) => (match.suggestion ? [match.suggestion] : []));
    await this.changer.record(identity, ticketId, async ({ ticket, actor, now }) => {
      assertCanWork(identity, ticket);
      assertWritable(ticket);
      return {
        value: null,
        timeline: [
          {
            action: 'REPLY_REFUSED',
            after: { phrases, suggestions },
            result: 'refused: service language',
            note: null,
          },
        ],
        events: (current) => [
          buildEvent(TicketReplyRefusedV1, {
            source: EVENT_SOURCE,
            subject: current.id,
            data: { ...changeMeta(current, actor, now), phrases, suggestions },
          }),
        ],
      };
    });
    const advice = matches
      .map((match) => `"${match.phrase}"${match.suggestion ? ` (say instead: "${match.suggestion}")` : ''}`)
      .join('; ');
    throw new TicketError(
      TicketErrorCode.ServiceLanguage,
      `The reply was not sent: it uses forbidden service language ${advice}.`,
      { phrases, suggestions },
    );
  }

  /** Customers see public messages only. */
  async messages(identity: Identity, ticket: TicketEntity): Promise<MessageEntity[]> {
    if (!canReadTicket(identity, ticket)) return [];
    const where = isCustomerOnly(identity)
      ? { ticketId: ticket.id, visibility: 'PUBLIC' as const }
      : { ticketId: ticket.id };
    return this.dataSource.getRepository(MessageEntity).find({ where, order: { createdAt: 'ASC' } });
  }
}

function assertWritable(ticket: TicketEntity): void {
  if (ticket.status === 'ARCHIVED' || ticket.mergedIntoId) {
    throw new TicketError(
      TicketErrorCode.InvalidState,
      ticket.mergedIntoId
        ? 'This ticket was merged; reply on its primary ticket.'
        : 'Archived tickets are read-only.',
    );
  }
}
