import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

export const ARTICLE_STATUSES = ['DRAFT', 'IN_REVIEW', 'PUBLISHED', 'ARCHIVED'] as const;
export type ArticleStatus = (typeof ARTICLE_STATUSES)[number];
export const ARTICLE_AUDIENCES = ['INTERNAL', 'PUBLIC'] as const;
export type ArticleAudience = (typeof ARTICLE_AUDIENCES)[number];

/** The current state of an article; each change is also kept as an ArticleVersionEntity. */
@Entity({ name: 'articles' })
export class ArticleEntity {
  @PrimaryColumn('uuid')
  id: string;

  @Column('text')
  title: string;

  @Column('text')
  summary: string;

  @Column('text')
  body: string;

  @Column('text', { name: 'category_id', nullable: true })
  categoryId: string | null;

  @Column('text', { array: true })
  tags: string[];

  @Column('text')
  locale: string;

  @Column('text')
  audience: ArticleAudience;

  @Column('text')
  status: ArticleStatus;

  @Column('text', { name: 'author_id' })
  authorId: string;

  @Column('text', { name: 'reviewer_id', nullable: true })
  reviewerId: string | null;

  @Column('int')
  version: number;

  @Column('uuid', { name: 'source_ticket_id', nullable: true })
  sourceTicketId: string | null;

  @Column('timestamptz', { name: 'published_at', nullable: true })
  publishedAt: Date | null;

  @Column('int', { name: 'view_count' })
  viewCount: number;

  /** Search input derived from title/summary/body/tags (see search/text-analysis.ts); never shown. */
  @Column('text', { name: 'title_words' })
  titleWords: string;

  @Column('text', { name: 'title_ngrams' })
  titleNgrams: string;

  @Column('text', { name: 'summary_words' })
  summaryWords: string;

  @Column('text', { name: 'summary_ngrams' })
  summaryNgrams: string;

  @Column('text', { name: 'body_words' })
  bodyWords: string;

  @Column('text', { name: 'body_ngrams' })
  bodyNgrams: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}

/** One saved state of an article: who changed it, when and why. */
@Entity({ name: 'article_versions' })
export class ArticleVersionEntity {
  @PrimaryColumn('uuid')
  id: string;

  @Column('uuid', { name: 'article_id' })
  articleId: string;

  @Column('int')
  version: number;

  @Column('text')
  title: string;

  @Column('text')
  summary: string;

  @Column('text')
  body: string;

  @Column('text', { name: 'category_id', nullable: true })
  categoryId: string | null;

  @Column('text', { array: true })
  tags: string[];

  @Column('text')
  locale: string;

  @Column('text')
  audience: ArticleAudience;

  @Column('text', { name: 'edited_by' })
  editedBy: string;

  @Column('timestamptz', { name: 'edited_at' })
  editedAt: Date;

  @Column('text')
  reason: string;

  @Column('int', { name: 'restored_from_version', nullable: true })
  restoredFromVersion: number | null;
}
