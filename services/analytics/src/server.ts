import { join } from 'node:path';
import { findPackageRoot, type ServiceContext, type ServiceDefinition } from '@deskgraph/platform';
import { createAnalyticsDataSource } from './database/data-source';
import { projectionConsumer } from './events/consumers/projection.consumer';
import { mapAnalyticsError } from './volume/analytics.errors';
import { volumeResolvers } from './volume/volume.resolvers';
import { VolumeService } from './volume/volume.service';

export interface AnalyticsServices {
  volume: VolumeService;
}

export type AnalyticsContext = ServiceContext<AnalyticsServices>;

export function analyticsService(): ServiceDefinition<AnalyticsServices> {
  return {
    name: 'analytics',
    schemaDirectory: join(findPackageRoot(__dirname), 'schema'),
    createDataSource: createAnalyticsDataSource,
    createServices: (dependencies) => ({ volume: new VolumeService(dependencies.dataSource) }),
    resolvers: volumeResolvers,
    mapDomainError: mapAnalyticsError,
    consumers: () => [projectionConsumer()],
  };
}
