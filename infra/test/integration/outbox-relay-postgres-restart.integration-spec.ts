import { randomBytes, randomUUID } from 'node:crypto';
import { buildEvent, namespaced, TicketCreatedV1, TOPICS } from '@deskgraph/events';
import {
  createLogger,
  createMetrics,
  createPlatformTables,
  createProducer,
  createServiceDataSource,
  ensureTopics,
  kafkaModel,
  migrateDataSource,
  OutboxRelay,
  OutboxWriter,
  parseEnvironment,
  type Metrics,
  type Producer,
} from '@deskgraph/platform';
import { Kafka, logLevel } from 'kafkajs';
import { startPrivatePostgres, type PrivatePostgres } from '../../src';

async function waitUntil(condition: () => Promise<boolean>, what: string, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function ticketCreated() {
  const id = randomUUID();
  return buildEvent(TicketCreatedV1, {
    source: '/test',
    subject: id,
    data: {
      ticketId: id,
      number: '202611-001',
      version: 1,
      title: 'after the restart',
      channel: 'APP',
      type: 'OTHER',
      category: null,
      priority: 'P2',
      queueId: 'general',
      customerId: 'C-1',
      createdAt: new Date().toISOString(),
    },
  });
}

// PostgreSQL is restarted here, so it is a private server, never the shared one.
describe('outbox relay after PostgreSQL restarts', () => {
  const schema = 'relay_restart';
  const namespace = `r${randomBytes(4).toString('hex')}`;
  let postgres: PrivatePostgres;
  let dataSource: ReturnType<typeof createServiceDataSource>;
  let producer: Producer;
  let relay: OutboxRelay;
  let metrics: Metrics;

  beforeAll(async () => {
    postgres = await startPrivatePostgres();
    class Tables {
      name = 'Tables1763856000000';
      async up(queryRunner: Parameters<typeof createPlatformTables>[0]) {
        await createPlatformTables(queryRunner, schema);
      }
      async down() {}
    }
    dataSource = createServiceDataSource({
      database: { url: postgres.databaseUrl, poolSize: 4 },
      schema,
      entities: [],
      migrations: [Tables],
      applicationName: 'relay-restart-test',
    });
    await migrateDataSource(dataSource, schema);
    await dataSource.initialize();
    const { kafka: kafkaConfig } = parseEnvironment({ kafka: kafkaModel });
    const kafka = new Kafka({
      clientId: 'relay-restart-test',
      brokers: kafkaConfig.brokers,
      logLevel: logLevel.NOTHING,
    });
    await ensureTopics(kafka, [{ topic: namespaced(namespace, TOPICS.tickets) }], {});
    producer = createProducer(kafka);
    await producer.connect();
    metrics = createMetrics('relay-restart-test');
    relay = new OutboxRelay({
      dataSource,
      producer,
      schema,
      logger: createLogger('relay-restart-test', 'silent'),
      metrics,
      // Only a commit's in-process wake-up can make the relay publish within this test.
      pollIntervalMs: 3_600_000,
    });
    await relay.start();
  }, 120_000);

  afterAll(async () => {
    await relay?.stop();
    await producer?.disconnect();
    await dataSource?.destroy().catch(() => undefined);
    await postgres?.destroy();
  });

  async function publishedAfterCommit(): Promise<void> {
    const event = ticketCreated();
    const outbox = new OutboxWriter(namespace);
    // The pool's first queries after a restart may hit a dead connection; the relay must not depend on that.
    await waitUntil(async () => {
      await dataSource.transaction((manager) => outbox.enqueue(manager, [event]));
      return true;
    }, 'the outbox row is committed');
    await waitUntil(async () => {
      const [row] = await dataSource.query(
        `SELECT published_at FROM "${schema}".outbox WHERE payload->>'id' = $1`,
        [event.id],
      );
      return row?.published_at != null;
    }, `event ${event.id} is published`);
  }

  it('should still publish on commit when PostgreSQL restarted', async () => {
    await publishedAfterCommit();

    await postgres.stop();
    await postgres.start();

    // A relay that lost its wake-up source would leave the row to the hourly poll and time out here.
    await publishedAfterCommit();
  }, 180_000);
});
