import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { Channel } from '../customer/customer.entity';

export type MessageVisibility = 'PUBLIC' | 'INTERNAL';
export type MessageAuthor = 'AGENT' | 'CUSTOMER';

@Entity({ name: 'messages' })
export class MessageEntity {
  @PrimaryColumn('uuid')
  id: string;

  @Column('uuid', { name: 'ticket_id' })
  ticketId: string;

  @Column('text', { name: 'author_id' })
  authorId: string;

  @Column('text', { name: 'author_kind' })
  authorKind: MessageAuthor;

  @Column('text')
  visibility: MessageVisibility;

  @Column('text')
  channel: Channel;

  @Column('text')
  body: string;

  @Column('timestamptz', { name: 'created_at' })
  createdAt: Date;
}
