import { join } from 'node:path';
import { findPackageRoot, type ServiceContext, type ServiceDefinition } from '@deskgraph/platform';
import { ClassificationRuleService } from './classification/classification-rule.service';
import { CompensationService } from './compensation/compensation.service';
import { ConversationService } from './conversation/conversation.service';
import { createTicketsDataSource } from './database/data-source';
import type { DeskConfig } from './environment';
import { EscalationService } from './escalation/escalation.service';
import { slaBreachedConsumer } from './events/consumers/sla-breached.consumer';
import { QueueService } from './queue/queue.service';
import { createLifecycleSweeper } from './ticket/lifecycle-sweeper';
import { TicketChanger } from './ticket/ticket-changes';
import { TicketQueryService } from './ticket/ticket-query.service';
import { TicketWorkflowService } from './ticket/ticket-workflow.service';
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
  changer: TicketChanger;
}

export type TicketsContext = ServiceContext<TicketsServices>;

export function ticketsService(desk: DeskConfig): ServiceDefinition<TicketsServices> {
  return {
    name: 'tickets',
    schemaDirectory: join(findPackageRoot(__dirname), 'schema'),
    createDataSource: createTicketsDataSource,
    createServices: ({ dataSource, outbox }) => {
      const queues = new QueueService(dataSource);
      const changer = new TicketChanger(dataSource, outbox);
      const classificationRules = new ClassificationRuleService(dataSource);
      return {
        tickets: new TicketService(dataSource, outbox, desk, queues, classificationRules),
        queries: new TicketQueryService(dataSource),
        workflow: new TicketWorkflowService(dataSource, changer, queues),
        conversation: new ConversationService(dataSource, changer),
        escalations: new EscalationService(changer, queues),
        compensations: new CompensationService(dataSource, changer),
        queues,
        classificationRules,
        changer,
      };
    },
    resolvers: ticketResolvers,
    mapDomainError: mapTicketError,
    consumers: (_dependencies, services) => [slaBreachedConsumer(services.changer)],
    workers: ({ dataSource, logger }, services) => [
      createLifecycleSweeper(
        dataSource,
        services.changer,
        desk.lifecycle,
        logger.child({ component: 'lifecycle' }),
      ),
    ],
  };
}
