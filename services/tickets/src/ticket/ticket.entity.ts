import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  PrimaryColumn,
  UpdateDateColumn,
  VersionColumn,
} from 'typeorm';
import type { Channel, CustomerType } from '../customer/customer.entity';
import type { Priority, TicketType } from '../classification/classification-rules';
import type { TicketStatus } from './ticket-status';

@Entity({ name: 'tickets' })
export class TicketEntity {
  @PrimaryColumn('uuid')
  id: string;

  @Index({ unique: true })
  @Column('text')
  number: string;

  @Column('text')
  title: string;

  @Column('text')
  description: string;

  @Column('text')
  channel: Channel;

  @Column('text')
  type: TicketType;

  @Column('text', { nullable: true })
  category: string | null;

  @Column('text')
  priority: Priority;

  @Column('text')
  status: TicketStatus;

  @Index()
  @Column('text', { name: 'queue_id' })
  queueId: string;

  @Index()
  @Column('text', { name: 'customer_id' })
  customerId: string;

  @Column('text', { name: 'customer_name' })
  customerName: string;

  @Column('text', { name: 'customer_type' })
  customerType: CustomerType;

  @Column('text', { name: 'customer_contact', nullable: true })
  customerContact: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  // Optimistic locking: a stale writer gets CONFLICT instead of overwriting.
  @VersionColumn()
  version: number;
}
