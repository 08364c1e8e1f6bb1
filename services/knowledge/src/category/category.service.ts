import type { Identity } from '@deskgraph/platform';
import type { DataSource } from 'typeorm';
import { requirePermission } from '../access/knowledge-access';
import { invalidInput, type InputProblem } from '../knowledge.errors';
import { CategoryEntity } from './category.entity';

const CATEGORY_ID = /^[a-z0-9][a-z0-9_-]{0,39}$/;

export class CategoryService {
  constructor(private readonly dataSource: DataSource) {}

  async list(): Promise<CategoryEntity[]> {
    return this.dataSource.getRepository(CategoryEntity).find({ order: { id: 'ASC' } });
  }

  async find(id: string): Promise<CategoryEntity | null> {
    return this.dataSource.getRepository(CategoryEntity).findOneBy({ id });
  }

  /** Admins shape the tree; a parent must exist and a category cannot end up below itself. */
  async upsert(
    identity: Identity,
    input: { id: string; name: string; parentId?: string | null },
  ): Promise<CategoryEntity> {
    requirePermission(identity, 'manageCategories', 'manage categories');
    const problems: InputProblem[] = [];
    if (!CATEGORY_ID.test(input.id))
      problems.push({
        field: 'id',
        message:
          'id must be 1–40 lower-case letters, digits, - or _, e.g. "delivery" (match ticket categories)',
      });
    if (!input.name.trim()) problems.push({ field: 'name', message: 'name must not be empty' });
    if (input.name.length > 100)
      problems.push({ field: 'name', message: 'name must be at most 100 characters' });
    if (problems.length > 0) throw invalidInput(problems);
    return this.dataSource.transaction(async (manager) => {
      const parentId = input.parentId || null;
      if (parentId) {
        const all = await manager.find(CategoryEntity);
        const parents = new Map(all.map((category) => [category.id, category.parentId]));
        if (!parents.has(parentId))
          throw invalidInput([
            { field: 'parentId', message: `parent category "${parentId}" does not exist` },
          ]);
        for (let at: string | null | undefined = parentId; at; at = parents.get(at)) {
          if (at === input.id)
            throw invalidInput([
              { field: 'parentId', message: `category "${input.id}" cannot be placed below itself` },
            ]);
        }
      }
      await manager.upsert(
        CategoryEntity,
        {
          id: input.id,
          name: input.name.trim(),
          parentId,
          updatedBy: identity.userId,
          updatedAt: new Date(),
        },
        ['id'],
      );
      return manager.findOneByOrFail(CategoryEntity, { id: input.id });
    });
  }
}
