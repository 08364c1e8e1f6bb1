import { buildEvent, TicketAssignedV1, type Actor, type DeskgraphEvent } from '@deskgraph/events';
import type { EntityManager } from 'typeorm';
import { changeMeta, EVENT_SOURCE, type TimelineRecord } from '../ticket/ticket-changes';
import type { TicketEntity } from '../ticket/ticket.entity';
import { statusEvent } from '../ticket/ticket-workflow.service';
import type { TicketStatus } from '../ticket/ticket-status';
import { AgentEntity } from './queue.entity';
import type { QueueService } from './queue.service';

/** What `handOnIfAway` did: who had the ticket, who has it now (null: the queue), and why. */
export interface HandOn {
  fromAgentId: string;
  toAgentId: string | null;
  statusBefore: TicketStatus;
  record: TimelineRecord;
}

/** True when the ticket's assignee is a desk agent marked unavailable. */
export async function assigneeAway(manager: EntityManager, ticket: TicketEntity): Promise<boolean> {
  if (!ticket.assigneeId) return false;
  // Someone who is not a desk agent (an admin who claimed it) has no availability to go by.
  const agent = await manager.findOneBy(AgentEntity, { id: ticket.assigneeId });
  return agent !== null && !agent.available;
}

/**
 * A ticket that comes back to work — reopened, escalated on a breach, a
 * duplicate merged into it — while its assignee is unavailable would sit with
 * nobody. It goes to the least-loaded available agent of its queue (the same
 * pick as automatic assignment), or back to the queue, unassigned, when no
 * agent is available; the timeline entry says which and why. Mutates the
 * locked ticket; the caller's change saves it and emits `handOnEvents`.
 */
export async function handOnIfAway(
  manager: EntityManager,
  queues: QueueService,
  ticket: TicketEntity,
): Promise<HandOn | null> {
  if (!(await assigneeAway(manager, ticket))) return null;
  const fromAgentId = ticket.assigneeId!;
  const statusBefore = ticket.status;
  const toAgentId = await queues.leastLoadedAgent(manager, ticket.queueId);
  ticket.assigneeId = toAgentId;
  // Nobody holds it any more: an ASSIGNED ticket is NEW again, as after a transfer.
  if (!toAgentId && ticket.status === 'ASSIGNED') ticket.status = 'NEW';
  const statusChanged = ticket.status !== statusBefore;
  return {
    fromAgentId,
    toAgentId,
    statusBefore,
    record: {
      action: 'REASSIGNED',
      before: { assigneeId: fromAgentId, ...(statusChanged ? { status: statusBefore } : {}) },
      after: { assigneeId: toAgentId, ...(statusChanged ? { status: ticket.status } : {}) },
      result: toAgentId
        ? `${fromAgentId} is unavailable; handed to ${toAgentId}, the least-loaded available agent of ${ticket.queueId}`
        : `${fromAgentId} is unavailable and no agent of ${ticket.queueId} is; back in the queue`,
    },
  };
}

/** The assignment (and, when it went back to NEW, the status) events of a hand-on. */
export function handOnEvents(
  saved: TicketEntity,
  actor: Actor,
  now: Date,
  handOn: HandOn | null,
): DeskgraphEvent[] {
  if (!handOn) return [];
  return [
    buildEvent(TicketAssignedV1, {
      source: EVENT_SOURCE,
      subject: saved.id,
      data: {
        ...changeMeta(saved, actor, now),
        assigneeId: handOn.toAgentId,
        previousAssigneeId: handOn.fromAgentId,
        mode: 'AUTOMATIC',
      },
    }),
    ...(saved.status === 'NEW' && handOn.statusBefore !== 'NEW'
      ? statusEvent(saved, actor, now, handOn.statusBefore, handOn.record.result, true)
      : []),
  ];
}
