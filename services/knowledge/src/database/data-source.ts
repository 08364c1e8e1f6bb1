import { createServiceDataSource, type DatabaseConfig } from '@deskgraph/platform';
import { ArticleEntity } from '../article/article.entity';
import { InitialKnowledge1763856000000 } from './migrations/1763856000000-initial-knowledge';

export const KNOWLEDGE_SCHEMA = 'knowledge';

export function createKnowledgeDataSource(database: DatabaseConfig) {
  return createServiceDataSource({
    database,
    schema: KNOWLEDGE_SCHEMA,
    applicationName: 'deskgraph-knowledge',
    entities: [ArticleEntity],
    migrations: [InitialKnowledge1763856000000],
  });
}
