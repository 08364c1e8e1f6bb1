import { join } from 'node:path';
import { findPackageRoot, type ServiceContext, type ServiceDefinition } from '@deskgraph/platform';
import { createTicketsDataSource } from './database/data-source';
import type { DeskConfig } from './environment';
import { ticketResolvers } from './ticket/ticket.resolvers';
import { mapTicketError } from './ticket/ticket.errors';
import { TicketService } from './ticket/ticket.service';

export interface TicketsServices {
  tickets: TicketService;
}

export type TicketsContext = ServiceContext<TicketsServices>;

export function ticketsService(desk: DeskConfig): ServiceDefinition<TicketsServices> {
  return {
    name: 'tickets',
    schemaDirectory: join(findPackageRoot(__dirname), 'schema'),
    createDataSource: createTicketsDataSource,
    createServices: (dependencies) => ({
      tickets: new TicketService(dependencies.dataSource, dependencies.outbox, desk),
    }),
    resolvers: ticketResolvers,
    mapDomainError: mapTicketError,
  };
}
