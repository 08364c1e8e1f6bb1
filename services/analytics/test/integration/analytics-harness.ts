import { randomBytes } from 'node:crypto';
import { namespaced, TOPICS, validateEvent, type DeskgraphEvent } from '@deskgraph/events';
import {
  databaseModel,
  kafkaModel,
  migrateDataSource,
  parseEnvironment,
  signIdentityHeaders,
  startService,
  type Identity,
  type RunningService,
} from '@deskgraph/platform';
import {
  dropDatabase,
  ensureAllTopics,
  ensureDatabase,
  eventually,
  splitDatabaseUrl,
  TEST_SHARED_SECRET,
  type TestStack,
} from '@deskgraph/infra';
import { Kafka, logLevel, Partitioners, type Consumer, type Producer } from 'kafkajs';
import { createAnalyticsDataSource } from '../../src/database/data-source';
import { PROJECTED_TOPICS, PROJECTION_GROUP } from '../../src/events/consumers/projection.consumer';
import { caughtUp, highWatermarks, rebuildProjections } from '../../src/rebuild/rebuild-projections';
import { analyticsService } from '../../src/server';

// Shared by the analytics integration specs: the analytics service started
// in-process on a database and topic namespace of its own (real PostgreSQL and
// Kafka), fed by a producer as the tickets and SLA services would feed it.

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read deep GraphQL shapes
export type Json = any;

export const ADMIN: Identity = { userId: 'admin-1', roles: ['admin'], queueIds: [], customerId: null };

export interface AnalyticsHarnessOptions {
  /** Starts the topic namespace; a random suffix follows, so parallel suites never share topics. */
  namespacePrefix: string;
  /** Starts the database name; the same random suffix follows. */
  databasePrefix: string;
  /** Kafka client id of the test's producer. */
  clientId: string;
}

interface Running {
  service?: RunningService;
  kafka?: Kafka;
  producer?: Producer;
}

export class AnalyticsHarness {
  /** Random per suite; also usable for the suite's own consumer groups. */
  readonly suffix = randomBytes(4).toString('hex');
  readonly namespace: string;
  private readonly databaseName: string;
  private readonly brokers: string[];
  private readonly serverUrl: string;
  private readonly running: Running = {};

  constructor(private readonly options: AnalyticsHarnessOptions) {
    const environment = parseEnvironment({ database: databaseModel, kafka: kafkaModel });
    this.namespace = `${options.namespacePrefix}${this.suffix}`;
    this.databaseName = `${options.databasePrefix}_${this.suffix}`;
    this.brokers = environment.kafka.brokers;
    this.serverUrl = splitDatabaseUrl(environment.database.url).serverUrl;
  }

  get service(): RunningService {
    return this.started(this.running.service);
  }

  get kafka(): Kafka {
    return this.started(this.running.kafka);
  }

  get producer(): Producer {
    return this.started(this.running.producer);
  }

  /** Migrates a fresh database, creates the namespaced topics, starts the service and waits until it is ready. */
  async start(): Promise<void> {
    const databaseUrl = await ensureDatabase(this.serverUrl, this.databaseName);
    const database = { url: databaseUrl, poolSize: 5 };
    await migrateDataSource(createAnalyticsDataSource(database), 'analytics');
    await ensureAllTopics(this.brokers.join(','), this.namespace);
    const config = { timeZone: 'Asia/Shanghai', signalIntervalMs: 1000, keyCustomerTiers: ['KEY'] };
    const service = await startService(analyticsService(config), {
      runtime: { nodeEnv: 'test', logLevel: 'warn', production: false },
      database,
      kafka: { brokers: this.brokers, namespace: this.namespace, startTimeoutMs: 90_000 },
      http: { port: 0, host: '127.0.0.1' },
      trust: { sharedSecret: TEST_SHARED_SECRET },
    });
    this.running.service = service;
    const kafka = new Kafka({
      clientId: this.options.clientId,
      brokers: this.brokers,
      logLevel: logLevel.NOTHING,
    });
    this.running.kafka = kafka;
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    this.running.producer = producer;
    await producer.connect();
    // A service that never becomes ready fails the suite here, not later in a confusing assertion.
    await eventually(async () => (await fetch(service.url.replace('/graphql', '/health/ready'))).ok, {
      timeoutMs: 60_000,
      what: 'the analytics consumer to join',
    });
  }

