import { createServiceDataSource, type DatabaseConfig } from '@deskgraph/platform';
import { SlaClockEntity, TrackedTicketEntity } from '../clock/sla-clock.entity';
import { InitialSla1763856000000 } from './migrations/1763856000000-initial-sla';

export const SLA_SCHEMA = 'sla';

export function createSlaDataSource(database: DatabaseConfig) {
  return createServiceDataSource({
    database,
    schema: SLA_SCHEMA,
    applicationName: 'deskgraph-sla',
    entities: [SlaClockEntity, TrackedTicketEntity],
    migrations: [InitialSla1763856000000],
  });
}
