import {
  buildEvent,
  TicketAssignedV1,
  TicketClassifiedV1,
  TicketLinkedV1,
  TicketMergedV1,
  TicketRatedV1,
  TicketStatusChangedV1,
  TicketTransferredV1,
  type DeskgraphEvent,
} from '@deskgraph/events';
import { changeTime, hasRole, type Identity } from '@deskgraph/platform';
import type { DataSource } from 'typeorm';
import { z } from 'zod';
import { PRIORITIES, TICKET_TYPES } from '../classification/classification-rules';
import { assigneeAway, handOnEvents, handOnIfAway } from '../queue/hand-on';
import type { QueueService } from '../queue/queue.service';
import { actorOf, appendTimeline, changeMeta, EVENT_SOURCE, type TicketChanger } from './ticket-changes';
import { assertCanWork, canReadTicket, isCustomerOnly } from './ticket-access';
import { assertUuid, parseInput, requiredText, TICKET_LIMITS } from './ticket-input';
import {
  allowedNextStatuses,
  canTransition,
  isOpenStatus,
  TICKET_STATUSES,
  type TicketStatus,
} from './ticket-status';
import { SATISFACTION_LEVELS, TicketEntity } from './ticket.entity';
import { TicketError, TicketErrorCode } from './ticket.errors';
import { buildDutyManagerNotice } from './ticket.service';

const reclassifySchema = z.object({
  ticketId: z.string().uuid('ticketId must be a ticket id'),
  expectedVersion: z.number().int().nullish(),
  type: z.enum(TICKET_TYPES).nullish(),
  category: z
    .string()
    .regex(/^[a-z0-9_-]{1,64}$/, 'category must be 1-64 lowercase letters, digits, _ or -')
    .nullish(),
  priority: z.enum(PRIORITIES).nullish(),
  reason: requiredText('reason', TICKET_LIMITS.reason),
});

const statusSchema = z.object({
  ticketId: z.string().uuid('ticketId must be a ticket id'),
  expectedVersion: z.number().int().nullish(),
  status: z.enum(TICKET_STATUSES),
  reason: z.string().trim().max(TICKET_LIMITS.reason).nullish(),
});

const confirmSchema = z.object({
  ticketId: z.string().uuid('ticketId must be a ticket id'),
  satisfaction: z.enum(SATISFACTION_LEVELS),
  comment: z.string().trim().max(TICKET_LIMITS.reason).nullish(),
});

