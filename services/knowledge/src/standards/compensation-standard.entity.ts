import { Column, Entity, PrimaryColumn } from 'typeorm';

export const COMPENSATION_KINDS = ['REFUND', 'REPLACEMENT', 'COUPON', 'SERVICE_UPGRADE'] as const;
export type CompensationKind = (typeof COMPENSATION_KINDS)[number];

/** Which compensation a complaint of a category may get, and up to what amount. */
@Entity({ name: 'compensation_standards' })
export class CompensationStandardEntity {
  @PrimaryColumn('uuid')
  id: string;

  @Column('text', { name: 'category_id' })
  categoryId: string;

  @Column('text')
  kind: CompensationKind;

  /** NUMERIC(12,2) comes back as a string; null means no amount applies (e.g. a replacement). */
  @Column('numeric', { name: 'max_amount', nullable: true })
  maxAmount: string | null;

  @Column('text', { nullable: true })
  currency: string | null;

  @Column('text')
  note: string;

  @Column('text', { name: 'updated_by' })
  updatedBy: string;

  @Column('timestamptz', { name: 'updated_at' })
  updatedAt: Date;
}
