import { DateTimeScalar } from '@deskgraph/platform';
import type { KnowledgeContext } from '../server';
import type { ArticleEntity } from './article.entity';
import type { CreateArticleDraftInput } from './article.service';

function toArticleGraph(article: ArticleEntity) {
  return {
    id: article.id,
    title: article.title,
    body: article.body,
    locale: article.locale,
    audience: article.audience,
    status: article.status,
    createdAt: article.createdAt,
    updatedAt: article.updatedAt,
  };
}

export const articleResolvers = {
  DateTime: DateTimeScalar,
  Query: {
    article: async (_: unknown, args: { id: string }, context: KnowledgeContext) => {
      const article = await context.articles.find(context.identity, args.id);
      return article && toArticleGraph(article);
    },
    articles: async (_: unknown, args: { first: number }, context: KnowledgeContext) =>
      (await context.articles.list(context.identity, args.first)).map(toArticleGraph),
  },
  Mutation: {
    createArticleDraft: async (
      _: unknown,
      args: { input: CreateArticleDraftInput },
      context: KnowledgeContext,
    ) => toArticleGraph(await context.articles.createDraft(context.identity, args.input)),
  },
  Article: {
    __resolveReference: async (reference: { id: string }, context: KnowledgeContext) => {
      const article = await context.articles.find(context.identity, reference.id);
      return article && toArticleGraph(article);
    },
  },
};
