import { buildEvent, TicketEscalatedV1, type Actor, type DeskgraphEvent } from '@deskgraph/events';
import type { Identity } from '@deskgraph/platform';
import type { EntityManager } from 'typeorm';
import { z } from 'zod';
import { maskSensitiveText } from '../privacy/masking';
import { handOnEvents, handOnIfAway } from '../queue/hand-on';
import type { QueueService } from '../queue/queue.service';
import { assertCanWork } from '../ticket/ticket-access';
import {
  changeMeta,
  EVENT_SOURCE,
  type ChangeContext,
  type ChangeOutcome,
  type TicketChanger,
} from '../ticket/ticket-changes';
import { parseInput, requiredText, TICKET_LIMITS } from '../ticket/ticket-input';
import { TicketEntity, type EscalationTier } from '../ticket/ticket.entity';
import { TicketError, TicketErrorCode } from '../ticket/ticket.errors';
import { canEscalate, isAbove, nextTier } from './escalation-rule';

/** What an SLA breach tells the escalation (from `deskgraph.sla.clock_breached.v1`). */
export interface Breach {
  ticketId: string;
  target: string;
  dueAt: string;
}

const escalateSchema = z
  .object({
    ticketId: z.string().uuid('ticketId must be a ticket id'),
    direction: z.enum(['VERTICAL', 'HORIZONTAL']),
    tier: z.enum(['SUPERVISOR', 'EXPERT']).nullish(),
    leadQueueId: z.string().trim().min(1).nullish(),
    helperQueueIds: z.array(z.string().trim().min(1)).max(10).nullish(),
    reason: requiredText('reason', TICKET_LIMITS.reason),
    expectedVersion: z.number().int().nullish(),
  })
  .superRefine((input, context) => {
    if (input.direction === 'VERTICAL' && !input.tier) {
      context.addIssue({
        code: 'custom',
        path: ['tier'],
        message: 'a vertical escalation needs a tier (SUPERVISOR or EXPERT)',
      });
    }
    if (input.direction === 'HORIZONTAL' && !input.helperQueueIds?.length && !input.leadQueueId) {
      context.addIssue({
        code: 'custom',
        path: ['helperQueueIds'],
        message: 'a horizontal escalation needs helper queues or a new lead queue',
      });
    }
  });

/**
 * Vertical escalation to a higher tier, horizontal to collaborating
 * departments. An agent's escalation and an SLA breach's take the same
 * vertical step (`escalationRule` decides the tiers), so they cannot drift.
 */
export class EscalationService {
  constructor(
    private readonly changer: TicketChanger,
    private readonly queues: QueueService,
  ) {}

  async escalate(identity: Identity, rawInput: unknown): Promise<TicketEntity> {
    const input = parseInput(escalateSchema, rawInput);
    const reason = maskSensitiveText(input.reason).text;
    return this.changer.change(
      identity,
      input.ticketId,
      input.expectedVersion,
      async ({ ticket, actor, now, manager }) => {
        assertCanWork(identity, ticket);
        if (!canEscalate(ticket.status)) {
          throw new TicketError(
            TicketErrorCode.InvalidState,
            `A ${ticket.status} ticket cannot be escalated.`,
          );
        }
        if (input.direction === 'VERTICAL') {
          const tier = input.tier!;
          if (!isAbove(tier, ticket.escalationTier)) {
            throw new TicketError(
              TicketErrorCode.InvalidState,
              `Ticket is already escalated to ${ticket.escalationTier}.`,
            );
          }
          return this.vertical({ ticket, actor, now, manager }, tier, reason, false);
        }
        const before = {
          tier: ticket.escalationTier,
          queueId: ticket.queueId,
          helperQueueIds: ticket.helperQueueIds,
        };
        const leadQueueId = input.leadQueueId ?? ticket.queueId;
        const helpers = [...new Set(input.helperQueueIds ?? [])].filter((queueId) => queueId !== leadQueueId);
        await this.queues.assertQueuesExist(manager, [leadQueueId, ...helpers]);
        if (leadQueueId !== ticket.queueId) {
          ticket.queueId = leadQueueId;
          ticket.assigneeId = null;
        }
        ticket.helperQueueIds = [...new Set([...ticket.helperQueueIds, ...helpers])].filter(
          (id) => id !== leadQueueId,
        );
        const after = {
          tier: ticket.escalationTier,
          queueId: ticket.queueId,
          helperQueueIds: ticket.helperQueueIds,
        };
        return {
          timeline: [
            { action: 'ESCALATED_HORIZONTAL', before, after, result: 'collaboration set up', note: reason },
          ],
          events: (saved) => [escalatedEvent(saved, actor, now, 'HORIZONTAL', null, reason, false)],
        };
      },
    );
  }

  /**
   * An SLA breach escalates the ticket one tier up, as the handbook
   * prescribes; finished tickets and the top tier stay as they are. Runs in
   * the consumer's transaction.
   */
  async escalateOnBreach(manager: EntityManager, breach: Breach): Promise<'applied' | 'ignored'> {
    // Locked before deciding, so a manual escalation committing meanwhile is seen.
    const current = await manager.findOne(TicketEntity, {
      where: { id: breach.ticketId },
      lock: { mode: 'pessimistic_write' },
    });
    const tier = current && canEscalate(current.status) ? nextTier(current.escalationTier) : null;
    if (!tier) return 'ignored';
    const reason = `SLA ${breach.target.toLowerCase().replace('_', ' ')} breached (due ${breach.dueAt})`;
    await this.changer.change(
      null,
      breach.ticketId,
      null,
      (context) => this.vertical(context, tier, reason, true),
      manager,
    );
    return 'applied';
  }

  /**
   * One vertical step, by hand or on a breach: raise the tier and make sure
   * someone present holds the ticket (an unavailable assignee hands it on).
   */
  private async vertical(
    { ticket, actor, now, manager }: ChangeContext,
    tier: EscalationTier,
    reason: string,
    automatic: boolean,
  ): Promise<ChangeOutcome> {
    const before = { tier: ticket.escalationTier };
    ticket.escalationTier = tier;
    const handOn = await handOnIfAway(manager, this.queues, ticket);
    return {
      timeline: [
        {
          action: 'ESCALATED_VERTICAL',
          before,
          after: { tier },
          result: automatic ? 'automatic' : `escalated to ${tier}`,
          note: reason,
        },
        ...(handOn ? [handOn.record] : []),
      ],
      events: (saved) => [
        escalatedEvent(saved, actor, now, 'VERTICAL', tier, reason, automatic),
        ...handOnEvents(saved, actor, now, handOn),
      ],
    };
  }
}

function escalatedEvent(
  saved: TicketEntity,
  actor: Actor,
  now: Date,
  direction: 'VERTICAL' | 'HORIZONTAL',
  tier: EscalationTier | null,
  reason: string,
  automatic: boolean,
): DeskgraphEvent {
  return buildEvent(TicketEscalatedV1, {
    source: EVENT_SOURCE,
    subject: saved.id,
    data: {
      ...changeMeta(saved, actor, now),
      direction,
      tier,
      leadQueueId: saved.queueId,
      helperQueueIds: saved.helperQueueIds,
      reason,
      automatic,
    },
  });
}
