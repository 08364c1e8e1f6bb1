import type { Actor, DeskgraphEvent } from '@deskgraph/events';
import {
  changeTime,
  hasRole,
  parameterBinder,
  queryPrepared,
  type Identity,
  type OutboxWriter,
  type StatementWrite,
} from '@deskgraph/platform';
import type { DataSource, EntityManager } from 'typeorm';
import { assertAuthenticated, canReadTicket } from './ticket-access';
import { assertUuid } from './ticket-input';
import { TicketEntity } from './ticket.entity';
import { TicketError, TicketErrorCode } from './ticket.errors';

export const EVENT_SOURCE = '/deskgraph/tickets';

export interface TimelineRecord {
  action: string;
  before?: Record<string, unknown> | null;
  after?: Record<string, unknown> | null;
  /** The outcome in a few words; every step states one. */
  result: string;
  note?: string | null;
}

export interface ChangeContext {
  manager: EntityManager;
  /** Locked for this transaction; mutate it, the changer saves it. */
  ticket: TicketEntity;
  actor: Actor;
  now: Date;
}

export interface ChangeOutcome {
  timeline: TimelineRecord[];
  /** Built after saving, so events carry the new version. */
  events: (saved: TicketEntity) => DeskgraphEvent[];
}

/** Runs inside the change that closes a ticket (not by a merge), e.g. to schedule visits. */
export type CloseHook = (context: ChangeContext) => Promise<ChangeOutcome>;

/** The role an identity acts in, most privileged first. */
export function actorOf(identity: Identity): Actor {
  const role = (['admin', 'supervisor', 'agent', 'customer', 'analyst'] as const).find((candidate) =>
    hasRole(identity, candidate),
  );
  return { id: identity.userId, role: role ?? 'customer' };
}

export const SYSTEM_ACTOR: Actor = { id: 'system', role: 'system' };

export async function appendTimeline(
  manager: EntityManager,
  ticketId: string,
  actor: Actor,
  at: Date,
  records: TimelineRecord[],
): Promise<void> {
  if (records.length === 0) return;
  const { bind, values } = parameterBinder();
  const write = timelineWrite(ticketId, actor, at, records)(bind);
  await queryPrepared(manager, `WITH ${write} SELECT 1`, values);
}

/**
 * The timeline rows as one INSERT, to ride in another statement (see
 * OutboxWriter.enqueue). Plain SQL: TypeORM's save of new rows cost more CPU
 * than the statement itself on the storm's hot path.
 */
export function timelineWrite(
  ticketId: string,
  actor: Actor,
  at: Date,
  records: TimelineRecord[],
): StatementWrite {
  const json = (value: Record<string, unknown> | null | undefined) => (value ? JSON.stringify(value) : null);
  return (bind) => `timeline_rows AS (
    INSERT INTO timeline (ticket_id, at, actor_id, actor_role, action, before, after, result, note)
    SELECT ${bind(ticketId)}::uuid, ${bind(at)}::timestamptz, ${bind(actor.id)}, ${bind(actor.role)}, action, before, after, result, note
      FROM unnest(${bind(records.map((record) => record.action))}::text[],
                  ${bind(records.map((record) => json(record.before)))}::jsonb[],
                  ${bind(records.map((record) => json(record.after)))}::jsonb[],
                  ${bind(records.map((record) => record.result ?? null))}::text[],
                  ${bind(records.map((record) => record.note ?? null))}::text[])
           WITH ORDINALITY AS r(action, before, after, result, note, position)
     ORDER BY position)`;
}

export interface ChangerInTransaction {
  change(
    identity: Identity | null,
    ticketId: string,
    expectedVersion: number | null | undefined,
    apply: (context: ChangeContext) => Promise<ChangeOutcome> | ChangeOutcome,
  ): Promise<TicketEntity>;
  record<T>(
    identity: Identity | null,
    ticketId: string,
    apply: (context: ChangeContext) => Promise<ChangeOutcome & { value: T }>,
  ): Promise<T>;
}

/**
 * The one way a ticket changes: lock the row, check the caller's expected
 * version, apply, save (bumping the version), append the timeline and
 * enqueue the events — all in one transaction, so a change is never
 * half-applied and never happens without its trail and its events.
 */
