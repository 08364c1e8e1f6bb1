import { join } from 'node:path';
import { GraphQLScalarType } from 'graphql';
import { findPackageRoot, type ServiceContext, type ServiceDefinition } from '@deskgraph/platform';
import { ClassificationRuleService } from './classification/classification-rule.service';
import { CompensationService } from './compensation/compensation.service';
import { ConversationService } from './conversation/conversation.service';
import { createTicketsDataSource } from './database/data-source';
import type { DeskConfig } from './environment';
import { EscalationService } from './escalation/escalation.service';
import { HandoverService } from './handover/handover.service';
import { IdempotencyKeys } from './idempotency/idempotency-keys';
import { practiceResolvers } from './practice.resolvers';
import { ServiceLanguageService } from './service-language/service-language.service';
import { VisitService } from './visit/visit.service';
import { slaBreachedConsumer } from './events/consumers/sla-breached.consumer';
import { QueueService } from './queue/queue.service';
import { createLifecycleSweeper } from './ticket/lifecycle-sweeper';
import { TicketChanger } from './ticket/ticket-changes';
import { TicketQueryService } from './ticket/ticket-query.service';
import { TicketWorkflowService } from './ticket/ticket-workflow.service';
import { requireSignIn } from './ticket/ticket-access';
import { mapTicketError } from './ticket/ticket.errors';
import { ticketResolvers } from './ticket/ticket.resolvers';
import { TicketService } from './ticket/ticket.service';

export interface TicketsServices {
  tickets: TicketService;
  queries: TicketQueryService;
  workflow: TicketWorkflowService;
  conversation: ConversationService;
  escalations: EscalationService;
  compensations: CompensationService;
  queues: QueueService;
  classificationRules: ClassificationRuleService;
  serviceLanguage: ServiceLanguageService;
  visits: VisitService;
  handovers: HandoverService;
  changer: TicketChanger;
  idempotency: IdempotencyKeys;
}

export type TicketsContext = ServiceContext<TicketsServices>;

export function ticketsService(desk: DeskConfig): ServiceDefinition<TicketsServices> {
  return {
    name: 'tickets',
    schemaDirectory: join(findPackageRoot(__dirname), 'schema'),
    createDataSource: createTicketsDataSource,
    createServices: ({ dataSource, outbox }) => {
      const queues = new QueueService(dataSource);
      const idempotency = new IdempotencyKeys(dataSource);
      const changer = new TicketChanger(dataSource, outbox);
      const tickets = new TicketService(dataSource, outbox, desk, idempotency);
      const classificationRules = new ClassificationRuleService(dataSource);
      const serviceLanguage = new ServiceLanguageService(dataSource);
      const visits = new VisitService(dataSource, changer, desk.visits, idempotency);
      // Closing a ticket schedules its visits in the same transaction.
      changer.onClose((context) => visits.onTicketClosed(context));
      return {
        tickets,
        queries: new TicketQueryService(dataSource),
        workflow: new TicketWorkflowService(dataSource, changer, queues),
        conversation: new ConversationService(
          dataSource,
          changer,
          serviceLanguage,
          idempotency,
          queues,
          tickets,
        ),
        escalations: new EscalationService(changer, queues),
        compensations: new CompensationService(dataSource, changer, idempotency),
        queues,
        classificationRules,
        serviceLanguage,
        visits,
        handovers: new HandoverService(dataSource, outbox, queues),
        changer,
        idempotency,
      };
    },
    resolvers: requireSignIn(mergeResolvers(ticketResolvers, practiceResolvers)),
    // Phone-number fields: still masked for ID and card numbers, but a possible phone number is kept.
    privacy: { phoneNumberFields: ['customer.contact'] },
    mapDomainError: mapTicketError,
    // Idempotency keys are kept at least 24 h, then go with the platform's retention sweep.
    retention: [
      { table: 'idempotency_keys', column: 'created_at', retentionMs: desk.idempotencyKeyRetentionMs },
    ],
    consumers: (_dependencies, services) => [slaBreachedConsumer(services.escalations)],
    workers: ({ dataSource, logger }, services) => [
      createLifecycleSweeper(
        dataSource,
        services.changer,
        services.visits,
        desk.lifecycle,
        logger.child({ component: 'lifecycle' }),
      ),
    ],
  };
}

/** Resolver maps merged per type, so each feature keeps its own file. */
function mergeResolvers(...maps: Record<string, object>[]): Record<string, object> {
  const merged: Record<string, object> = {};
  for (const map of maps) {
    for (const [type, fields] of Object.entries(map)) {
      merged[type] = fields instanceof GraphQLScalarType ? fields : { ...merged[type], ...fields };
    }
  }
  return merged;
}
