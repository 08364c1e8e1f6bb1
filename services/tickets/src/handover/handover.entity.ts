import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { TicketStatus } from '../ticket/ticket-status';

/** A shift handover (交接): an agent's open tickets handed to a colleague or to the queue. */
@Entity({ name: 'handovers' })
export class HandoverEntity {
  @PrimaryColumn('uuid')
  id: string;

  @Column('text', { name: 'queue_id' })
  queueId: string;

  @Column('text', { name: 'from_agent_id' })
  fromAgentId: string;

  /** Null: handed to the queue, any of its agents may acknowledge. */
  @Column('text', { name: 'to_agent_id', nullable: true })
  toAgentId: string | null;

  @Column('text', { nullable: true })
  note: string | null;

  @Column('timestamptz', { name: 'created_at' })
  createdAt: Date;

  @Column('timestamptz', { name: 'acknowledged_at', nullable: true })
  acknowledgedAt: Date | null;

  @Column('text', { name: 'acknowledged_by', nullable: true })
  acknowledgedBy: string | null;
}

/** One ticket of a handover, with its status when handed over and the next step. */
@Entity({ name: 'handover_items' })
export class HandoverItemEntity {
  @PrimaryColumn('uuid', { name: 'handover_id' })
  handoverId: string;

  @PrimaryColumn('integer')
  position: number;

  @Column('uuid', { name: 'ticket_id' })
  ticketId: string;

  @Column('text')
  status: TicketStatus;

  @Column('text', { name: 'next_step', nullable: true })
  nextStep: string | null;
}
