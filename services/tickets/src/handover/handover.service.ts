import { randomUUID } from 'node:crypto';
import { buildEvent, HandoverAcknowledgedV1, HandoverCreatedV1 } from '@deskgraph/events';
import { canSeeQueue, changeTime, hasRole, type Identity, type OutboxWriter } from '@deskgraph/platform';
import { In, IsNull, type DataSource } from 'typeorm';
import { z } from 'zod';
import type { QueueService } from '../queue/queue.service';
import { assertStaff, canReadTicket } from '../ticket/ticket-access';
import { actorOf, appendTimeline, EVENT_SOURCE } from '../ticket/ticket-changes';
import { assertUuid, optionalText, parseInput, TICKET_LIMITS } from '../ticket/ticket-input';
import { decodeCursor, encodeCursor } from '../ticket/ticket-query.service';
import { TicketEntity } from '../ticket/ticket.entity';
import { TicketError, TicketErrorCode } from '../ticket/ticket.errors';
import { HandoverEntity, HandoverItemEntity } from './handover.entity';

const OPEN_STATUSES = ['NEW', 'ASSIGNED', 'IN_PROGRESS', 'PENDING_CUSTOMER', 'PENDING_THIRD_PARTY'];

const createSchema = z
  .object({
    queueId: z.string().trim().min(1, 'queueId must not be empty').max(64),
    toAgentId: z.string().trim().min(1).max(64).nullish(),
    toQueue: z.boolean().nullish(),
    note: optionalText('note', TICKET_LIMITS.reason),
    nextSteps: z
      .array(
        z.object({
          ticketId: z.string().uuid('nextSteps.ticketId must be a ticket id'),
          nextStep: optionalText('nextStep', TICKET_LIMITS.reason),
        }),
      )
      .max(200)
      .nullish(),
  })
  .refine((input) => Boolean(input.toAgentId) !== Boolean(input.toQueue), {
    message:
      'Hand over either to a colleague (toAgentId) or to the queue (toQueue: true), not both or neither',
    path: ['toAgentId'],
  });

const listSchema = z.object({
  queueIds: z.array(z.string().min(1)).max(100).nullish(),
  agentId: z.string().min(1).nullish(),
  first: z.number().int().min(1, 'first is 1-100').max(100, 'first is 1-100'),
  after: z.string().nullish(),
});

export interface HandoverPage {
  edges: { cursor: string; node: HandoverEntity }[];
  pageInfo: {
    hasNextPage: boolean;
    hasPreviousPage: boolean;
    startCursor: string | null;
    endCursor: string | null;
  };
}

