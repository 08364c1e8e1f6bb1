import { buildEvent, TicketEscalatedV1 } from '@deskgraph/events';
import type { Identity } from '@deskgraph/platform';
import { z } from 'zod';
import type { QueueService } from '../queue/queue.service';
import { assertCanWork } from '../ticket/ticket-access';
import { changeMeta, EVENT_SOURCE, type TicketChanger } from '../ticket/ticket-changes';
import { parseInput, requiredText, TICKET_LIMITS } from '../ticket/ticket-input';
import type { TicketEntity } from '../ticket/ticket.entity';
import { TicketError, TicketErrorCode } from '../ticket/ticket.errors';

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

const TIER_RANK = { SUPERVISOR: 1, EXPERT: 2 } as const;

/** Vertical escalation to a higher tier, horizontal to collaborating departments. */
export class EscalationService {
  constructor(
    private readonly changer: TicketChanger,
    private readonly queues: QueueService,
  ) {}

  async escalate(identity: Identity, rawInput: unknown): Promise<TicketEntity> {
    const input = parseInput(escalateSchema, rawInput);
    const reason = input.reason;
    return this.changer.change(
      identity,
      input.ticketId,
      input.expectedVersion,
      async ({ ticket, actor, now, manager }) => {
        assertCanWork(identity, ticket);
        if (['RESOLVED', 'CLOSED', 'ARCHIVED'].includes(ticket.status)) {
          throw new TicketError(
            TicketErrorCode.InvalidState,
            `A ${ticket.status} ticket cannot be escalated.`,
          );
        }
        const before = {
          tier: ticket.escalationTier,
          queueId: ticket.queueId,
          helperQueueIds: ticket.helperQueueIds,
        };
        if (input.direction === 'VERTICAL') {
          const tier = input.tier!;
          if (ticket.escalationTier && TIER_RANK[ticket.escalationTier] >= TIER_RANK[tier]) {
            throw new TicketError(
              TicketErrorCode.InvalidState,
              `Ticket is already escalated to ${ticket.escalationTier}.`,
            );
          }
          ticket.escalationTier = tier;
        } else {
          const leadQueueId = input.leadQueueId ?? ticket.queueId;
          const helpers = [...new Set(input.helperQueueIds ?? [])].filter(
            (queueId) => queueId !== leadQueueId,
          );
          await this.queues.assertQueuesExist(manager, [leadQueueId, ...helpers]);
          if (leadQueueId !== ticket.queueId) {
            ticket.queueId = leadQueueId;
            ticket.assigneeId = null;
          }
          ticket.helperQueueIds = [...new Set([...ticket.helperQueueIds, ...helpers])].filter(
            (id) => id !== leadQueueId,
          );
        }
        const after = {
          tier: ticket.escalationTier,
          queueId: ticket.queueId,
          helperQueueIds: ticket.helperQueueIds,
        };
        return {
          timeline: [
            {
              action: `ESCALATED_${input.direction}`,
              before,
              after,
              result:
                input.direction === 'VERTICAL'
                  ? `escalated to ${ticket.escalationTier}`
                  : 'collaboration set up',
              note: reason,
            },
          ],
          events: (saved) => [
            buildEvent(TicketEscalatedV1, {
              source: EVENT_SOURCE,
              subject: saved.id,
              data: {
                ...changeMeta(saved, actor, now),
                direction: input.direction,
                tier: input.direction === 'VERTICAL' ? input.tier! : null,
                leadQueueId: saved.queueId,
                helperQueueIds: saved.helperQueueIds,
                reason,
                automatic: false,
              },
            }),
          ],
        };
      },
    );
  }
}
