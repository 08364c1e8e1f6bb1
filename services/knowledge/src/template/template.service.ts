import { randomUUID } from 'node:crypto';
import type { Identity } from '@deskgraph/platform';
import type { DataSource } from 'typeorm';
import { requirePermission } from '../access/knowledge-access';
import { stripControlCharacters, SUPPORTED_LOCALES } from '../article/article-input';
import { isUuid } from '../article/article.service';
import { invalidInput, KnowledgeError, KnowledgeErrorCode, type InputProblem } from '../knowledge.errors';
import { TicketFactEntity } from '../ticket-facts/ticket-fact.entity';
import { ReplyTemplateEntity } from './reply-template.entity';
import {
  isKnownPlaceholder,
  KNOWN_PLACEHOLDERS,
  placeholdersIn,
  renderTemplate,
  type PlaceholderName,
  type RenderedTemplate,
} from './template-rendering';

export const TEMPLATE_LIMITS = { name: 100, body: 10_000 };

export class TemplateService {
  constructor(private readonly dataSource: DataSource) {}

  async list(identity: Identity, locale?: string | null): Promise<ReplyTemplateEntity[]> {
    requirePermission(identity, 'readStaffData', 'read reply templates');
    return this.dataSource
      .getRepository(ReplyTemplateEntity)
      .find({ where: locale ? { locale } : {}, order: { name: 'ASC' } });
  }

  async upsert(
    identity: Identity,
    input: { id?: string | null; name: string; locale: string; body: string },
  ): Promise<ReplyTemplateEntity> {
    requirePermission(identity, 'manageTemplates', 'manage reply templates');
    const body = stripControlCharacters(input.body);
    const problems: InputProblem[] = [];
    if (!input.name.trim()) problems.push({ field: 'name', message: 'name must not be empty' });
    if (input.name.length > TEMPLATE_LIMITS.name)
      problems.push({ field: 'name', message: `name must be at most ${TEMPLATE_LIMITS.name} characters` });
    if (!body.trim()) problems.push({ field: 'body', message: 'body must not be empty' });
    if (body.length > TEMPLATE_LIMITS.body)
      problems.push({ field: 'body', message: `body must be at most ${TEMPLATE_LIMITS.body} characters` });
    if (!(SUPPORTED_LOCALES as readonly string[]).includes(input.locale))
      problems.push({
        field: 'locale',
        message: `locale "${input.locale}" is not supported; use one of ${SUPPORTED_LOCALES.join(', ')}`,
      });
    const unknown = placeholdersIn(body).filter((name) => !isKnownPlaceholder(name));
    if (unknown.length > 0)
      problems.push({
        field: 'body',
        message: `unknown placeholders ${unknown.map((name) => `{{${name}}}`).join(', ')}; known: ${KNOWN_PLACEHOLDERS.join(', ')}`,
      });
    if (input.id && !isUuid(input.id))
      problems.push({ field: 'id', message: 'id must be a template id (UUID)' });
    if (problems.length > 0) throw invalidInput(problems);
    return this.dataSource.transaction(async (manager) => {
      const existing = input.id ? await manager.findOneBy(ReplyTemplateEntity, { id: input.id }) : null;
      if (input.id && !existing) throw this.notFound(input.id);
      const clash = await manager.findOneBy(ReplyTemplateEntity, { name: input.name.trim() });
      if (clash && clash.id !== existing?.id) {
        throw new KnowledgeError(
          KnowledgeErrorCode.Conflict,
          `A template named "${input.name.trim()}" already exists.`,
        );
      }
      return manager.save(
        manager.create(ReplyTemplateEntity, {
          id: existing?.id ?? randomUUID(),
          name: input.name.trim(),
          locale: input.locale,
          body,
          updatedBy: identity.userId,
          updatedAt: new Date(),
        }),
      );
    });
  }

  /**
   * Fills a template for a ticket from the facts its events carried (number,
   * title, type, category, priority, customer id). Names are not in any
   * event: the caller passes them in `values`; whatever stays unfilled is
   * listed, never guessed.
   */
  async render(
    identity: Identity,
    input: { templateId: string; ticketId: string; values?: { name: string; value: string }[] | null },
  ): Promise<RenderedTemplate & { template: ReplyTemplateEntity; ticketKnown: boolean }> {
    requirePermission(identity, 'readStaffData', 'render reply templates');
    const given = input.values ?? [];
    const unknownGiven = given.filter((entry) => !isKnownPlaceholder(entry.name)).map((entry) => entry.name);
    if (unknownGiven.length > 0) {
      throw invalidInput([
        {
          field: 'values',
          message: `unknown placeholders in values: ${unknownGiven.join(', ')}; known: ${KNOWN_PLACEHOLDERS.join(', ')}`,
        },
      ]);
    }
    const template = isUuid(input.templateId)
      ? await this.dataSource.getRepository(ReplyTemplateEntity).findOneBy({ id: input.templateId })
      : null;
    if (!template) throw this.notFound(input.templateId);
    const ticket = isUuid(input.ticketId)
      ? await this.dataSource.getRepository(TicketFactEntity).findOneBy({ ticketId: input.ticketId })
      : null;
    const values: Partial<Record<PlaceholderName, string | null>> = ticket
      ? {
          'ticket.number': ticket.number,
          'ticket.title': ticket.title,
          'ticket.type': ticket.type,
          'ticket.category': ticket.category,
          'ticket.priority': ticket.priority,
          'customer.id': ticket.customerId,
        }
      : {};
    for (const entry of given) values[entry.name as PlaceholderName] = entry.value;
    return { ...renderTemplate(template.body, values), template, ticketKnown: ticket !== null };
  }

  private notFound(id: string): KnowledgeError {
    return new KnowledgeError(KnowledgeErrorCode.NotFound, `Reply template ${id} does not exist.`);
  }
}
