import { join } from 'node:path';
import {
  DomainError,
  findPackageRoot,
  type ServiceContext,
  type ServiceDefinition,
} from '@deskgraph/platform';
import { GraphQLError } from 'graphql';
import { slaResolvers } from './clock/sla.resolvers';
import { SlaService } from './clock/sla.service';
import { createSlaDataSource } from './database/data-source';
import { ticketEventsConsumer } from './events/consumers/ticket-events.consumer';

export interface SlaServices {
  sla: SlaService;
}

export type SlaContext = ServiceContext<SlaServices>;

export function slaService(): ServiceDefinition<SlaServices> {
  return {
    name: 'sla',
    schemaDirectory: join(findPackageRoot(__dirname), 'schema'),
    createDataSource: createSlaDataSource,
    createServices: (dependencies) => ({ sla: new SlaService(dependencies.dataSource) }),
    resolvers: slaResolvers,
    mapDomainError: (error: DomainError) =>
      new GraphQLError(error.message, { extensions: { code: 'BAD_USER_INPUT', reason: error.code } }),
    consumers: () => [ticketEventsConsumer()],
  };
}
