import type { KnowledgeContext } from '../server';
import type { CompensationStandardEntity, CompensationKind } from '../standards/compensation-standard.entity';
import type { CompensationStandardInput } from '../standards/standards.service';
import type { ReplyTemplateEntity } from '../template/reply-template.entity';
import { placeholdersIn } from '../template/template-rendering';
import type { CategoryEntity } from './category.entity';

// Categories, compensation standards, reply templates and content gaps: the base's reference data.
export const catalogResolvers = {
  Query: {
    categories: (_: unknown, __: unknown, context: KnowledgeContext) => context.categories.list(),
    compensationStandards: (_: unknown, args: { category?: string | null }, context: KnowledgeContext) =>
      context.standards.list(context.identity, args.category),
    replyTemplates: (_: unknown, args: { locale?: string | null }, context: KnowledgeContext) =>
      context.templates.list(context.identity, args.locale),
    renderReplyTemplate: async (
      _: unknown,
      args: { templateId: string; ticketId: string; values?: { name: string; value: string }[] | null },
      context: KnowledgeContext,
    ) => {
      const rendered = await context.templates.render(context.identity, args);
      return {
        template: rendered.template,
        text: rendered.text,
        missingPlaceholders: rendered.missing,
        unknownPlaceholders: rendered.unknown,
        ticketKnown: rendered.ticketKnown,
      };
    },
    contentGaps: (_: unknown, args: { first: number }, context: KnowledgeContext) =>
      context.feedback.contentGaps(context.identity, args.first),
  },
  Mutation: {
    upsertCategory: (
      _: unknown,
      args: { input: { id: string; name: string; parentId?: string | null } },
      context: KnowledgeContext,
    ) => context.categories.upsert(context.identity, args.input),
    upsertCompensationStandard: (
      _: unknown,
      args: { input: CompensationStandardInput },
      context: KnowledgeContext,
    ) => context.standards.upsert(context.identity, args.input),
    removeCompensationStandard: (
      _: unknown,
      args: { category: string; kind: CompensationKind },
      context: KnowledgeContext,
    ) => context.standards.remove(context.identity, args.category, args.kind),
    upsertReplyTemplate: (
      _: unknown,
      args: { input: { id?: string | null; name: string; locale: string; body: string } },
      context: KnowledgeContext,
    ) => context.templates.upsert(context.identity, args.input),
  },
  Category: {
    parent: (category: CategoryEntity, _: unknown, context: KnowledgeContext) =>
      category.parentId ? context.categories.find(category.parentId) : null,
    children: async (category: CategoryEntity, _: unknown, context: KnowledgeContext) =>
      (await context.categories.list()).filter((candidate) => candidate.parentId === category.id),
  },
  CompensationStandard: {
    category: (standard: CompensationStandardEntity, _: unknown, context: KnowledgeContext) =>
      context.categories.find(standard.categoryId),
    maxAmount: (standard: CompensationStandardEntity) =>
      standard.maxAmount === null ? null : Number(standard.maxAmount),
  },
  ReplyTemplate: {
    placeholders: (template: ReplyTemplateEntity) => placeholdersIn(template.body),
  },
  CategoryGap: {
    category: (gap: { categoryId: string }, _: unknown, context: KnowledgeContext) =>
      context.categories.find(gap.categoryId),
  },
};
