import { Column, Entity, PrimaryColumn } from 'typeorm';

export const COMPENSATION_KINDS = ['REFUND', 'REPLACEMENT', 'COUPON', 'SERVICE_UPGRADE'] as const;
export type CompensationKind = (typeof COMPENSATION_KINDS)[number];
export type CompensationStatus = 'PROPOSED' | 'APPROVED' | 'REJECTED' | 'CARRIED_OUT';

@Entity({ name: 'compensations' })
export class CompensationEntity {
  @PrimaryColumn('uuid')
  id: string;

  @Column('uuid', { name: 'ticket_id' })
  ticketId: string;

  @Column('text')
  kind: CompensationKind;

  // NUMERIC comes back from pg as a string; the service converts at the edge.
  @Column('numeric', { precision: 12, scale: 2, nullable: true })
  amount: string | null;

  @Column('text', { nullable: true })
  currency: string | null;

  @Column('text')
  reason: string;

  @Column('text')
  status: CompensationStatus;

  @Column('text', { name: 'proposed_by' })
  proposedBy: string;

  @Column('timestamptz', { name: 'proposed_at' })
  proposedAt: Date;

  @Column('text', { name: 'decided_by', nullable: true })
  decidedBy: string | null;

  @Column('timestamptz', { name: 'decided_at', nullable: true })
  decidedAt: Date | null;

  @Column('text', { name: 'decision_note', nullable: true })
  decisionNote: string | null;

  @Column('timestamptz', { name: 'carried_out_at', nullable: true })
  carriedOutAt: Date | null;
}
