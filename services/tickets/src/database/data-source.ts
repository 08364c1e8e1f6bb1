import { createServiceDataSource, type DatabaseConfig } from '@deskgraph/platform';
import { ClassificationRuleEntity } from '../classification/classification-rule.entity';
import { CompensationEntity } from '../compensation/compensation.entity';
import { MessageEntity } from '../conversation/message.entity';
import { AgentEntity, QueueEntity, RoutingRuleEntity } from '../queue/queue.entity';
import { TicketEntity } from '../ticket/ticket.entity';
import { HandoverEntity, HandoverItemEntity } from '../handover/handover.entity';
import { ServiceLanguageRuleEntity } from '../service-language/service-language-rule.entity';
import { TimelineEntryEntity } from '../timeline/timeline.entity';
import { VisitEntity } from '../visit/visit.entity';
import { InitialTickets1763856000000 } from './migrations/1763856000000-initial-tickets';
import { TicketLifecycle1763860000000 } from './migrations/1763860000000-ticket-lifecycle';
import { ClassificationRules1764010000000 } from './migrations/1764010000000-classification-rules';
import { ServicePractices1764020000000 } from './migrations/1764020000000-service-practices';
import { ProcessedFacts1765100000000 } from './migrations/1765100000000-processed-facts';
import { ProcessedEventsRetention1765100000001 } from './migrations/1765100000001-processed-events-retention';
import { TicketNumberSequences1765130000000 } from './migrations/1765130000000-ticket-number-sequences';
import { IdempotencyKeys1765130000001 } from './migrations/1765130000001-idempotency-keys';
import { RemaskStoredText1765150000000 } from './migrations/1765150000000-remask-stored-text';
import { OutboxWakeInProcess1765300000000 } from './migrations/1765300000000-outbox-wake-in-process';

export const TICKETS_SCHEMA = 'tickets';

export function createTicketsDataSource(database: DatabaseConfig) {
  return createServiceDataSource({
    database,
    schema: TICKETS_SCHEMA,
    applicationName: 'deskgraph-tickets',
    entities: [
      TicketEntity,
      TimelineEntryEntity,
      MessageEntity,
      CompensationEntity,
      QueueEntity,
      AgentEntity,
      RoutingRuleEntity,
      ClassificationRuleEntity,
      ServiceLanguageRuleEntity,
      VisitEntity,
      HandoverEntity,
      HandoverItemEntity,
    ],
    migrations: [
      InitialTickets1763856000000,
      TicketLifecycle1763860000000,
      ClassificationRules1764010000000,
      ServicePractices1764020000000,
      ProcessedFacts1765100000000,
      ProcessedEventsRetention1765100000001,
      TicketNumberSequences1765130000000,
      IdempotencyKeys1765130000001,
      RemaskStoredText1765150000000,
      OutboxWakeInProcess1765300000000,
    ],
  });
}
