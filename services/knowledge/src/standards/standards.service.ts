import { randomUUID } from 'node:crypto';
import type { Identity } from '@deskgraph/platform';
import type { DataSource } from 'typeorm';
import { requirePermission } from '../access/knowledge-access';
import { CategoryEntity } from '../category/category.entity';
import { invalidInput, KnowledgeError, KnowledgeErrorCode, type InputProblem } from '../knowledge.errors';
import {
  COMPENSATION_KINDS,
  CompensationStandardEntity,
  type CompensationKind,
} from './compensation-standard.entity';

export interface CompensationStandardInput {
  categoryId: string;
  kind: CompensationKind;
  maxAmount?: number | null;
  currency?: string | null;
  note?: string | null;
}

const MAX_AMOUNT = 9_999_999_999.99;

export class StandardsService {
  constructor(private readonly dataSource: DataSource) {}

  /** Staff read the table (the tickets approval step shows it next to a proposal). */
  async list(identity: Identity, categoryId?: string | null): Promise<CompensationStandardEntity[]> {
    requirePermission(identity, 'readStaffData', 'read compensation standards');
    if (categoryId) await this.requireCategory(categoryId);
    return this.dataSource.getRepository(CompensationStandardEntity).find({
      where: categoryId ? { categoryId } : {},
      order: { categoryId: 'ASC', kind: 'ASC' },
    });
  }

  async upsert(identity: Identity, input: CompensationStandardInput): Promise<CompensationStandardEntity> {
    requirePermission(identity, 'manageStandards', 'manage compensation standards');
    const problems: InputProblem[] = [];
    if (!COMPENSATION_KINDS.includes(input.kind))
      problems.push({ field: 'kind', message: `kind must be one of ${COMPENSATION_KINDS.join(', ')}` });
    const amount = input.maxAmount ?? null;
    if (amount !== null && (!Number.isFinite(amount) || amount < 0 || amount > MAX_AMOUNT))
      problems.push({ field: 'maxAmount', message: 'maxAmount must be a non-negative amount' });
    const currency = input.currency?.trim().toUpperCase() || null;
    if (amount !== null && !currency)
      problems.push({ field: 'currency', message: 'currency is required with maxAmount (e.g. CNY)' });
    if (currency && !/^[A-Z]{3}$/.test(currency))
      problems.push({ field: 'currency', message: 'currency must be an ISO 4217 code such as CNY' });
    if ((input.note ?? '').length > 1_000)
      problems.push({ field: 'note', message: 'note must be at most 1000 characters' });
    if (problems.length > 0) throw invalidInput(problems);
    await this.requireCategory(input.categoryId);
    return this.dataSource.transaction(async (manager) => {
      const existing = await manager.findOneBy(CompensationStandardEntity, {
        categoryId: input.categoryId,
        kind: input.kind,
      });
      return manager.save(
        manager.create(CompensationStandardEntity, {
          id: existing?.id ?? randomUUID(),
          categoryId: input.categoryId,
          kind: input.kind,
          maxAmount: amount === null ? null : amount.toFixed(2),
          currency,
          note: input.note?.trim() ?? '',
          updatedBy: identity.userId,
          updatedAt: new Date(),
        }),
      );
    });
  }

  async remove(identity: Identity, categoryId: string, kind: CompensationKind): Promise<boolean> {
    requirePermission(identity, 'manageStandards', 'manage compensation standards');
    const result = await this.dataSource
      .getRepository(CompensationStandardEntity)
      .delete({ categoryId, kind });
    if (!result.affected) {
      throw new KnowledgeError(
        KnowledgeErrorCode.NotFound,
        `No ${kind} standard for category "${categoryId}".`,
      );
    }
    return true;
  }

  private async requireCategory(categoryId: string): Promise<void> {
    if (await this.dataSource.getRepository(CategoryEntity).findOneBy({ id: categoryId })) return;
    throw invalidInput([{ field: 'categoryId', message: `category "${categoryId}" does not exist` }]);
  }
}
