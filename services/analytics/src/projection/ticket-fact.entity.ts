import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One row per ticket, folded from ticket and SLA events. */
@Entity({ name: 'ticket_facts' })
export class TicketFactEntity {
  @PrimaryColumn('uuid', { name: 'ticket_id' })
  ticketId: string;

  // Null until the ticket's own created event arrived (SLA events may overtake it).
  @Column('text', { nullable: true })
  number: string | null;

  @Column('timestamptz', { name: 'created_at' })
  createdAt: Date;

  @Column('text', { nullable: true })
  channel: string | null;

  @Column('text', { nullable: true })
  type: string | null;

  @Column('text', { nullable: true })
  category: string | null;

  @Column('text')
  priority: string;

  @Column('text', { name: 'queue_id' })
  queueId: string;

  @Column('timestamptz', { name: 'first_response_due_at', nullable: true })
  firstResponseDueAt: Date | null;
}
