import { canSeeQueue, hasRole, type Identity } from '@deskgraph/platform';
import { In, type DataSource } from 'typeorm';
import { notAllowed, SlaError, SlaErrorCode } from '../sla.errors';
import type { ClockEngine } from './clock-engine';
import { remainingMs } from './clock-math';
import { SlaClockEntity, TrackedTicketEntity } from './sla-clock.entity';

export interface ClockView {
  clock: SlaClockEntity;
  remainingMs: number;
}

export class SlaService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly engine: ClockEngine,
  ) {}

  /** A ticket's clocks, or null if unknown here or not visible to the caller. */
  async ticketSla(identity: Identity, ticketId: string): Promise<ClockView[] | null> {
    const ticket = await this.dataSource.getRepository(TrackedTicketEntity).findOneBy({ ticketId });
    if (!ticket) return null;
    const ownTicket = hasRole(identity, 'customer') && identity.customerId === ticket.customerId;
    if (!ownTicket && !canSeeQueue(identity, ticket.queueId)) return null;
    const clocks = await this.dataSource
      .getRepository(SlaClockEntity)
      .find({ where: { ticketId }, order: { startedAt: 'ASC', target: 'ASC' } });
    return Promise.all(clocks.map((clock) => this.view(clock)));
  }

  async atRisk(
    identity: Identity,
    queueIds: string[],
    withinMinutes: number,
    first: number,
  ): Promise<ClockView[]> {
    if (!hasRole(identity, 'agent', 'supervisor', 'admin')) {
      throw notAllowed(identity, 'At-risk tickets are for agents, supervisors and admins.');
    }
    const foreign = queueIds.filter((queueId) => !canSeeQueue(identity, queueId));
    if (foreign.length)
      throw new SlaError(SlaErrorCode.NotAllowed, `You cannot see queue(s): ${foreign.join(', ')}.`);
    if (
      queueIds.length === 0 ||
      withinMinutes < 0 ||
      withinMinutes > 7 * 24 * 60 ||
      first < 1 ||
      first > 200
    ) {
      throw new SlaError(
        SlaErrorCode.InvalidInput,
        'Give 1+ queueIds, withinMinutes between 0 and 10080, and first between 1 and 200.',
      );
    }
    // One entry per ticket: its next breach (or the oldest overdue target), soonest first.
    const rows: { id: string }[] = await this.dataSource.query(
      `SELECT id FROM (
         SELECT DISTINCT ON (ticket_id) id, due_at FROM clocks
          WHERE queue_id = ANY($1) AND state IN ('RUNNING', 'BREACHED') AND due_at <= $2
          ORDER BY ticket_id, due_at, id) AS next_breach
        ORDER BY due_at, id LIMIT $3`,
      [queueIds, new Date(Date.now() + withinMinutes * 60_000), first],
    );
    const clocks = await this.dataSource
      .getRepository(SlaClockEntity)
      .findBy({ id: In(rows.map((row) => row.id)) });
    const byId = new Map(clocks.map((clock) => [clock.id, clock]));
    return Promise.all(rows.map((row) => this.view(byId.get(row.id)!)));
  }

  private async view(clock: SlaClockEntity): Promise<ClockView> {
    const calendar = await this.engine.calendarOf(this.dataSource.manager, clock);
    const end = clock.fulfilledAt ?? clock.stoppedAt ?? new Date();
    return { clock, remainingMs: remainingMs(this.engine.clockInput(clock, calendar), end) };
  }
}
