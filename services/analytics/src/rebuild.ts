import 'reflect-metadata';
import {
  createKafka,
  createLogger,
  createMetrics,
  createProducer,
  parseEnvironmentOrExit,
} from '@deskgraph/platform';
import { createAnalyticsDataSource } from './database/data-source';
import { analyticsEnvironmentModels } from './environment';
import { rebuildProjections } from './rebuild/rebuild-projections';

// `node services/analytics/dist/src/rebuild.js`: replays the topics into a fresh
// projection generation and switches the running service over when caught up.
const {
  runtime,
  database,
  kafka: kafkaConfig,
  analytics,
} = parseEnvironmentOrExit(analyticsEnvironmentModels);
const logger = createLogger('analytics-rebuild', runtime.logLevel);

async function main() {
  const dataSource = createAnalyticsDataSource(database);
  await dataSource.initialize();
  const kafka = createKafka(kafkaConfig, 'deskgraph-analytics-rebuild', logger);
  const producer = createProducer(kafka);
  await producer.connect();
  try {
    const result = await rebuildProjections({
      dataSource,
      kafka,
      producer,
      namespace: kafkaConfig.namespace,
      logger,
      metrics: createMetrics('analytics-rebuild'),
      timeZone: analytics.timeZone,
    });
    logger.info(result, 'rebuild finished');
  } finally {
    await producer.disconnect();
    await dataSource.destroy();
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    logger.error({ err: error }, 'rebuild failed; the previous projections stay active');
    process.exit(1);
  },
);
