import { namespaced, deadLetterTopic, ALL_TOPICS } from '@deskgraph/events';
import type { GraphQLError } from 'graphql';
import type { Express } from 'express';
import type { DataSource } from 'typeorm';
import type { Identity } from '../auth/identity';
import type {
  DatabaseConfig,
  GatewayTrustConfig,
  HttpConfig,
  KafkaConfig,
  RuntimeConfig,
} from '../config/models';
import { countStatements } from '../database/query-counter';
import { createEventConsumer, type EventConsumer, type EventHandler } from '../consumer/event-consumer';
import type { DomainError } from '../errors/domain-error';
import { createKafka, createProducer, ensureTopics, type Kafka, type Producer } from '../kafka/kafka';
import { retryKafkaStartup, startKafkaComponent } from '../kafka/kafka-startup';
import { createLogger, type Logger } from '../logging/logger';
import { OutboxRelay } from '../outbox/outbox-relay';
import { OutboxWriter } from '../outbox/outbox';
import {
  createRetentionWorker,
  DEFAULT_RETENTION,
  PROCESSED_EVENTS_RETENTION,
  type RetentionConfig,
  type RetentionTarget,
} from '../retention/retention-worker';
import { maskResolverArguments, type TextMaskingOptions } from '../privacy/mask-input';
import { createMetrics, type Metrics } from '../server/metrics';
import { createBackgroundProbe } from '../server/health-probe';
import { startSubgraphServer, type BaseContext, type RunningServer } from '../server/subgraph-server';
import { stopTracing } from '../telemetry/tracing';

/** Everything a service's resolvers, consumers and workers are built from. */
export interface ServiceDependencies {
  dataSource: DataSource;
  outbox: OutboxWriter;
  kafka: Kafka;
  producer: Producer;
  logger: Logger;
  metrics: Metrics;
  namespace: string;
}

export interface ConsumerDefinition {
  group: string;
  topics: string[];
  handle: EventHandler;
  /** The types the handler acts on, when it ignores the rest of its topics (see EventConsumerOptions). */
  eventTypes?: readonly string[];
}

/** A long-running piece of a service besides its consumers, e.g. a timer scheduler. */
export interface BackgroundWorker {
  name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  ready?(): boolean;
}

export interface ServiceDefinition<TServices extends object> {
  /** Service name, also its Postgres schema and Kafka client id. */
  name: string;
  schemaDirectory: string;
  createDataSource: (database: DatabaseConfig) => DataSource;
  /** The service objects resolvers reach through the request context. */
  createServices: (dependencies: ServiceDependencies) => TServices;
  resolvers: object;
  /** How the privacy boundary masks every Query and Mutation argument (see maskResolverArguments). */
  privacy?: TextMaskingOptions;
  mapDomainError: (error: DomainError) => GraphQLError;
  consumers?: (dependencies: ServiceDependencies, services: TServices) => ConsumerDefinition[];
  workers?: (dependencies: ServiceDependencies, services: TServices) => BackgroundWorker[];
  /** Bookkeeping of this service purged after the retention, besides `processed_events`. */
  retention?: RetentionTarget[];
  /** Plain HTTP routes on the service's server besides /graphql, health and metrics. */
  routes?: (app: Express, services: TServices) => void;
}

/** What every resolver receives: the caller and the service's objects. */
export type ServiceContext<TServices extends object> = BaseContext & TServices;

export interface ServiceConfig {
  runtime: RuntimeConfig;
  database: DatabaseConfig;
  kafka: KafkaConfig;
  http: HttpConfig;
  trust: GatewayTrustConfig;
  /** Defaults to `retentionModel`'s defaults (14 days). */
  retention?: RetentionConfig;
}

export interface RunningService {
  url: string;
  dependencies: ServiceDependencies;
  server: RunningServer;
  stop(): Promise<void>;
}

/**
 * Starts a subgraph service: database, Kafka producer, outbox relay,
 * consumers, workers and the GraphQL server with health and metrics. Stops
 * them in the reverse order so in-flight work finishes before connections
 * close.
 */
