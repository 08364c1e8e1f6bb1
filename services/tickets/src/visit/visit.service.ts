import { randomUUID } from 'node:crypto';
import {
  buildEvent,
  TicketVisitCompletedV1,
  TicketVisitOverdueV1,
  TicketVisitScheduledV1,
  type Actor,
  type DeskgraphEvent,
} from '@deskgraph/events';
import { canSeeQueue, hasRole, type Identity, type Logger } from '@deskgraph/platform';
import type { DataSource, EntityManager } from 'typeorm';
import { z } from 'zod';
import type { IdempotencyKeys } from '../idempotency/idempotency-keys';
import {
  assertAuthenticated,
  assertCanWork,
  assertStaff,
  canReadTicket,
  isCustomerOnly,
} from '../ticket/ticket-access';
import {
  changeMeta,
  EVENT_SOURCE,
  type ChangeContext,
  type ChangeOutcome,
  type TicketChanger,
  type TimelineRecord,
} from '../ticket/ticket-changes';
import { assertUuid, optionalText, parseInput, TICKET_LIMITS } from '../ticket/ticket-input';
import type { TicketEntity } from '../ticket/ticket.entity';
import { TicketError, TicketErrorCode } from '../ticket/ticket.errors';
import { VISIT_KINDS, VisitEntity, type VisitKind } from './visit.entity';

export interface VisitConfig {
  /** A closed complaint gets a follow-up visit due this long after closing. */
  followUpDelayMs: number;
  /** Customer tiers that get key-customer tracking visits, e.g. ['KEY']. */
  keyCustomerTiers: string[];
  /** Tracking visits of a key customer are due this long after a close or the last visit. */
  trackingIntervalMs: number;
}

const completeSchema = z
  .object({
    visitId: z.string().uuid('visitId must be a visit id'),
    reached: z.boolean(),
    satisfied: z.boolean().nullish(),
    note: optionalText('note', TICKET_LIMITS.reason),
  })
  .refine((input) => input.reached || input.satisfied == null, {
    message: 'satisfied must be left out when the customer was not reached',
    path: ['satisfied'],
  });

const scheduleSchema = z.object({
  ticketId: z.string().uuid('ticketId must be a ticket id'),
  kind: z.enum(VISIT_KINDS),
  dueAt: z.date(),
  assigneeId: z.string().trim().min(1).max(64).nullish(),
});

const openVisitsSchema = z.object({
  queueIds: z.array(z.string().min(1)).max(100).nullish(),
  assigneeId: z.string().min(1).nullish(),
  overdueOnly: z.boolean().nullish(),
  first: z.number().int().min(1, 'first is 1-100').max(100, 'first is 1-100'),
});

