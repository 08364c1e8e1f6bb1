import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A node of the category tree; ids match the ticket classifier's categories (e.g. `delivery`). */
@Entity({ name: 'categories' })
export class CategoryEntity {
  @PrimaryColumn('text')
  id: string;

  @Column('text')
  name: string;

  @Column('text', { name: 'parent_id', nullable: true })
  parentId: string | null;

  @Column('text', { name: 'updated_by' })
  updatedBy: string;

  @Column('timestamptz', { name: 'updated_at' })
  updatedAt: Date;
}