export class TicketChanger {
  private closeHook: CloseHook | null = null;

  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: OutboxWriter,
  ) {}

  /** Set once at startup: what else happens, in the same transaction, when a ticket closes. */
  onClose(hook: CloseHook): void {
    this.closeHook = hook;
  }

  async change(
    identity: Identity | null,
    ticketId: string,
    expectedVersion: number | null | undefined,
    apply: (context: ChangeContext) => Promise<ChangeOutcome> | ChangeOutcome,
    manager?: EntityManager,
  ): Promise<TicketEntity> {
    if (!manager) {
      if (identity) assertAuthenticated(identity);
      assertUuid(ticketId, 'ticket');
      return this.dataSource.transaction((transaction) =>
        this.change(identity, ticketId, expectedVersion, apply, transaction),
      );
    }
    const ticket = await this.lockVisible(manager, identity, ticketId, 'pessimistic_write');
    if (expectedVersion != null && ticket.version !== expectedVersion) {
      throw new TicketError(
        TicketErrorCode.VersionConflict,
        `Ticket ${ticket.number} changed meanwhile (now version ${ticket.version}, you had ${expectedVersion}); reload and retry.`,
        { currentVersion: ticket.version },
      );
    }
    const actor = identity ? actorOf(identity) : SYSTEM_ACTOR;
    const now = changeTime(identity);
    const statusBefore = ticket.status;
    const outcome = await apply({ manager, ticket, actor, now });
    const closing = statusBefore !== 'CLOSED' && ticket.status === 'CLOSED' && !ticket.mergedIntoId;
    const afterClose =
      closing && this.closeHook ? await this.closeHook({ manager, ticket, actor, now }) : null;
    ticket.updatedAt = now;
    const saved = await manager.save(ticket);
    await appendTimeline(manager, saved.id, actor, now, [
      ...outcome.timeline,
      ...(afterClose?.timeline ?? []),
    ]);
    await this.outbox.enqueue(manager, [...outcome.events(saved), ...(afterClose?.events(saved) ?? [])]);
    return saved;
  }

  /**
   * Records something about a ticket without changing it (a refused reply, a
   * visit): the ticket keeps its version, events carry the current one, and
   * the timeline entry and events still commit together.
   */
  async record<T>(
    identity: Identity | null,
    ticketId: string,
    apply: (context: ChangeContext) => Promise<ChangeOutcome & { value: T }>,
    manager?: EntityManager,
  ): Promise<T> {
    if (!manager) {
      if (identity) assertAuthenticated(identity);
      assertUuid(ticketId, 'ticket');
      return this.dataSource.transaction((transaction) =>
        this.record(identity, ticketId, apply, transaction),
      );
    }
    // A share lock: concurrent changes wait, so the version we report is the one that stands.
    const ticket = await this.lockVisible(manager, identity, ticketId, 'pessimistic_read');
    const actor = identity ? actorOf(identity) : SYSTEM_ACTOR;
    const now = changeTime(identity);
    const outcome = await apply({ manager, ticket, actor, now });
    await appendTimeline(manager, ticket.id, actor, now, outcome.timeline);
    await this.outbox.enqueue(manager, outcome.events(ticket));
    return outcome.value;
  }

  /** This changer inside a transaction the caller holds (e.g. one that claimed an idempotency key). */
  within(transaction: EntityManager): ChangerInTransaction {
    return {
      change: (identity, ticketId, expectedVersion, apply) =>
        this.change(identity, ticketId, expectedVersion, apply, transaction),
      record: (identity, ticketId, apply) => this.record(identity, ticketId, apply, transaction),
    };
  }

  private async lockVisible(
    manager: EntityManager,
    identity: Identity | null,
    ticketId: string,
    mode: 'pessimistic_write' | 'pessimistic_read',
  ): Promise<TicketEntity> {
    const ticket = await manager.findOne(TicketEntity, { where: { id: ticketId }, lock: { mode } });
    if (!ticket || (identity && !canReadTicket(identity, ticket))) {
      throw new TicketError(TicketErrorCode.TicketNotFound, `No ticket ${ticketId} that you can see.`);
    }
    return ticket;
  }
}

export function changeMeta(saved: TicketEntity, actor: Actor, now: Date) {
  return { ticketId: saved.id, version: saved.version, queueId: saved.queueId, actor, at: now.toISOString() };
}
