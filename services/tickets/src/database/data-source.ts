import { createServiceDataSource, type DatabaseConfig } from '@deskgraph/platform';
import { TicketEntity } from '../ticket/ticket.entity';
import { InitialTickets1763856000000 } from './migrations/1763856000000-initial-tickets';

export const TICKETS_SCHEMA = 'tickets';

export function createTicketsDataSource(database: DatabaseConfig) {
  return createServiceDataSource({
    database,
    schema: TICKETS_SCHEMA,
    applicationName: 'deskgraph-tickets',
    entities: [TicketEntity],
    migrations: [InitialTickets1763856000000],
  });
}
