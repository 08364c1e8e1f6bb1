import { hasRole, type Identity } from '@deskgraph/platform';
import type { DataSource, EntityManager } from 'typeorm';
import { z } from 'zod';
import { assertStaff } from '../ticket/ticket-access';
import { parseInput } from '../ticket/ticket-input';
import { TicketError, TicketErrorCode } from '../ticket/ticket.errors';
import { ClassificationRuleEntity } from './classification-rule.entity';
import { PRIORITIES, TICKET_TYPES, type ClassificationRule } from './classification-rules';
import { validateClassificationRules } from './classify';

export const CLASSIFICATION_LIMITS = { rules: 200, keywordsPerRule: 100, keywordLength: 64 };

const rulesSchema = z
  .array(
    z.object({
      id: z
        .string()
        .regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'rule id must be 1-64 lowercase letters, digits, _ or -'),
      keywords: z
        .array(
          z
            .string()
            .trim()
            .min(1, 'keywords must not be empty')
            .max(
              CLASSIFICATION_LIMITS.keywordLength,
              `keywords are at most ${CLASSIFICATION_LIMITS.keywordLength} characters`,
            ),
        )
        .min(1, 'each rule needs at least one keyword')
        .max(
          CLASSIFICATION_LIMITS.keywordsPerRule,
          `at most ${CLASSIFICATION_LIMITS.keywordsPerRule} keywords per rule`,
        ),
      type: z.enum(TICKET_TYPES).nullish(),
      category: z
        .string()
        .regex(/^[a-z0-9_-]{1,64}$/, 'category must be 1-64 lowercase letters, digits, _ or -')
        .nullish(),
      priority: z.enum(PRIORITIES).nullish(),
      weight: z.number().int().min(1, 'weight is at least 1').max(100, 'weight is at most 100').nullish(),
    }),
  )
  .max(CLASSIFICATION_LIMITS.rules, `at most ${CLASSIFICATION_LIMITS.rules} rules`);

/** A stored rule as classification uses it. */
export function toClassificationRule(
  entity: Pick<ClassificationRuleEntity, 'id' | 'keywords' | 'type' | 'category' | 'priority' | 'weight'>,
): ClassificationRule {
  return {
    id: entity.id,
    keywords: entity.keywords,
    ...(entity.type ? { type: entity.type } : {}),
    ...(entity.category ? { category: entity.category } : {}),
    ...(entity.priority ? { priority: entity.priority } : {}),
    weight: entity.weight,
  };
}

/** The keyword rules that suggest type, category and priority: data admins edit, not code. */
export class ClassificationRuleService {
  constructor(private readonly dataSource: DataSource) {}

  async list(identity: Identity): Promise<ClassificationRuleEntity[]> {
    assertStaff(identity);
    return this.dataSource.getRepository(ClassificationRuleEntity).find({ order: { position: 'ASC' } });
  }

  /** The rules new tickets are classified with, read in the creating transaction. */
  async activeRules(manager: EntityManager): Promise<ClassificationRule[]> {
    const rows = await manager.find(ClassificationRuleEntity, { order: { position: 'ASC' } });
    return rows.map(toClassificationRule);
  }

  /** Replaces the whole rule set at once, so a half-edited set is never in force. */
  async replace(identity: Identity, rawRules: unknown): Promise<ClassificationRuleEntity[]> {
    if (!hasRole(identity, 'admin')) {
      throw new TicketError(TicketErrorCode.NotAllowed, 'Only admins edit classification rules.');
    }
    const rules = parseInput(rulesSchema, rawRules).map((rule) => ({
      id: rule.id,
      keywords: [...new Set(rule.keywords)],
      ...(rule.type ? { type: rule.type } : {}),
      ...(rule.category ? { category: rule.category } : {}),
      ...(rule.priority ? { priority: rule.priority } : {}),
      weight: rule.weight ?? 1,
    }));
    const problems = validateClassificationRules(rules);
    if (problems.length > 0) {
      throw new TicketError(TicketErrorCode.InvalidInput, problems.join('; '), { problems });
    }
    return this.dataSource.transaction(async (manager) => {
      await manager.query(`DELETE FROM classification_rules`);
      await manager.save(
        ClassificationRuleEntity,
        rules.map((rule, position) => ({
          id: rule.id,
          position,
          keywords: rule.keywords,
          type: rule.type ?? null,
          category: rule.category ?? null,
          priority: rule.priority ?? null,
          weight: rule.weight,
        })),
      );
      return manager.find(ClassificationRuleEntity, { order: { position: 'ASC' } });
    });
  }
}