/** Assign, classify, move through the status machine, confirm, merge and link. */
export class TicketWorkflowService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly changer: TicketChanger,
    private readonly queues: QueueService,
  ) {}

  async reclassify(identity: Identity, rawInput: unknown): Promise<TicketEntity> {
    const input = parseInput(reclassifySchema, rawInput);
    if (!input.type && input.category === undefined && !input.priority) {
      throw new TicketError(TicketErrorCode.InvalidInput, 'Give at least one of type, category or priority.');
    }
    return this.changer.change(
      identity,
      input.ticketId,
      input.expectedVersion,
      async ({ ticket, actor, now, manager }) => {
        assertCanWork(identity, ticket);
        const previous = { type: ticket.type, category: ticket.category, priority: ticket.priority };
        const wasUrgent = ticket.priority === 'P0' || ticket.priority === 'P1';
        ticket.type = input.type ?? ticket.type;
        ticket.category = input.category === undefined ? ticket.category : input.category;
        ticket.priority = input.priority ?? ticket.priority;
        const current = { type: ticket.type, category: ticket.category, priority: ticket.priority };
        const becameUrgent = !wasUrgent && (ticket.priority === 'P0' || ticket.priority === 'P1');
        const dutyManagerId = becameUrgent
          ? ((await this.queues.findQueue(manager, ticket.queueId))?.dutyManagerId ?? null)
          : null;
        return {
          timeline: [
            {
              action: 'RECLASSIFIED',
              before: previous,
              after: current,
              result: becameUrgent ? 'overridden; duty manager notified' : 'overridden',
              note: input.reason,
            },
          ],
          events: (saved) => [
            buildEvent(TicketClassifiedV1, {
              source: EVENT_SOURCE,
              subject: saved.id,
              data: { ...changeMeta(saved, actor, now), ...current, previous, reason: input.reason },
            }),
            ...(becameUrgent ? [buildDutyManagerNotice(saved, actor, now, dutyManagerId)] : []),
          ],
        };
      },
    );
  }

  /** By hand (agentId), automatically (least loaded in the queue), or claimed by the caller. */
  async assign(
    identity: Identity,
    input: {
      ticketId: string;
      agentId?: string | null;
      automatic?: boolean | null;
      expectedVersion?: number | null;
    },
  ): Promise<TicketEntity> {
    if (input.agentId && input.automatic) {
      throw new TicketError(
        TicketErrorCode.InvalidInput,
        'Give agentId or automatic: true, not both (neither claims the ticket for you).',
      );
    }
    const claiming = !input.agentId && !input.automatic;
    return this.changer.change(
      identity,
      input.ticketId,
      input.expectedVersion,
      async ({ ticket, actor, now, manager }) => {
        assertCanWork(identity, ticket);
        // Pending tickets can change hands too (an agent going off shift hands them over).
        if (!isOpenStatus(ticket.status)) {
          throw new TicketError(
            TicketErrorCode.InvalidState,
            `A ${ticket.status} ticket cannot be (re)assigned.`,
          );
        }
        let assigneeId: string;
        if (claiming) {
          assigneeId = identity.userId;
        } else if (input.automatic) {
          const picked = await this.queues.leastLoadedAgent(manager, ticket.queueId);
          if (!picked) {
            throw new TicketError(
              TicketErrorCode.InvalidState,
              `Queue ${ticket.queueId} has no available agent.`,
            );
          }
          assigneeId = picked;
        } else {
          await this.queues.assertAgentInQueue(manager, input.agentId!, ticket.queueId);
          assigneeId = input.agentId!;
        }
        if (assigneeId === ticket.assigneeId) {
          throw new TicketError(TicketErrorCode.InvalidState, `Ticket is already assigned to ${assigneeId}.`);
        }
        const previousAssigneeId = ticket.assigneeId;
        const previousStatus = ticket.status;
        ticket.assigneeId = assigneeId;
        if (ticket.status === 'NEW') ticket.status = 'ASSIGNED';
        const mode = claiming ? 'CLAIMED' : input.automatic ? 'AUTOMATIC' : 'MANUAL';
        return {
          timeline: [
            {
              action: claiming ? 'CLAIMED' : 'ASSIGNED',
              before: { assigneeId: previousAssigneeId, status: previousStatus },
              after: { assigneeId, status: ticket.status },
              result: mode,
            },
          ],
          events: (saved) => [
            buildEvent(TicketAssignedV1, {
              source: EVENT_SOURCE,
              subject: saved.id,
              data: { ...changeMeta(saved, actor, now), assigneeId, previousAssigneeId, mode },
            }),
            ...statusEvent(saved, actor, now, previousStatus, null, true),
          ],
        };
      },
    );
  }

  async transfer(
    identity: Identity,
    input: { ticketId: string; queueId: string; reason: string; expectedVersion?: number | null },
  ): Promise<TicketEntity> {
    const reason = parseInput(requiredText('reason', TICKET_LIMITS.reason), input.reason);
    return this.changer.change(
      identity,
      input.ticketId,
      input.expectedVersion,
      async ({ ticket, actor, now, manager }) => {
        assertCanWork(identity, ticket);
        if (input.queueId === ticket.queueId) {
          throw new TicketError(TicketErrorCode.InvalidInput, `Ticket is already in queue ${input.queueId}.`);
        }
        await this.queues.assertQueuesExist(manager, [input.queueId]);
        // An urgent ticket arriving in a queue is news for that queue's duty manager.
        const urgent = ticket.priority === 'P0' || ticket.priority === 'P1';
        const dutyManagerId = urgent
          ? ((await this.queues.findQueue(manager, input.queueId))?.dutyManagerId ?? null)
          : null;
        const before = { queueId: ticket.queueId, assigneeId: ticket.assigneeId, status: ticket.status };
        const fromQueueId = ticket.queueId;
        ticket.queueId = input.queueId;
        // The new team assigns its own agent.
        ticket.assigneeId = null;
        if (ticket.status === 'ASSIGNED') ticket.status = 'NEW';
        return {
          timeline: [
            {
              action: 'TRANSFERRED',
              before,
              after: { queueId: ticket.queueId, assigneeId: null, status: ticket.status },
              result: urgent ? 'awaiting assignment; duty manager notified' : 'awaiting assignment',
              note: reason,
            },
          ],
          events: (saved) => [
            buildEvent(TicketTransferredV1, {
              source: EVENT_SOURCE,
              subject: saved.id,
              data: { ...changeMeta(saved, actor, now), fromQueueId, reason },
            }),
            ...statusEvent(saved, actor, now, before.status, 'transferred', true),
            ...(urgent ? [buildDutyManagerNotice(saved, actor, now, dutyManagerId)] : []),
          ],
        };
      },
    );
  }

  async changeStatus(identity: Identity, rawInput: unknown): Promise<TicketEntity> {
    const input = parseInput(statusSchema, rawInput);
    return this.changer.change(
      identity,
      input.ticketId,
      input.expectedVersion,
      async ({ ticket, actor, now, manager }) => {
        assertCanWork(identity, ticket);
        if (input.status === 'ARCHIVED' && !hasRole(identity, 'admin')) {
          throw new TicketError(
            TicketErrorCode.NotAllowed,
            'Tickets archive automatically; only admins archive by hand.',
          );
        }
        const from = ticket.status;
        const reason = input.reason || null;
        const reopenedBefore = ticket.reopenCount;
        if (input.status === 'ASSIGNED' && !ticket.assigneeId) {
          throw new TicketError(
            TicketErrorCode.InvalidState,
            'This ticket has no assignee; use assignTicket to assign it.',
          );
        }
        applyTransition(ticket, input.status, now);
        // Back to NEW hands the ticket back to its queue: nobody holds it any more.
        const previousAssigneeId = ticket.assigneeId;
        const unassigned = ticket.status === 'NEW' && previousAssigneeId !== null;
        if (unassigned) ticket.assigneeId = null;
        const reopened = ticket.reopenCount > reopenedBefore;
        // A reopened ticket needs someone who is there.
        const handOn = reopened ? await handOnIfAway(manager, this.queues, ticket) : null;
        return {
          timeline: [
            {
              action: 'STATUS_CHANGED',
              before: { status: from, assigneeId: previousAssigneeId },
              after: { status: ticket.status, assigneeId: handOn ? previousAssigneeId : ticket.assigneeId },
              result: reopened ? 'reopened' : unassigned ? 'back in the queue' : 'moved',
              note: reason,
            },
            ...(handOn ? [handOn.record] : []),
          ],
          events: (saved) => [
            ...statusEvent(saved, actor, now, from, reason, false),
            ...handOnEvents(saved, actor, now, handOn),
            ...(unassigned
              ? [
                  buildEvent(TicketAssignedV1, {
                    source: EVENT_SOURCE,
                    subject: saved.id,
                    data: {
                      ...changeMeta(saved, actor, now),
                      assigneeId: null,
                      previousAssigneeId,
                      mode: 'MANUAL',
                    },
                  }),
                ]
              : []),
          ],
        };
      },
    );
  }

  /**
   * The customer confirms a resolution and rates it. UNSATISFIED reopens the
   * ticket for a second handling and marks a complaint as a repeat complaint.
   */
  async confirm(identity: Identity, rawInput: unknown): Promise<TicketEntity> {
    const input = parseInput(confirmSchema, rawInput);
    return this.changer.change(identity, input.ticketId, null, async ({ ticket, actor, now, manager }) => {
      const own = hasRole(identity, 'customer') && identity.customerId === ticket.customerId;
      if (!own && !hasRole(identity, 'agent', 'supervisor', 'admin')) {
        throw new TicketError(
          TicketErrorCode.NotAllowed,
          'Only the customer (or staff on their behalf) can confirm.',
        );
      }
      if (ticket.status !== 'RESOLVED') {
        throw new TicketError(
          TicketErrorCode.InvalidState,
          `Only a RESOLVED ticket can be confirmed and rated; this one is ${ticket.status}.`,
        );
      }
      const from = ticket.status;
      const unsatisfied = input.satisfaction === 'UNSATISFIED';
      ticket.satisfaction = input.satisfaction;
      ticket.satisfactionComment = input.comment || null;
      if (unsatisfied) {
        applyTransition(ticket, 'IN_PROGRESS', now);
        if (ticket.type === 'COMPLAINT') ticket.repeatComplaint = true;
      } else {
        applyTransition(ticket, 'CLOSED', now);
      }
      // The second handling needs someone who is there.
      const handOn = unsatisfied ? await handOnIfAway(manager, this.queues, ticket) : null;
      return {
        timeline: [
          {
            action: 'CONFIRMED',
            before: { status: from },
            after: {
              status: ticket.status,
              satisfaction: input.satisfaction,
              repeatComplaint: ticket.repeatComplaint,
            },
            result: unsatisfied ? 'reopened for second handling' : 'closed',
            note: ticket.satisfactionComment,
          },
          ...(handOn ? [handOn.record] : []),
        ],
        events: (saved) => [
          buildEvent(TicketRatedV1, {
            source: EVENT_SOURCE,
            subject: saved.id,
            data: {
              ...changeMeta(saved, actor, now),
              satisfaction: input.satisfaction,
              repeatComplaint: unsatisfied && saved.type === 'COMPLAINT',
            },
          }),
          ...statusEvent(
            saved,
            actor,
            now,
            from,
            unsatisfied ? 'customer unsatisfied' : 'customer confirmed',
            false,
          ),
          ...handOnEvents(saved, actor, now, handOn),
        ],
      };
    });
  }

  /** Closes a duplicate into its primary; history stays, analytics count the primary only. */
  async merge(identity: Identity, input: { duplicateId: string; primaryId: string }): Promise<TicketEntity> {
    assertUuid(input.duplicateId, 'duplicate ticket');
    assertUuid(input.primaryId, 'primary ticket');
    if (input.duplicateId === input.primaryId) {
      throw new TicketError(TicketErrorCode.InvalidInput, 'A ticket cannot be merged into itself.');
    }
    return this.dataSource.transaction(async (manager) => {
      // Both rows, in id order: of two opposite merges at once, the second waits for the
      // first and then finds its primary merged, instead of both closing into each other.
      await manager.query(`SELECT id FROM tickets WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`, [
        [input.duplicateId, input.primaryId],
      ]);
      const primary = await manager.findOneBy(TicketEntity, { id: input.primaryId });
      if (!primary || !canReadTicket(identity, primary)) {
        throw new TicketError(
          TicketErrorCode.TicketNotFound,
          `No ticket ${input.primaryId} that you can see.`,
        );
      }
      if (primary.mergedIntoId) {
        throw new TicketError(
          TicketErrorCode.InvalidState,
          `Ticket ${primary.number} is itself merged; merge into its primary.`,
        );
      }
      const duplicate = await this.changer.change(
        identity,
        input.duplicateId,
        null,
        ({ ticket, actor, now }) => {
          assertCanWork(identity, ticket);
          if (ticket.mergedIntoId) {
            throw new TicketError(TicketErrorCode.InvalidState, `Ticket ${ticket.number} is already merged.`);
          }
          if (['CLOSED', 'ARCHIVED'].includes(ticket.status)) {
            throw new TicketError(
              TicketErrorCode.InvalidState,
              `A ${ticket.status} ticket cannot be merged.`,
            );
          }
          const from = ticket.status;
          ticket.mergedIntoId = primary.id;
          ticket.status = 'CLOSED';
          ticket.closedAt = now;
          return {
            timeline: [
              {
                action: 'MERGED',
                before: { status: from, mergedInto: null },
                after: { status: 'CLOSED', mergedInto: primary.number },
                result: 'excluded from metrics',
              },
            ],
            events: (saved) => [
              buildEvent(TicketMergedV1, {
                source: EVENT_SOURCE,
                subject: saved.id,
                data: {
                  ...changeMeta(saved, actor, now),
                  primaryTicketId: primary.id,
                  excludeFromMetrics: true,
                  number: saved.number,
                  primaryNumber: primary.number,
                },
              }),
              ...statusEvent(saved, actor, now, from, `merged into ${primary.number}`, false, primary.id),
            ],
          };
        },
        manager,
      );
      await appendTimeline(manager, primary.id, actorOf(identity), changeTime(identity), [
        { action: 'DUPLICATE_MERGED_IN', after: { duplicate: duplicate.number }, result: 'merged' },
      ]);
      // The duplicate's customer now waits on the primary: someone present must hold it.
      if (isOpenStatus(primary.status) && (await assigneeAway(manager, primary))) {
        await this.changer.change(
          identity,
          primary.id,
          null,
          async ({ ticket, actor, now }) => {
            const handOn = await handOnIfAway(manager, this.queues, ticket);
            return {
              timeline: handOn ? [handOn.record] : [],
              events: (saved) => handOnEvents(saved, actor, now, handOn),
            };
          },
          manager,
        );
      }
      return duplicate;
    });
  }

  async link(
    identity: Identity,
    input: { ticketId: string; relatedTicketId: string },
  ): Promise<TicketEntity> {
    assertUuid(input.ticketId, 'ticket');
    assertUuid(input.relatedTicketId, 'related ticket');
    if (input.ticketId === input.relatedTicketId) {
      throw new TicketError(TicketErrorCode.InvalidInput, 'A ticket cannot be linked to itself.');
    }
    return this.dataSource.transaction(async (manager) => {
      const related = await manager.findOneBy(TicketEntity, { id: input.relatedTicketId });
      if (!related || !canReadTicket(identity, related)) {
        throw new TicketError(
          TicketErrorCode.TicketNotFound,
          `No ticket ${input.relatedTicketId} that you can see.`,
        );
      }
      return this.changer.change(
        identity,
        input.ticketId,
        null,
        async ({ ticket, actor, now }) => {
          assertCanWork(identity, ticket);
          const inserted: unknown[] = await manager.query(
            `INSERT INTO ticket_links (ticket_id, related_ticket_id) VALUES ($1, $2), ($2, $1)
             ON CONFLICT DO NOTHING RETURNING ticket_id`,
            [ticket.id, related.id],
          );
          if (inserted.length === 0) {
            throw new TicketError(
              TicketErrorCode.InvalidState,
              `Tickets ${ticket.number} and ${related.number} are already linked.`,
            );
          }
          // Both tickets show the link in their history.
          await appendTimeline(manager, related.id, actor, now, [
            { action: 'LINKED', after: { related: ticket.number }, result: 'linked' },
          ]);
          return {
            timeline: [{ action: 'LINKED', after: { related: related.number }, result: 'linked' }],
            events: (saved) => [
              buildEvent(TicketLinkedV1, {
                source: EVENT_SOURCE,
                subject: saved.id,
                data: { ...changeMeta(saved, actor, now), relatedTicketId: related.id },
              }),
            ],
          };
        },
        manager,
      );
    });
  }

  /** Staff-side guard used by resolvers of customer-only mutations. */
  static assertNotCustomerOnly(identity: Identity): void {
    if (isCustomerOnly(identity)) {
      throw new TicketError(TicketErrorCode.NotAllowed, 'Customers cannot do this.');
    }
  }
}

