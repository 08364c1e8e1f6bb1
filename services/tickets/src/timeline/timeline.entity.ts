import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** One step of a ticket's handling; the table refuses updates and deletes. */
@Entity({ name: 'timeline' })
export class TimelineEntryEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;

  @Column('uuid', { name: 'ticket_id' })
  ticketId: string;

  @Column('timestamptz')
  at: Date;

  @Column('text', { name: 'actor_id' })
  actorId: string;

  @Column('text', { name: 'actor_role' })
  actorRole: string;

  @Column('text')
  action: string;

  @Column('jsonb', { nullable: true })
  before: Record<string, unknown> | null;

  @Column('jsonb', { nullable: true })
  after: Record<string, unknown> | null;

  @Column('text', { nullable: true })
  result: string | null;

  @Column('text', { nullable: true })
  note: string | null;
}
