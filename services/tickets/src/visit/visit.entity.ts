import { Column, Entity, PrimaryColumn } from 'typeorm';

export const VISIT_KINDS = ['FOLLOW_UP', 'KEY_CUSTOMER_TRACKING'] as const;
export type VisitKind = (typeof VISIT_KINDS)[number];

/** A follow-up (回访) or key-customer tracking (跟踪服务) visit: a task with a due time and an outcome. */
@Entity({ name: 'visits' })
export class VisitEntity {
  @PrimaryColumn('uuid')
  id: string;

  @Column('uuid', { name: 'ticket_id' })
  ticketId: string;

  @Column('text', { name: 'customer_id' })
  customerId: string;

  @Column('text')
  kind: VisitKind;

  @Column('timestamptz', { name: 'due_at' })
  dueAt: Date;

  @Column('text', { name: 'assignee_id', nullable: true })
  assigneeId: string | null;

  @Column('timestamptz', { name: 'created_at' })
  createdAt: Date;

  @Column('text', { name: 'created_by' })
  createdBy: string;

  /** Set once, when the overdue event was written. */
  @Column('timestamptz', { name: 'overdue_at', nullable: true })
  overdueAt: Date | null;

  @Column('timestamptz', { name: 'completed_at', nullable: true })
  completedAt: Date | null;

  @Column('text', { name: 'completed_by', nullable: true })
  completedBy: string | null;

  @Column('boolean', { nullable: true })
  reached: boolean | null;

  @Column('boolean', { nullable: true })
  satisfied: boolean | null;

  @Column('text', { nullable: true })
  note: string | null;
}
