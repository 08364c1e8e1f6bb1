import { join } from 'node:path';
import { findPackageRoot, type ServiceContext, type ServiceDefinition } from '@deskgraph/platform';
import { mapAnalyticsError } from './analytics.errors';
import { createAnalyticsDataSource } from './database/data-source';
import type { AnalyticsConfig } from './environment';
import { projectionConsumer } from './events/consumers/projection.consumer';
import { createAggregateBackfillWorker } from './projection/aggregate-backfill';
import { createMetricsSignalWorker } from './live/metrics-signal.worker';
import { metricsResolvers } from './metrics/metrics.resolvers';
import { today } from './metrics/period';
import { MetricsService } from './metrics/metrics.service';
import { KpiTargetService } from './targets/kpi-target.service';
import { kpiTargetResolvers } from './targets/kpi-target.resolvers';

export interface AnalyticsServices {
  metrics: MetricsService;
  targets: KpiTargetService;
}

export type AnalyticsContext = ServiceContext<AnalyticsServices>;

export function analyticsService(config: AnalyticsConfig): ServiceDefinition<AnalyticsServices> {
  return {
    name: 'analytics',
    schemaDirectory: join(findPackageRoot(__dirname), 'schema'),
    createDataSource: createAnalyticsDataSource,
    createServices: (dependencies) => {
      const targets = new KpiTargetService(dependencies.dataSource);
      return { metrics: new MetricsService(dependencies.dataSource, config, targets), targets };
    },
    resolvers: {
      ...metricsResolvers,
      Query: { ...metricsResolvers.Query, ...kpiTargetResolvers.Query },
      Mutation: kpiTargetResolvers.Mutation,
    },
    mapDomainError: mapAnalyticsError,
    consumers: () => [projectionConsumer(config.timeZone)],
    workers: (dependencies, services) => [
      createAggregateBackfillWorker(
        dependencies.dataSource,
        config.timeZone,
        dependencies.logger.child({ component: 'aggregate-backfill' }),
      ),
      createMetricsSignalWorker(
        dependencies.dataSource,
        dependencies.outbox,
        dependencies.logger.child({ component: 'metrics-signal' }),
        config.signalIntervalMs,
        {
          statuses: (scopes, now) => services.metrics.todayTargetStatuses(scopes, now),
          period: (now) => today(config.timeZone, now),
        },
      ),
    ],
  };
}
