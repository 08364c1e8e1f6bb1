import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { Priority, TicketType } from './classification-rules';

/** One keyword rule; rules are evaluated together, their weights summed per suggestion. */
@Entity({ name: 'classification_rules' })
export class ClassificationRuleEntity {
  @PrimaryColumn('text')
  id: string;

  @Column('integer')
  position: number;

  @Column('text', { array: true })
  keywords: string[];

  @Column('text', { nullable: true })
  type: TicketType | null;

  @Column('text', { nullable: true })
  category: string | null;

  @Column('text', { nullable: true })
  priority: Priority | null;

  @Column('integer', { default: 1 })
  weight: number;
}
