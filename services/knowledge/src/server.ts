import { join } from 'node:path';
import { findPackageRoot, type ServiceContext, type ServiceDefinition } from '@deskgraph/platform';
import { articleResolvers } from './article/article.resolvers';
import { mapArticleError } from './article/article.errors';
import { ArticleService } from './article/article.service';
import { createKnowledgeDataSource } from './database/data-source';

export interface KnowledgeServices {
  articles: ArticleService;
}

export type KnowledgeContext = ServiceContext<KnowledgeServices>;

export function knowledgeService(): ServiceDefinition<KnowledgeServices> {
  return {
    name: 'knowledge',
    schemaDirectory: join(findPackageRoot(__dirname), 'schema'),
    createDataSource: createKnowledgeDataSource,
    createServices: (dependencies) => ({ articles: new ArticleService(dependencies.dataSource) }),
    resolvers: articleResolvers,
    mapDomainError: mapArticleError,
  };
}
