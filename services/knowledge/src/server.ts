import { join } from 'node:path';
import { findPackageRoot, type ServiceContext, type ServiceDefinition } from '@deskgraph/platform';
import { articleResolvers } from './article/article.resolvers';
import { ArticleService } from './article/article.service';
import { catalogResolvers } from './category/catalog.resolvers';
import { CategoryService } from './category/category.service';
import { createKnowledgeDataSource } from './database/data-source';
import type { SearchConfig } from './environment';
import { ticketEventsConsumer } from './events/consumers/ticket-events.consumer';
import { FeedbackService } from './feedback/feedback.service';
import { mapKnowledgeError } from './knowledge.errors';
import { bodyPostingsWorker } from './search/body-postings-worker';
import { SEARCH_MISS_DEFAULTS, SearchMissRecorder } from './search/search-misses';
import { searchResolvers } from './search/search.resolvers';
import { SearchService } from './search/search.service';
import { StandardsService } from './standards/standards.service';
import { TemplateService } from './template/template.service';

export interface KnowledgeServices {
  articles: ArticleService;
  search: SearchService;
  searchMisses: SearchMissRecorder;
  feedback: FeedbackService;
  categories: CategoryService;
  templates: TemplateService;
  standards: StandardsService;
}

export type KnowledgeContext = ServiceContext<KnowledgeServices>;

/** Merges per-area resolver maps (each area owns distinct fields). */
function mergeResolvers(...maps: Record<string, object>[]): Record<string, object> {
  const merged: Record<string, object> = {};
  for (const map of maps) {
    for (const [type, fields] of Object.entries(map)) merged[type] = { ...(merged[type] ?? {}), ...fields };
  }
  return merged;
}

export function knowledgeService(search: SearchConfig): ServiceDefinition<KnowledgeServices> {
  return {
    name: 'knowledge',
    schemaDirectory: join(findPackageRoot(__dirname), 'schema'),
    createDataSource: createKnowledgeDataSource,
    createServices: ({ dataSource, outbox, logger }) => {
      const articles = new ArticleService(dataSource, outbox);
      const searchMisses = new SearchMissRecorder(
        dataSource,
        SEARCH_MISS_DEFAULTS,
        logger.child({ component: 'search-misses' }),
      );
      return {
        articles,
        search: new SearchService(dataSource, articles, search, searchMisses),
        searchMisses,
        feedback: new FeedbackService(dataSource, outbox, articles, searchMisses),
        categories: new CategoryService(dataSource),
        templates: new TemplateService(dataSource),
        standards: new StandardsService(dataSource),
      };
    },
    resolvers: mergeResolvers(articleResolvers, searchResolvers, catalogResolvers),
    mapDomainError: mapKnowledgeError,
    consumers: () => [ticketEventsConsumer()],
    // Stopped after the server has drained: the last misses are written.
    workers: ({ dataSource, logger }, services) => [
      services.searchMisses,
      bodyPostingsWorker(dataSource, logger.child({ component: 'body-postings' })),
    ],
  };
}
