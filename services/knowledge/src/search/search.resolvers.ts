import { toArticleGraph } from '../article/article.resolvers';
import type { KnowledgeContext } from '../server';
import type { ArticleSearchFilter } from './search.service';

export const searchResolvers = {
  Query: {
    searchArticles: async (
      _: unknown,
      args: { query: string; filter?: ArticleSearchFilter | null; first: number; after?: string | null },
      context: KnowledgeContext,
    ) => {
      const page = await context.search.search(context.identity, args);
      return {
        edges: page.hits.map((hit) => ({
          cursor: hit.cursor,
          node: toArticleGraph(hit.article),
          snippet: hit.snippet,
          score: hit.score,
        })),
        pageInfo: { hasNextPage: page.hasNextPage, endCursor: page.hits.at(-1)?.cursor ?? null },
        totalCount: page.totalCount,
        totalCountCapped: page.totalCountCapped,
      };
    },
  },
  Ticket: {
    __resolveReference: (reference: { id: string }) => ({ id: reference.id }),
    suggestedArticles: async (ticket: { id: string }, args: { first: number }, context: KnowledgeContext) =>
      (await context.search.suggestForTicket(context.identity, ticket.id, args.first)).map((suggestion) => ({
        article: toArticleGraph(suggestion.article),
        score: suggestion.score,
        snippet: suggestion.snippet,
      })),
    usedArticles: async (ticket: { id: string }, _: unknown, context: KnowledgeContext) =>
      (await context.feedback.articlesUsedOnTicket(context.identity, ticket.id)).map(toArticleGraph),
  },
};
