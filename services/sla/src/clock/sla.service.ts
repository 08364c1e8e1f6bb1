import { canSeeQueue, hasRole, type Identity } from '@deskgraph/platform';
import type { DataSource } from 'typeorm';
import { SlaClockEntity, TrackedTicketEntity } from './sla-clock.entity';

export interface TicketSlaView {
  clocks: SlaClockEntity[];
}

export class SlaService {
  constructor(private readonly dataSource: DataSource) {}

  /** A ticket's clocks, or null if unknown here or not visible to the caller. */
  async ticketSla(identity: Identity, ticketId: string): Promise<TicketSlaView | null> {
    const ticket = await this.dataSource.getRepository(TrackedTicketEntity).findOneBy({ ticketId });
    if (!ticket) return null;
    const ownTicket = hasRole(identity, 'customer') && identity.customerId === ticket.customerId;
    if (!ownTicket && !canSeeQueue(identity, ticket.queueId)) return null;
    const clocks = await this.dataSource
      .getRepository(SlaClockEntity)
      .find({ where: { ticketId }, order: { startedAt: 'ASC' } });
    return { clocks };
  }
}
