import { hasRole, type Identity } from '@deskgraph/platform';
import type { DataSource, EntityManager } from 'typeorm';
import { z } from 'zod';
import { assertStaff } from '../ticket/ticket-access';
import { parseInput } from '../ticket/ticket-input';
import { TicketError, TicketErrorCode } from '../ticket/ticket.errors';
import {
  SERVICE_LANGUAGE_KINDS,
  SERVICE_LANGUAGES,
  validateServiceLanguageRules,
  type ServiceLanguageRule,
} from './service-language';
import { ServiceLanguageRuleEntity } from './service-language-rule.entity';

export const SERVICE_LANGUAGE_LIMITS = { rules: 500, phrase: 200, suggestion: 500 };

const rulesSchema = z
  .array(
    z.object({
      kind: z.enum(SERVICE_LANGUAGE_KINDS),
      language: z.enum(SERVICE_LANGUAGES),
      phrase: z
        .string()
        .trim()
        .max(
          SERVICE_LANGUAGE_LIMITS.phrase,
          `phrases are at most ${SERVICE_LANGUAGE_LIMITS.phrase} characters`,
        ),
      suggestion: z
        .string()
        .trim()
        .max(
          SERVICE_LANGUAGE_LIMITS.suggestion,
          `suggestions are at most ${SERVICE_LANGUAGE_LIMITS.suggestion} characters`,
        )
        .nullish()
        .transform((value) => value || null),
    }),
  )
  .max(SERVICE_LANGUAGE_LIMITS.rules, `at most ${SERVICE_LANGUAGE_LIMITS.rules} phrases`);

function toRule(entity: ServiceLanguageRuleEntity): ServiceLanguageRule {
  return {
    kind: entity.kind,
    language: entity.language,
    phrase: entity.phrase,
    suggestion: entity.suggestion,
  };
}

/** Forbidden phrases and required courtesies: data admins edit, not code. */
export class ServiceLanguageService {
  constructor(private readonly dataSource: DataSource) {}

  async list(identity: Identity): Promise<ServiceLanguageRule[]> {
    assertStaff(identity);
    return this.activeRules(this.dataSource.manager);
  }

  async activeRules(manager: EntityManager): Promise<ServiceLanguageRule[]> {
    const rows = await manager.find(ServiceLanguageRuleEntity, { order: { position: 'ASC' } });
    return rows.map(toRule);
  }

  /** Replaces the whole list at once, so a half-edited list is never in force. */
  async replace(identity: Identity, rawRules: unknown): Promise<ServiceLanguageRule[]> {
    assertStaff(identity);
    if (!hasRole(identity, 'admin')) {
      throw new TicketError(TicketErrorCode.NotAllowed, 'Only admins edit the service-language rules.');
    }
    const rules: ServiceLanguageRule[] = parseInput(rulesSchema, rawRules).map((rule) => ({
      ...rule,
      suggestion: rule.suggestion ?? null,
    }));
    const problems = validateServiceLanguageRules(rules);
    if (problems.length > 0) {
      throw new TicketError(TicketErrorCode.InvalidInput, problems.join('; '), { problems });
    }
    return this.dataSource.transaction(async (manager) => {
      await manager.query(`DELETE FROM service_language_rules`);
      await manager.insert(
        ServiceLanguageRuleEntity,
        rules.map((rule, position) => ({ position, ...rule })),
      );
      return this.activeRules(manager);
    });
  }
}
