import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

export const ARTICLE_STATUSES = ['DRAFT', 'IN_REVIEW', 'PUBLISHED', 'ARCHIVED'] as const;
export type ArticleStatus = (typeof ARTICLE_STATUSES)[number];
export const ARTICLE_AUDIENCES = ['INTERNAL', 'PUBLIC'] as const;
export type ArticleAudience = (typeof ARTICLE_AUDIENCES)[number];

@Entity({ name: 'articles' })
export class ArticleEntity {
  @PrimaryColumn('uuid')
  id: string;

  @Column('text')
  title: string;

  @Column('text')
  body: string;

  @Column('text')
  locale: string;

  @Column('text')
  audience: ArticleAudience;

  @Column('text')
  status: ArticleStatus;

  @Column('text', { name: 'author_id' })
  authorId: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
