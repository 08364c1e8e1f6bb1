import { createServiceDataSource, type DatabaseConfig } from '@deskgraph/platform';
import { InitialAnalytics1763856000000 } from './migrations/1763856000000-initial-analytics';
import { ProjectionGenerations1764000000000 } from './migrations/1764000000000-projection-generations';
import { ServicePractices1764100000000 } from './migrations/1764100000000-service-practices';
import { DailyAggregates1765100000000 } from './migrations/1765100000000-daily-aggregates';
import { ProcessedEventsRetention1765100000001 } from './migrations/1765100000001-processed-events-retention';
import { RemaskStoredText1765150000000 } from './migrations/1765150000000-remask-stored-text';
import { AggregateBackfill1765200000000 } from './migrations/1765200000000-aggregate-backfill';
import { OutboxWakeInProcess1765300000000 } from './migrations/1765300000000-outbox-wake-in-process';
import { AggregateRollups1765400000000 } from './migrations/1765400000000-aggregate-rollups';
import { DimensionRollups1765500000000 } from './migrations/1765500000000-dimension-rollups';

export const ANALYTICS_SCHEMA = 'analytics';

// Projections are written with SQL into generation schemas (see projection-tables.ts), so no entities.
export function createAnalyticsDataSource(database: DatabaseConfig) {
  return createServiceDataSource({
    database,
    schema: ANALYTICS_SCHEMA,
    applicationName: 'deskgraph-analytics',
    entities: [],
    // Aggregating statements over the filtered projection rows (cohort-queries.ts) are planned from
    // CTEs without statistics; their inflated cost estimates made PostgreSQL JIT-compile them, which
    // cost seconds on a 25k-ticket cohort (866 ms without). Nothing here runs long enough to gain from JIT.
    settings: { jit: 'off' },
    migrations: [
      InitialAnalytics1763856000000,
      ProjectionGenerations1764000000000,
      ServicePractices1764100000000,
      DailyAggregates1765100000000,
      ProcessedEventsRetention1765100000001,
      RemaskStoredText1765150000000,
      AggregateBackfill1765200000000,
      OutboxWakeInProcess1765300000000,
      AggregateRollups1765400000000,
      DimensionRollups1765500000000,
    ],
  });
}