/** Applies one status-machine step, keeping the lifecycle timestamps in step. */
export function applyTransition(ticket: TicketEntity, to: TicketStatus, now: Date): void {
  const from = ticket.status;
  if (!canTransition(from, to)) {
    const allowed = allowedNextStatuses(from);
    throw new TicketError(
      TicketErrorCode.InvalidTransition,
      `Cannot move a ${from} ticket to ${to}; allowed next: ${allowed.length ? allowed.join(', ') : 'none'}.`,
      { from, to, allowed },
    );
  }
  ticket.status = to;
  if (to === 'RESOLVED') ticket.resolvedAt = now;
  if (to === 'CLOSED') ticket.closedAt = now;
  if (to === 'ARCHIVED') ticket.archivedAt = now;
  if (to === 'IN_PROGRESS' && (from === 'RESOLVED' || from === 'CLOSED')) {
    ticket.reopenCount += 1;
    ticket.resolvedAt = null;
    ticket.closedAt = null;
  }
}

/** A status_changed event when the status actually moved (none otherwise). */
export function statusEvent(
  saved: TicketEntity,
  actor: ReturnType<typeof changeMeta>['actor'],
  now: Date,
  from: TicketStatus,
  reason: string | null,
  automatic: boolean,
  mergedIntoTicketId?: string,
): DeskgraphEvent[] {
  if (saved.status === from) return [];
  return [
    buildEvent(TicketStatusChangedV1, {
      source: EVENT_SOURCE,
      subject: saved.id,
      data: {
        ...changeMeta(saved, actor, now),
        from,
        to: saved.status,
        reason,
        automatic,
        reopened: saved.status === 'IN_PROGRESS' && (from === 'RESOLVED' || from === 'CLOSED'),
        ...(mergedIntoTicketId ? { mergedIntoTicketId } : {}),
      },
    }),
  ];
}