/** Follow-up visits (回访) after complaints and tracking visits (跟踪服务) for key customers. */
export class VisitService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly changer: TicketChanger,
    private readonly config: VisitConfig,
    private readonly idempotency: IdempotencyKeys,
  ) {}

  /**
   * Runs in the transaction that closes a ticket: a complaint gets one
   * follow-up visit (none while one is still open), and a key customer gets a
   * tracking visit unless one is already open for that customer.
   */
  async onTicketClosed({ manager, ticket, actor, now }: ChangeContext): Promise<ChangeOutcome> {
    const visits: VisitEntity[] = [];
    if (ticket.type === 'COMPLAINT') {
      const visit = await this.insertOpen(
        manager,
        ticket,
        'FOLLOW_UP',
        this.after(now, this.config.followUpDelayMs),
        ticket.assigneeId,
        actor,
      );
      if (visit) visits.push(visit);
    }
    if (this.isKeyCustomer(ticket)) {
      const visit = await this.insertOpen(
        manager,
        ticket,
        'KEY_CUSTOMER_TRACKING',
        this.after(now, this.config.trackingIntervalMs),
        ticket.assigneeId,
        actor,
      );
      if (visit) visits.push(visit);
    }
    return {
      timeline: visits.map(scheduledTimeline),
      events: (saved) => visits.map((visit) => scheduledEvent(saved, visit, actor, now)),
    };
  }

  /** Staff schedule a visit by hand, e.g. a second follow-up call. */
  /** `idempotencyKey`: a retry with the same key and input returns this visit again (see README). */
  async schedule(
    identity: Identity,
    rawInput: unknown,
    idempotencyKey: string | null = null,
  ): Promise<VisitEntity> {
    assertAuthenticated(identity);
    const input = parseInput(scheduleSchema, rawInput);
    return this.idempotency.run(
      { identity, operation: 'scheduleVisit', key: idempotencyKey, input: rawInput },
      {
        execute: (manager) => this.scheduleIn(identity, input, manager),
        remember: (visit) => ({ visitId: visit.id }),
        replay: ({ visitId }, manager) => manager.findOneByOrFail(VisitEntity, { id: visitId as string }),
      },
    );
  }

  private async scheduleIn(
    identity: Identity,
    input: z.output<typeof scheduleSchema>,
    transaction: EntityManager,
  ): Promise<VisitEntity> {
    const changer = this.changer.within(transaction);
    return changer.record(identity, input.ticketId, async ({ manager, ticket, actor, now }) => {
      assertCanWork(identity, ticket);
      const visit = await this.insertOpen(
        manager,
        ticket,
        input.kind,
        input.dueAt,
        input.assigneeId ?? ticket.assigneeId,
        actor,
      );
      if (!visit) {
        throw new TicketError(
          TicketErrorCode.VisitAlreadyOpen,
          input.kind === 'FOLLOW_UP'
            ? `Ticket ${ticket.number} already has an open follow-up visit; complete it first.`
            : `Customer ${ticket.customerId} already has an open tracking visit; complete it first.`,
        );
      }
      return {
        value: visit,
        timeline: [scheduledTimeline(visit)],
        events: (current) => [scheduledEvent(current, visit, actor, now)],
      };
    });
  }

  /** Records the outcome once; a key customer's tracking visit schedules the next one. */
  async complete(identity: Identity, rawInput: unknown): Promise<VisitEntity> {
    assertAuthenticated(identity);
    const input = parseInput(completeSchema, rawInput);
    assertUuid(input.visitId, 'visit');
    // Visit before ticket, the order the overdue sweeper locks in too.
    return this.dataSource.transaction(async (transaction) => {
      const visit = await transaction.findOne(VisitEntity, {
        where: { id: input.visitId },
        lock: { mode: 'pessimistic_write' },
      });
      if (!visit) throw visitNotFound(input.visitId);
      return this.changer.record(
        identity,
        visit.ticketId,
        (context) => this.completeLocked(identity, visit, input, context),
        transaction,
      );
    });
  }

  private async completeLocked(
    identity: Identity,
    visit: VisitEntity,
    input: { reached: boolean; satisfied?: boolean | null; note?: string | null },
    { manager, ticket, actor, now }: ChangeContext,
  ): Promise<ChangeOutcome & { value: VisitEntity }> {
    assertCanWork(identity, ticket);
    if (visit.completedAt) {
      throw new TicketError(
        TicketErrorCode.VisitAlreadyCompleted,
        `This visit was already completed by ${visit.completedBy} at ${visit.completedAt.toISOString()}.`,
        { completedAt: visit.completedAt.toISOString() },
      );
    }
    visit.completedAt = now;
    visit.completedBy = identity.userId;
    visit.reached = input.reached;
    visit.satisfied = input.reached ? (input.satisfied ?? null) : null;
    visit.note = input.note || null;
    await manager.save(visit);
    const next =
      visit.kind === 'KEY_CUSTOMER_TRACKING' && this.isKeyCustomer(ticket)
        ? await this.insertOpen(
            manager,
            ticket,
            'KEY_CUSTOMER_TRACKING',
            this.after(now, this.config.trackingIntervalMs),
            visit.assigneeId,
            actor,
          )
        : null;
    const timeline: TimelineRecord[] = [
      {
        action: 'VISIT_COMPLETED',
        after: { visitId: visit.id, kind: visit.kind, reached: visit.reached, satisfied: visit.satisfied },
        result: !visit.reached
          ? 'not reached'
          : visit.satisfied === false
            ? 'not satisfied'
            : visit.satisfied
              ? 'satisfied'
              : 'reached',
        note: visit.note,
      },
      ...(next ? [scheduledTimeline(next)] : []),
    ];
    return {
      value: visit,
      timeline,
      events: (current) => [
        buildEvent(TicketVisitCompletedV1, {
          source: EVENT_SOURCE,
          subject: current.id,
          data: {
            ...changeMeta(current, actor, now),
            visitId: visit.id,
            kind: visit.kind,
            reached: visit.reached!,
            satisfied: visit.satisfied,
            note: visit.note,
          },
        }),
        ...(next ? [scheduledEvent(current, next, actor, now)] : []),
      ],
    };
  }

  /** Staff see a ticket's visits, oldest first; customers none (they carry the desk's notes). */
  async forTicket(identity: Identity, ticket: TicketEntity): Promise<VisitEntity[]> {
    if (isCustomerOnly(identity) || !canReadTicket(identity, ticket)) return [];
    return this.dataSource
      .getRepository(VisitEntity)
      .find({ where: { ticketId: ticket.id }, order: { createdAt: 'ASC', id: 'ASC' } });
  }

  /**
   * Open visits of the caller's queues (or the given ones), optionally of one
   * assignee or overdue only, earliest due first.
   */
  async openVisits(identity: Identity, rawInput: unknown): Promise<VisitEntity[]> {
    assertStaff(identity);
    const input = parseInput(openVisitsSchema, rawInput);
    const queueIds = input.queueIds ?? (hasRole(identity, 'admin') ? null : identity.queueIds);
    const outside = (input.queueIds ?? []).filter((queueId) => !canSeeQueue(identity, queueId));
    if (outside.length > 0) {
      throw new TicketError(
        TicketErrorCode.NotAllowed,
        `You are not a member of queue(s) ${outside.join(', ')}.`,
        { queueIds: outside },
      );
    }
    const query = this.dataSource
      .getRepository(VisitEntity)
      .createQueryBuilder('visit')
      .innerJoin('tickets', 'ticket', 'ticket.id = visit.ticket_id')
      .where('visit.completed_at IS NULL');
    if (queueIds) query.andWhere('ticket.queue_id = ANY(:queueIds)', { queueIds });
    if (input.assigneeId) query.andWhere('visit.assignee_id = :assigneeId', { assigneeId: input.assigneeId });
    if (input.overdueOnly) query.andWhere('visit.due_at < now()');
    return query.orderBy('visit.due_at', 'ASC').addOrderBy('visit.id', 'ASC').limit(input.first).getMany();
  }

  /**
   * Marks visits past their due time, once each (SKIP LOCKED: replicas share
   * the work), with a timeline entry and a visit_overdue event.
   */
  async sweepOverdue(logger: Logger): Promise<number> {
    let marked = 0;
    for (;;) {
      const done = await this.dataSource.transaction(async (manager) => {
        const [row] = await manager.query(
          `SELECT id, ticket_id FROM visits WHERE completed_at IS NULL AND overdue_at IS NULL AND due_at < now()
            ORDER BY due_at LIMIT 1 FOR UPDATE SKIP LOCKED`,
        );
        if (!row) return true;
        await this.changer.record(
          null,
          row.ticket_id,
          async ({ manager: transaction, actor, now }) => {
            const visit = await transaction.findOneByOrFail(VisitEntity, { id: row.id });
            visit.overdueAt = now;
            await transaction.save(visit);
            return {
              value: null,
              timeline: [
                {
                  action: 'VISIT_OVERDUE',
                  after: {
                    visitId: visit.id,
                    kind: visit.kind,
                    dueAt: visit.dueAt.toISOString(),
                    assigneeId: visit.assigneeId,
                  },
                  result: 'overdue',
                },
              ],
              events: (current) => [
                buildEvent(TicketVisitOverdueV1, {
                  source: EVENT_SOURCE,
                  subject: current.id,
                  data: {
                    ...changeMeta(current, actor, now),
                    visitId: visit.id,
                    kind: visit.kind,
                    dueAt: visit.dueAt.toISOString(),
                    assigneeId: visit.assigneeId,
                  },
                }),
              ],
            };
          },
          manager,
        );
        return false;
      });
      if (done) break;
      marked++;
    }
    if (marked) logger.info({ marked }, 'visits overdue');
    return marked;
  }

  private isKeyCustomer(ticket: TicketEntity): boolean {
    return ticket.customerTier != null && this.config.keyCustomerTiers.includes(ticket.customerTier);
  }

  private after(now: Date, ms: number): Date {
    return new Date(now.getTime() + ms);
  }

  /** Inserts unless the kind's open visit exists (partial unique indexes decide, race-free). */
  private async insertOpen(
    manager: EntityManager,
    ticket: TicketEntity,
    kind: VisitKind,
    dueAt: Date,
    assigneeId: string | null,
    actor: Actor,
  ): Promise<VisitEntity | null> {
    const visit = manager.create(VisitEntity, {
      id: randomUUID(),
      ticketId: ticket.id,
      customerId: ticket.customerId,
      kind,
      dueAt,
      assigneeId,
      createdAt: new Date(),
      createdBy: actor.id,
      overdueAt: null,
      completedAt: null,
      completedBy: null,
      reached: null,
      satisfied: null,
      note: null,
    });
    const inserted = await manager
      .createQueryBuilder()
      .insert()
      .into(VisitEntity)
      .values(visit)
      .orIgnore()
      .returning('id')
      .execute();
    return inserted.raw.length > 0 ? visit : null;
  }
}

function visitNotFound(visitId: string): TicketError {
  return new TicketError(TicketErrorCode.VisitNotFound, `No visit ${visitId} that you can see.`);
}

function scheduledTimeline(visit: VisitEntity): TimelineRecord {
  return {
    action: 'VISIT_SCHEDULED',
    after: {
      visitId: visit.id,
      kind: visit.kind,
      dueAt: visit.dueAt.toISOString(),
      assigneeId: visit.assigneeId,
    },
    result: `due ${visit.dueAt.toISOString()}`,
  };
}

function scheduledEvent(ticket: TicketEntity, visit: VisitEntity, actor: Actor, now: Date): DeskgraphEvent {
  return buildEvent(TicketVisitScheduledV1, {
    source: EVENT_SOURCE,
    subject: ticket.id,
    data: {
      ...changeMeta(ticket, actor, now),
      visitId: visit.id,
      kind: visit.kind,
      dueAt: visit.dueAt.toISOString(),
      assigneeId: visit.assigneeId,
    },
  });
}
