import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity({ name: 'reply_templates' })
export class ReplyTemplateEntity {
  @PrimaryColumn('uuid')
  id: string;

  @Column('text')
  name: string;

  @Column('text')
  locale: string;

  /** Plain text with `{{placeholder}}`s, see template-rendering.ts. */
  @Column('text')
  body: string;

  @Column('text', { name: 'updated_by' })
  updatedBy: string;

  @Column('timestamptz', { name: 'updated_at' })
  updatedAt: Date;
}