/** Shift handovers (交接): an agent's open tickets, handed to a colleague or to the queue. */
export class HandoverService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: OutboxWriter,
    private readonly queues: QueueService,
  ) {}

  async create(identity: Identity, rawInput: unknown): Promise<HandoverEntity> {
    assertStaff(identity);
    const input = parseInput(createSchema, rawInput);
    if (input.toAgentId === identity.userId) {
      throw new TicketError(
        TicketErrorCode.InvalidInput,
        'You cannot hand over to yourself; name a colleague or hand over to the queue.',
        {
          field: 'toAgentId',
        },
      );
    }
    if (!canSeeQueue(identity, input.queueId)) {
      throw new TicketError(TicketErrorCode.NotAllowed, `You are not a member of queue "${input.queueId}".`, {
        queueId: input.queueId,
      });
    }
    return this.dataSource.transaction(async (manager) => {
      await this.queues.assertQueuesExist(manager, [input.queueId]);
      if (input.toAgentId) {
        await this.queues.assertAgentInQueue(manager, input.toAgentId, input.queueId);
        await this.queues.assertAgentAvailable(manager, input.toAgentId, 'hand over to');
      }
      const tickets = await manager.find(TicketEntity, {
        where: { assigneeId: identity.userId, queueId: input.queueId, status: In(OPEN_STATUSES) },
        order: { priority: 'ASC', createdAt: 'ASC' },
      });
      const nextSteps = new Map((input.nextSteps ?? []).map((step) => [step.ticketId, step.nextStep]));
      const unknown = [...nextSteps.keys()].filter(
        (ticketId) => !tickets.some((ticket) => ticket.id === ticketId),
      );
      if (unknown.length > 0) {
        throw new TicketError(
          TicketErrorCode.InvalidInput,
          `nextSteps name tickets that are not your open tickets in queue ${input.queueId}: ${unknown.join(', ')}.`,
          { ticketIds: unknown },
        );
      }
      const now = changeTime(identity);
      const handover = manager.create(HandoverEntity, {
        id: randomUUID(),
        queueId: input.queueId,
        fromAgentId: identity.userId,
        toAgentId: input.toAgentId ?? null,
        note: input.note || null,
        createdAt: now,
        acknowledgedAt: null,
        acknowledgedBy: null,
      });
      await manager.insert(HandoverEntity, handover);
      if (tickets.length > 0) {
        await manager.insert(
          HandoverItemEntity,
          tickets.map((ticket, position) => {
            const step = nextSteps.get(ticket.id);
            return {
              handoverId: handover.id,
              position,
              ticketId: ticket.id,
              status: ticket.status,
              nextStep: step || null,
            };
          }),
        );
      }
      const actor = actorOf(identity);
      const receiver = handover.toAgentId ?? `queue ${handover.queueId}`;
      for (const ticket of tickets) {
        await appendTimeline(manager, ticket.id, actor, now, [
          {
            action: 'HANDED_OVER',
            after: { handoverId: handover.id, toAgentId: handover.toAgentId, queueId: handover.queueId },
            result: `handed over to ${receiver}`,
            note: nextSteps.get(ticket.id) || null,
          },
        ]);
      }
      await this.outbox.enqueue(manager, [
        buildEvent(HandoverCreatedV1, {
          source: EVENT_SOURCE,
          subject: handover.id,
          time: now,
          data: {
            handoverId: handover.id,
            fromAgentId: handover.fromAgentId,
            toAgentId: handover.toAgentId,
            queueId: handover.queueId,
            ticketIds: tickets.map((ticket) => ticket.id),
            note: handover.note,
            at: now.toISOString(),
          },
        }),
      ]);
      return handover;
    });
  }

  /** The named colleague, or for a queue handover any other agent of the queue, acknowledges once. */
  async acknowledge(identity: Identity, handoverId: string): Promise<HandoverEntity> {
    assertStaff(identity);
    assertUuid(handoverId, 'handover');
    return this.dataSource.transaction(async (manager) => {
      const handover = await manager.findOne(HandoverEntity, {
        where: { id: handoverId },
        lock: { mode: 'pessimistic_write' },
      });
      if (!handover || !this.canSee(identity, handover)) {
        throw new TicketError(
          TicketErrorCode.HandoverNotFound,
          `No handover ${handoverId} that you can see.`,
        );
      }
      const receiver = handover.toAgentId
        ? handover.toAgentId === identity.userId
        : handover.fromAgentId !== identity.userId && canSeeQueue(identity, handover.queueId);
      if (!receiver) {
        throw new TicketError(
          TicketErrorCode.NotAllowed,
          handover.toAgentId
            ? `Only ${handover.toAgentId}, who receives this handover, can acknowledge it.`
            : `Only another agent of queue ${handover.queueId} can acknowledge this handover.`,
        );
      }
      if (handover.acknowledgedAt) {
        throw new TicketError(
          TicketErrorCode.HandoverAlreadyAcknowledged,
          `This handover was already acknowledged by ${handover.acknowledgedBy} at ${handover.acknowledgedAt.toISOString()}.`,
        );
      }
      const now = changeTime(identity);
      handover.acknowledgedAt = now;
      handover.acknowledgedBy = identity.userId;
      await manager.save(handover);
      await this.outbox.enqueue(manager, [
        buildEvent(HandoverAcknowledgedV1, {
          source: EVENT_SOURCE,
          subject: handover.id,
          time: now,
          data: { handoverId: handover.id, acknowledgedBy: identity.userId, at: now.toISOString() },
        }),
      ]);
      return handover;
    });
  }

  /** Supervisors (their queues) and admins: handovers nobody acknowledged yet, oldest first. */
  async unacknowledged(identity: Identity, queueIds: string[]): Promise<HandoverEntity[]> {
    assertStaff(identity);
    if (!hasRole(identity, 'supervisor', 'admin')) {
      throw new TicketError(
        TicketErrorCode.NotAllowed,
        'Only supervisors and admins see unacknowledged handovers.',
      );
    }
    if (queueIds.length === 0) {
      throw new TicketError(TicketErrorCode.InvalidInput, 'queueIds must name at least one queue.', {
        field: 'queueIds',
      });
    }
    this.assertQueues(identity, queueIds);
    return this.dataSource.getRepository(HandoverEntity).find({
      where: { queueId: In(queueIds), acknowledgedAt: IsNull() },
      order: { createdAt: 'ASC', id: 'ASC' },
      take: 100,
    });
  }

  /** History, newest first, with keyset cursors; default: the caller's queues. */
  async history(identity: Identity, rawInput: unknown): Promise<HandoverPage> {
    assertStaff(identity);
    const input = parseInput(listSchema, rawInput);
    if (input.queueIds) this.assertQueues(identity, input.queueIds);
    const queueIds = input.queueIds ?? (hasRole(identity, 'admin') ? null : identity.queueIds);
    const query = this.dataSource.getRepository(HandoverEntity).createQueryBuilder('handover');
    query.where('TRUE');
    if (queueIds) query.andWhere('handover.queue_id = ANY(:queueIds)', { queueIds });
    if (input.agentId) {
      query.andWhere('(handover.from_agent_id = :agentId OR handover.to_agent_id = :agentId)', {
        agentId: input.agentId,
      });
    }
    if (input.after) {
      const [createdAt, id] = decodeCursor(input.after);
      query.andWhere('(handover.created_at, handover.id) < (:createdAt, :id)', { createdAt, id });
    }
    const rows = await query
      .orderBy('handover.created_at', 'DESC')
      .addOrderBy('handover.id', 'DESC')
      .limit(input.first + 1)
      .getMany();
    const page = rows.slice(0, input.first);
    const edges = page.map((node) => ({
      cursor: encodeCursor([node.createdAt.toISOString(), node.id]),
      node,
    }));
    return {
      edges,
      pageInfo: {
        hasNextPage: rows.length > input.first,
        hasPreviousPage: Boolean(input.after),
        startCursor: edges[0]?.cursor ?? null,
        endCursor: edges.at(-1)?.cursor ?? null,
      },
    };
  }

  /** The handed-over tickets the caller can still see, in handover order. */
  async items(
    identity: Identity,
    handover: HandoverEntity,
  ): Promise<{ item: HandoverItemEntity; ticket: TicketEntity }[]> {
    const items = await this.dataSource
      .getRepository(HandoverItemEntity)
      .find({ where: { handoverId: handover.id }, order: { position: 'ASC' } });
    if (items.length === 0) return [];
    const tickets = await this.dataSource
      .getRepository(TicketEntity)
      .findBy({ id: In(items.map((item) => item.ticketId)) });
    const byId = new Map(tickets.map((ticket) => [ticket.id, ticket]));
    return items.flatMap((item) => {
      const ticket = byId.get(item.ticketId);
      return ticket && canReadTicket(identity, ticket) ? [{ item, ticket }] : [];
    });
  }

  private canSee(identity: Identity, handover: HandoverEntity): boolean {
    return (
      canSeeQueue(identity, handover.queueId) ||
      handover.fromAgentId === identity.userId ||
      handover.toAgentId === identity.userId
    );
  }

  private assertQueues(identity: Identity, queueIds: string[]): void {
    const outside = queueIds.filter((queueId) => !canSeeQueue(identity, queueId));
    if (outside.length > 0) {
      throw new TicketError(
        TicketErrorCode.NotAllowed,
        `You are not a member of queue(s) ${outside.join(', ')}.`,
        {
          queueIds: outside,
        },
      );
    }
  }
}
