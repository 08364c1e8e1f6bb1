import { join } from 'node:path';
import { findPackageRoot, type ServiceContext, type ServiceDefinition } from '@deskgraph/platform';
import { mapAnalyticsError } from './analytics.errors';
import { createAnalyticsDataSource } from './database/data-source';
import type { AnalyticsConfig } from './environment';
import { projectionConsumer } from './events/consumers/projection.consumer';
import { createMetricsSignalWorker } from './live/metrics-signal.worker';
import { metricsResolvers } from './metrics/metrics.resolvers';
import { MetricsService } from './metrics/metrics.service';

export interface AnalyticsServices {
  metrics: MetricsService;
}

export type AnalyticsContext = ServiceContext<AnalyticsServices>;

export function analyticsService(config: AnalyticsConfig): ServiceDefinition<AnalyticsServices> {
  return {
    name: 'analytics',
    schemaDirectory: join(findPackageRoot(__dirname), 'schema'),
    createDataSource: createAnalyticsDataSource,
    createServices: (dependencies) => ({ metrics: new MetricsService(dependencies.dataSource, config) }),
    resolvers: metricsResolvers,
    mapDomainError: mapAnalyticsError,
    consumers: () => [projectionConsumer()],
    workers: (dependencies) => [
      createMetricsSignalWorker(
        dependencies.dataSource,
        dependencies.outbox,
        dependencies.logger.child({ component: 'metrics-signal' }),
        config.signalIntervalMs,
      ),
    ],
  };
}
