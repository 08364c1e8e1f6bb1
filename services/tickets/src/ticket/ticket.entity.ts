import { Column, Entity, Index, PrimaryColumn, VersionColumn } from 'typeorm';
import type { Channel, CustomerType } from '../customer/customer.entity';
import type { Priority, TicketType } from '../classification/classification-rules';
import type { TicketStatus } from './ticket-status';

export const CUSTOMER_MOODS = ['CALM', 'ANXIOUS', 'ANGRY', 'VERY_ANGRY'] as const;
export type CustomerMood = (typeof CUSTOMER_MOODS)[number];
export const SATISFACTION_LEVELS = ['VERY_SATISFIED', 'SATISFIED', 'NEUTRAL', 'UNSATISFIED'] as const;
export type Satisfaction = (typeof SATISFACTION_LEVELS)[number];
export type EscalationTier = 'SUPERVISOR' | 'EXPERT';

/** Attachment metadata only; files live in the desk's object store. */
export interface Attachment {
  name: string;
  contentType: string;
  sizeBytes: number;
  url: string;
}

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

  /** Public replies go out through this channel; the ticket's own channel when unset. */
  @Column('text', { name: 'customer_preferred_channel', nullable: true })
  customerPreferredChannel: Channel | null;

  /** e.g. 'KEY' (大客户) or 'STANDARD'; key tiers get tracking visits. */
  @Column('text', { name: 'customer_tier', nullable: true })
  customerTier: string | null;

  /** Free region code, e.g. 'CN-GD'. */
  @Column('text', { name: 'customer_region', nullable: true })
  customerRegion: string | null;

  // Set by the service (millisecond precision) so pagination cursors round-trip exactly.
  @Column('timestamptz', { name: 'created_at' })
  createdAt: Date;

  @Column('timestamptz', { name: 'updated_at' })
  updatedAt: Date;

  @Column('text', { name: 'assignee_id', nullable: true })
  assigneeId: string | null;

  @Column('timestamptz', { name: 'occurred_at', nullable: true })
  occurredAt: Date | null;

  @Column('text', { name: 'expected_outcome', nullable: true })
  expectedOutcome: string | null;

  @Column('timestamptz', { name: 'expected_by', nullable: true })
  expectedBy: Date | null;

  @Column('text', { name: 'customer_mood', nullable: true })
  customerMood: CustomerMood | null;

  @Column('jsonb', { default: [] })
  attachments: Attachment[];

  @Column('text', { array: true, default: [] })
  tags: string[];

  /** What the keyword rules suggested at creation, kept to show overrides. */
  @Column('jsonb', { nullable: true })
  suggestion: { type: string | null; category: string | null; priority: string | null } | null;

  @Column('text', { name: 'escalation_tier', nullable: true })
  escalationTier: EscalationTier | null;

  @Column('text', { name: 'helper_queue_ids', array: true, default: [] })
  helperQueueIds: string[];

  @Column('timestamptz', { name: 'first_responded_at', nullable: true })
  firstRespondedAt: Date | null;

  @Column('timestamptz', { name: 'resolved_at', nullable: true })
  resolvedAt: Date | null;

  @Column('timestamptz', { name: 'closed_at', nullable: true })
  closedAt: Date | null;

  @Column('timestamptz', { name: 'archived_at', nullable: true })
  archivedAt: Date | null;

  @Column('boolean', { name: 'auto_closed', default: false })
  autoClosed: boolean;

  @Column('text', { nullable: true })
  satisfaction: Satisfaction | null;

  @Column('text', { name: 'satisfaction_comment', nullable: true })
  satisfactionComment: string | null;

  @Column('boolean', { name: 'repeat_complaint', default: false })
  repeatComplaint: boolean;

  @Column('integer', { name: 'reopen_count', default: 0 })
  reopenCount: number;

  @Column('uuid', { name: 'merged_into_id', nullable: true })
  mergedIntoId: string | null;

  @Column('uuid', { name: 'possible_duplicate_of', nullable: true })
  possibleDuplicateOf: string | null;

  // Optimistic locking: a stale writer gets CONFLICT instead of overwriting.
  @VersionColumn()
  version: number;
}
