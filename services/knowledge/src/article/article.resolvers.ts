import { DateTimeScalar } from '@deskgraph/platform';
import type { ArticleFeedback } from '../feedback/feedback.service';
import type { KnowledgeContext } from '../server';
import type { ArticleEntity, ArticleVersionEntity } from './article.entity';
import type { CreateArticleDraftInput, UpdateArticleInput } from './article.service';
import { renderMarkdown } from './markdown';

/** The GraphQL shape of an article: entity fields plus what field resolvers fill in. */
export function toArticleGraph(article: ArticleEntity) {
  return {
    id: article.id,
    title: article.title,
    summary: article.summary,
    body: article.body,
    categoryId: article.categoryId,
    tags: article.tags,
    locale: article.locale,
    audience: article.audience,
    status: article.status,
    authorId: article.authorId,
    reviewerId: article.reviewerId,
    version: article.version,
    sourceTicketId: article.sourceTicketId,
    publishedAt: article.publishedAt,
    viewCount: article.viewCount,
    createdAt: article.createdAt,
    updatedAt: article.updatedAt,
  };
}

type ArticleGraph = ReturnType<typeof toArticleGraph>;

// The three count fields of one resolved article share one query (keyed by the parent object,
// which is created per resolution, so a later mutation in the same request reads fresh counts).
const feedbackByArticle = new WeakMap<ArticleGraph, Promise<ArticleFeedback>>();

function feedbackOf(context: KnowledgeContext, article: ArticleGraph): Promise<ArticleFeedback> {
  let feedback = feedbackByArticle.get(article);
  if (!feedback) {
    feedback = context.feedback.feedback(article.id);
    feedbackByArticle.set(article, feedback);
  }
  return feedback;
}

function toVersionGraph(version: ArticleVersionEntity) {
  return { ...version };
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
    articleVersion: async (
      _: unknown,
      args: { articleId: string; version: number },
      context: KnowledgeContext,
    ) => {
      const version = await context.articles.version(context.identity, args.articleId, args.version);
      return version && toVersionGraph(version);
    },
  },
  Mutation: {
    createArticleDraft: async (
      _: unknown,
      args: { input: CreateArticleDraftInput },
      context: KnowledgeContext,
    ) => toArticleGraph(await context.articles.createDraft(context.identity, args.input)),
    updateArticle: async (_: unknown, args: { input: UpdateArticleInput }, context: KnowledgeContext) =>
      toArticleGraph(await context.articles.update(context.identity, args.input)),
    restoreArticleVersion: async (
      _: unknown,
      args: { input: { articleId: string; versionId: string; reason?: string | null } },
      context: KnowledgeContext,
    ) => toArticleGraph(await context.articles.restoreVersion(context.identity, args.input)),
    submitArticleForReview: async (_: unknown, args: { articleId: string }, context: KnowledgeContext) =>
      toArticleGraph(await context.articles.submitForReview(context.identity, args.articleId)),
    publishArticle: async (_: unknown, args: { articleId: string }, context: KnowledgeContext) =>
      toArticleGraph(await context.articles.publish(context.identity, args.articleId)),
    archiveArticle: async (_: unknown, args: { articleId: string }, context: KnowledgeContext) =>
      toArticleGraph(await context.articles.archive(context.identity, args.articleId)),
    recordArticleView: async (_: unknown, args: { articleId: string }, context: KnowledgeContext) =>
      toArticleGraph(await context.articles.recordView(context.identity, args.articleId)),
    useArticleOnTicket: async (
      _: unknown,
      args: { articleId: string; ticketId: string },
      context: KnowledgeContext,
    ) => toArticleGraph(await context.feedback.linkToTicket(context.identity, args.articleId, args.ticketId)),
    voteArticle: async (
      _: unknown,
      args: { input: { articleId: string; helpful: boolean; comment?: string | null } },
      context: KnowledgeContext,
    ) => toArticleGraph(await context.feedback.vote(context.identity, args.input)),
  },
  Article: {
    __resolveReference: async (reference: { id: string }, context: KnowledgeContext) => {
      const article = await context.articles.find(context.identity, reference.id);
      return article && toArticleGraph(article);
    },
    bodyHtml: (article: ArticleGraph) => renderMarkdown(article.body),
    category: (article: ArticleGraph, _: unknown, context: KnowledgeContext) =>
      article.categoryId ? context.categories.find(article.categoryId) : null,
    versions: async (article: ArticleGraph, _: unknown, context: KnowledgeContext) =>
      (await context.articles.versions(context.identity, article.id)).map(toVersionGraph),
    helpfulCount: async (article: ArticleGraph, _: unknown, context: KnowledgeContext) =>
      (await feedbackOf(context, article)).helpful,
    notHelpfulCount: async (article: ArticleGraph, _: unknown, context: KnowledgeContext) =>
      (await feedbackOf(context, article)).notHelpful,
    usedOnTicketCount: async (article: ArticleGraph, _: unknown, context: KnowledgeContext) =>
      (await feedbackOf(context, article)).usedOnTickets,
    votes: (article: ArticleGraph, args: { first: number }, context: KnowledgeContext) =>
      context.feedback.votes(context.identity, article.id, args.first),
  },
  ArticleVersion: {
    bodyHtml: (version: ArticleVersionEntity) => renderMarkdown(version.body),
  },
};
