import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity({ name: 'queues' })
export class QueueEntity {
  @PrimaryColumn('text')
  id: string;

  @Column('text')
  name: string;

  /** Told about every P0/P1 ticket in this queue. */
  @Column('text', { name: 'duty_manager_id', nullable: true })
  dutyManagerId: string | null;
}

@Entity({ name: 'agents' })
export class AgentEntity {
  @PrimaryColumn('text')
  id: string;

  @Column('text', { name: 'display_name' })
  displayName: string;

  @Column('boolean')
  available: boolean;

  @Column('text', { name: 'queue_ids', array: true })
  queueIds: string[];
}

/** First matching rule (by position) routes a new ticket to its queue. */
@Entity({ name: 'routing_rules' })
export class RoutingRuleEntity {
  @PrimaryColumn('text')
  id: string;

  @Column('integer')
  position: number;

  @Column('text', { nullable: true })
  type: string | null;

  @Column('text', { nullable: true })
  category: string | null;

  @Column('text', { name: 'queue_id' })
  queueId: string;
}
