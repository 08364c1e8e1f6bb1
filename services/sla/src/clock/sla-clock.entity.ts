import { Column, Entity, PrimaryColumn, Unique } from 'typeorm';
import type { Priority, SlaTarget } from '../policy/default-policy';

export type SlaClockState = 'RUNNING' | 'PAUSED' | 'FULFILLED' | 'BREACHED' | 'STOPPED';

@Entity({ name: 'clocks' })
@Unique('clocks_ticket_target_uq', ['ticketId', 'target'])
export class SlaClockEntity {
  @PrimaryColumn('uuid')
  id: string;

  @Column('uuid', { name: 'ticket_id' })
  ticketId: string;

  @Column('text')
  target: SlaTarget;

  @Column('text')
  state: SlaClockState;

  @Column('text')
  priority: Priority;

  @Column('timestamptz', { name: 'started_at' })
  startedAt: Date;

  @Column('timestamptz', { name: 'due_at', nullable: true })
  dueAt: Date | null;

  @Column('boolean', { name: 'business_time' })
  businessTime: boolean;
}

/** What the SLA service knows of a ticket, learnt from ticket events only. */
@Entity({ name: 'tracked_tickets' })
export class TrackedTicketEntity {
  @PrimaryColumn('uuid', { name: 'ticket_id' })
  ticketId: string;

  @Column('text', { name: 'queue_id' })
  queueId: string;

  @Column('text', { name: 'customer_id' })
  customerId: string;

  @Column('text')
  priority: Priority;

  @Column('timestamptz', { name: 'created_at' })
  createdAt: Date;
}
