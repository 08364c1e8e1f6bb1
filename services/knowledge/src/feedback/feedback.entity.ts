import { Column, Entity, PrimaryColumn } from 'typeorm';

/** An article used in the answer of a ticket. */
@Entity({ name: 'article_ticket_links' })
export class ArticleTicketLinkEntity {
  @PrimaryColumn('uuid', { name: 'article_id' })
  articleId: string;

  @PrimaryColumn('uuid', { name: 'ticket_id' })
  ticketId: string;

  @Column('text', { name: 'linked_by' })
  linkedBy: string;

  @Column('timestamptz', { name: 'linked_at' })
  linkedAt: Date;
}

/** One person's current vote on an article. */
@Entity({ name: 'article_votes' })
export class ArticleVoteEntity {
  @PrimaryColumn('uuid', { name: 'article_id' })
  articleId: string;

  @PrimaryColumn('text', { name: 'voter_id' })
  voterId: string;

  @Column('boolean')
  helpful: boolean;

  @Column('text', { nullable: true })
  comment: string | null;

  @Column('timestamptz', { name: 'voted_at' })
  votedAt: Date;
}