export async function startService<TServices extends object>(
  definition: ServiceDefinition<TServices>,
  config: ServiceConfig,
): Promise<RunningService> {
  const logger = createLogger(definition.name, config.runtime.logLevel);
  const metrics = createMetrics(definition.name);
  const dataSource = definition.createDataSource(config.database);
  countStatements(dataSource, () => metrics.databaseStatements.inc());
  await dataSource.initialize();

  const kafka = createKafka(config.kafka, `deskgraph-${definition.name}`, logger);
  const producer = createProducer(kafka);
  // A broker that is still starting answers "not yet" for a while; wait for it up to a deadline.
  const startup = { brokers: config.kafka.brokers, timeoutMs: config.kafka.startTimeoutMs, logger };
  await retryKafkaStartup(() => producer.connect(), { ...startup, what: 'the producer' });

  const dependencies: ServiceDependencies = {
    dataSource,
    outbox: new OutboxWriter(config.kafka.namespace),
    kafka,
    producer,
    logger,
    metrics,
    namespace: config.kafka.namespace,
  };
  const services = definition.createServices(dependencies);
  const consumerDefinitions = definition.consumers?.(dependencies, services) ?? [];
  await ensureTopics(
    kafka,
    [
      ...ALL_TOPICS.map((topic) => ({ topic: namespaced(config.kafka.namespace, topic) })),
      ...consumerDefinitions.map((consumer) => ({
        topic: namespaced(config.kafka.namespace, deadLetterTopic(consumer.group)),
        numPartitions: 1,
      })),
    ],
    startup,
  );

  const relay = new OutboxRelay({
    dataSource,
    producer,
    schema: definition.name,
    logger: logger.child({ component: 'outbox-relay' }),
    metrics,
  });
  await relay.start();

  const consumers: EventConsumer[] = consumerDefinitions.map((consumer) =>
    createEventConsumer({
      kafka,
      producer,
      dataSource,
      outbox: dependencies.outbox,
      group: consumer.group,
      topics: consumer.topics,
      namespace: config.kafka.namespace,
      handle: consumer.handle,
      eventTypes: consumer.eventTypes,
      logger,
      metrics,
    }),
  );
  for (const [index, consumer] of consumers.entries()) {
    await startKafkaComponent(consumer, {
      ...startup,
      what: `the ${consumerDefinitions[index].group} consumer group`,
    });
  }

  const workers = [
    ...(definition.workers?.(dependencies, services) ?? []),
    createRetentionWorker({
      dataSource,
      targets: [PROCESSED_EVENTS_RETENTION, ...(definition.retention ?? [])],
      config: config.retention ?? DEFAULT_RETENTION,
      logger: logger.child({ component: 'retention' }),
    }),
  ];
  for (const worker of workers) await worker.start();

  // Readiness reads the last known state of each dependency, checked in the background with a
  // short timeout: asked at probe time, a cluster describe hangs for its retries while Kafka is down.
  // Each Kafka check opens a fresh connection: a long-lived admin client kept a request pending on
  // the connection the broker's restart broke and answered again only seconds after the broker.
  const probes = {
    postgres: createBackgroundProbe({ name: 'postgres', check: () => dataSource.query('SELECT 1'), logger }),
    kafka: createBackgroundProbe({
      name: 'kafka',
      check: async () => {
        const probeAdmin = kafka.admin({ retry: { retries: 0 } });
        try {
          await probeAdmin.connect();
          await probeAdmin.describeCluster();
        } finally {
          await probeAdmin.disconnect().catch(() => undefined);
        }
      },
      logger,
    }),
  };
  await Promise.all(Object.values(probes).map((probe) => probe.start()));

  const server = await startSubgraphServer<ServiceContext<TServices>>({
    name: definition.name,
    schemaDirectory: definition.schemaDirectory,
    // The privacy boundary: no resolver sees an ID or card number in its arguments.
    resolvers: maskResolverArguments(definition.resolvers, definition.privacy),
    http: config.http,
    trust: config.trust,
    logger,
    metrics,
    mapDomainError: definition.mapDomainError,
    buildContext: (base) => ({ ...base, ...services }),
    routes: definition.routes ? (app) => definition.routes!(app, services) : undefined,
    readiness: async () => ({
      postgres: probes.postgres.healthy(),
      kafka: probes.kafka.healthy(),
      consumers: consumers.every((consumer) => consumer.ready()),
      workers: workers.every((worker) => worker.ready?.() ?? true),
    }),
    // A consumer that crashed and could not be restarted consumes nothing: only a new process helps.
    liveness: () => ({ consumers: consumers.every((consumer) => consumer.live()) }),
  });

  let stopping: Promise<void> | null = null;
  return {
    url: server.url,
    dependencies,
    server,
    stop() {
      stopping ??= (async () => {
        logger.info('stopping');
        await server.stop();
        for (const worker of [...workers].reverse()) await worker.stop();
        for (const consumer of consumers) await consumer.stop();
        await relay.stop();
        for (const probe of Object.values(probes)) probe.stop();
        await producer.disconnect();
        await dataSource.destroy();
        logger.info('stopped');
      })();
      return stopping;
    },
  };
}

/** SIGTERM / SIGINT stop the service gracefully; a second signal forces exit. */
export function stopOnSignals(stop: () => Promise<void>, logger: Logger): void {
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) process.exit(1);
    signalled = true;
    logger.info({ signal }, 'shutting down');
    stop()
      // Spans still buffered would be lost with the process.
      .then(() => stopTracing())
      .then(
        () => process.exit(0),
        (error) => {
          logger.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
}

export type { Identity };
