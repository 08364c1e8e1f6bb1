import { createServiceDataSource, type DatabaseConfig } from '@deskgraph/platform';
import { ArticleEntity, ArticleVersionEntity } from '../article/article.entity';
import { CategoryEntity } from '../category/category.entity';
import { ArticleTicketLinkEntity, ArticleVoteEntity } from '../feedback/feedback.entity';
import { CompensationStandardEntity } from '../standards/compensation-standard.entity';
import { ReplyTemplateEntity } from '../template/reply-template.entity';
import { TicketFactEntity } from '../ticket-facts/ticket-fact.entity';
import { InitialKnowledge1763856000000 } from './migrations/1763856000000-initial-knowledge';
import { KnowledgeDomain1764000000000 } from './migrations/1764000000000-knowledge-domain';
import { ProcessedEventsRetention1765100000001 } from './migrations/1765100000001-processed-events-retention';
import { MixedScriptSearch1765200000000 } from './migrations/1765200000000-mixed-script-search';
import { RemaskStoredText1765150000000 } from './migrations/1765150000000-remask-stored-text';
import { ArticleTerms1765300000000 } from './migrations/1765300000000-article-terms';
import { OutboxWakeInProcess1765310000000 } from './migrations/1765310000000-outbox-wake-in-process';
import { BodyPostingsChangedTerms1765320000000 } from './migrations/1765320000000-body-postings-changed-terms';

export const KNOWLEDGE_SCHEMA = 'knowledge';

export function createKnowledgeDataSource(database: DatabaseConfig) {
  return createServiceDataSource({
    database,
    schema: KNOWLEDGE_SCHEMA,
    applicationName: 'deskgraph-knowledge',
    entities: [
      ArticleEntity,
      ArticleVersionEntity,
      CategoryEntity,
      ArticleTicketLinkEntity,
      ArticleVoteEntity,
      CompensationStandardEntity,
      ReplyTemplateEntity,
      TicketFactEntity,
    ],
    migrations: [
      InitialKnowledge1763856000000,
      KnowledgeDomain1764000000000,
      ProcessedEventsRetention1765100000001,
      RemaskStoredText1765150000000,
      MixedScriptSearch1765200000000,
      ArticleTerms1765300000000,
      OutboxWakeInProcess1765310000000,
      BodyPostingsChangedTerms1765320000000,
    ],
  });
}
