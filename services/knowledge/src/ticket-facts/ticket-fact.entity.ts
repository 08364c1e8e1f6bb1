import { Column, Entity, PrimaryColumn } from 'typeorm';

/** What knowledge keeps of a ticket from ticket events: suggestion, capture and template inputs. */
@Entity({ name: 'ticket_facts' })
export class TicketFactEntity {
  @PrimaryColumn('uuid', { name: 'ticket_id' })
  ticketId: string;

  @Column('text')
  number: string;

  @Column('text')
  title: string;

  @Column('text', { nullable: true })
  description: string | null;

  @Column('text')
  type: string;

  @Column('text', { nullable: true })
  category: string | null;

  @Column('text')
  priority: string;

  @Column('text', { name: 'queue_id' })
  queueId: string;

  @Column('text', { name: 'customer_id' })
  customerId: string;

  @Column('text', { name: 'customer_type', nullable: true })
  customerType: string | null;

  @Column('text')
  status: string;

  @Column('int')
  version: number;

  /** Text of the latest public reply written while the ticket was at the EXPERT tier. */
  @Column('text', { name: 'expert_answer', nullable: true })
  expertAnswer: string | null;

  @Column('text', { name: 'expert_id', nullable: true })
  expertId: string | null;

  @Column('timestamptz', { name: 'created_at' })
  createdAt: Date;

  @Column('timestamptz', { name: 'updated_at' })
  updatedAt: Date;
}
