import { createServiceDataSource, type DatabaseConfig } from '@deskgraph/platform';
import { TicketFactEntity } from '../projection/ticket-fact.entity';
import { InitialAnalytics1763856000000 } from './migrations/1763856000000-initial-analytics';

export const ANALYTICS_SCHEMA = 'analytics';

export function createAnalyticsDataSource(database: DatabaseConfig) {
  return createServiceDataSource({
    database,
    schema: ANALYTICS_SCHEMA,
    applicationName: 'deskgraph-analytics',
    entities: [TicketFactEntity],
    migrations: [InitialAnalytics1763856000000],
  });
}