  /** Stops whatever start() got to, and drops the suite's database. */
  async stop(): Promise<void> {
    await this.running.producer?.disconnect();
    await this.running.service?.stop();
    await dropDatabase(this.serverUrl, this.databaseName).catch(() => undefined);
  }

  /** Produces the events onto the namespaced topic, keyed by subject as the services key them. */
  async publish(topic: string, events: DeskgraphEvent[]): Promise<void> {
    await this.producer.send({
      topic: namespaced(this.namespace, topic),
      messages: events.map((event) => ({ key: event.subject, value: JSON.stringify(event) })),
    });
  }

  /** Waits until the live consumer group has committed past everything published so far. */
  async settled(): Promise<void> {
    const kafka = this.kafka;
    const topics = PROJECTED_TOPICS.map((topic) => namespaced(this.namespace, topic));
    const marks = await highWatermarks(kafka, topics);
    await eventually(() => caughtUp(kafka, namespaced(this.namespace, PROJECTION_GROUP), topics, marks), {
      timeoutMs: 60_000,
      intervalMs: 500,
      what: 'the projection consumer to catch up',
    });
  }

  /** Posts an operation straight to the subgraph with signed identity headers, as the gateway would. */
  async graphql(
    query: string,
    variables: Record<string, unknown>,
    identity: Identity = ADMIN,
  ): Promise<Json> {
    const response = await fetch(this.service.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...signIdentityHeaders(identity, TEST_SHARED_SECRET) },
      body: JSON.stringify({ query, variables }),
    });
    return response.json();
  }

  /** Like graphql(), but fails on any error and gives `data`. */
  async ok(query: string, variables: Record<string, unknown>, identity: Identity = ADMIN): Promise<Json> {
    const body = await this.graphql(query, variables, identity);
    if (body.errors) throw new Error(JSON.stringify(body.errors));
    return body.data;
  }

  /** Rebuilds the projections from the topics with the running service's own dependencies. */
  rebuild(): ReturnType<typeof rebuildProjections> {
    const { dependencies } = this.service;
    return rebuildProjections({
      dataSource: dependencies.dataSource,
      kafka: dependencies.kafka,
      producer: dependencies.producer,
      namespace: this.namespace,
      logger: dependencies.logger,
      metrics: dependencies.metrics,
      timeZone: 'Asia/Shanghai',
      timeoutMs: 120_000,
    });
  }

  private started<T>(value: T | undefined): T {
    if (value === undefined) throw new Error('the analytics harness is not started');
    return value;
  }
}

/**
 * For the specs on the whole stack: reads the analytics topic of the stack's
 * namespace from the beginning and hands every validated event to `onEvent`.
 * The caller disconnects the returned consumer.
 */
export async function readAnalyticsTopic(
  stack: Pick<TestStack, 'kafkaBrokers' | 'namespace'>,
  clientId: string,
  onEvent: (event: DeskgraphEvent, key: string | null) => void,
): Promise<Consumer> {
  const kafka = new Kafka({ clientId, brokers: stack.kafkaBrokers.split(','), logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `${stack.namespace}.${clientId}` });
  try {
    await consumer.connect();
    await consumer.subscribe({ topic: namespaced(stack.namespace, TOPICS.analytics), fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        onEvent(validateEvent(JSON.parse(message.value!.toString())), message.key?.toString() ?? null);
      },
    });
    return consumer;
  } catch (error) {
    await consumer.disconnect();
    throw error;
  }
}
