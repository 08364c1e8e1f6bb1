import { randomBytes, randomUUID } from 'node:crypto';
import { buildEvent, namespaced, TicketCreatedV1, TOPICS } from '@deskgraph/events';
import {
  createEventConsumer,
  createKafka,
  createLogger,
  createMetrics,
  createPlatformTables,
  createServiceDataSource,
  databaseModel,
  kafkaModel,
  ensureTopics,
  migrateDataSource,
  OutboxWriter,
  parseEnvironment,
  startKafkaComponent,
  type EventConsumer,
  type Producer,
} from '@deskgraph/platform';
import { startPrivateKafka, type PrivateKafka } from '../../src';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function ticketCreated() {
  const id = randomUUID();
  return buildEvent(TicketCreatedV1, {
    source: '/test',
    subject: id,
    data: {
      ticketId: id,
      number: '202611-001',
      version: 1,
      title: 'after the broker restart',
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

// The broker is restarted here, so it is a private one, never the shared one.
describe('event consumer after the Kafka broker restarts', () => {
  const suffix = randomBytes(4).toString('hex');
  const schema = `consumer_restart_${suffix}`;
  const namespace = `c${suffix}`;
  const logger = createLogger('consumer-restart-test', 'silent');
  let broker: PrivateKafka;
  let dataSource: ReturnType<typeof createServiceDataSource>;
  let producer: Producer;
  let consumer: EventConsumer;
  const appliedAt = new Map<string, number>();

  beforeAll(async () => {
    broker = await startPrivateKafka();
    const { database, kafka: kafkaConfig } = parseEnvironment({ database: databaseModel, kafka: kafkaModel });
    class Tables {
      name = 'Tables1763856000000';
      async up(queryRunner: Parameters<typeof createPlatformTables>[0]) {
        await createPlatformTables(queryRunner, schema);
      }
      async down() {}
    }
    dataSource = createServiceDataSource({
      database,
      schema,
      entities: [],
      migrations: [Tables],
      applicationName: 'consumer-restart-test',
    });
    await migrateDataSource(dataSource, schema);
    await dataSource.initialize();
    // The same client settings as every service: what is under test.
    const kafka = createKafka({ ...kafkaConfig, brokers: [broker.brokers] }, 'consumer-restart-test', logger);
    await ensureTopics(kafka, [{ topic: namespaced(namespace, TOPICS.tickets) }], {});
    producer = kafka.producer();
    await producer.connect();
    consumer = createEventConsumer({
      kafka,
      producer,
      dataSource,
      outbox: new OutboxWriter(namespace),
      group: 'restart-test',
      topics: [TOPICS.tickets],
      namespace,
      logger,
      metrics: createMetrics('consumer-restart-test'),
      handle: async (event) => {
        if (event.type === 'deskgraph.ticket.created.v1') appliedAt.set(event.data.ticketId, Date.now());
        return 'applied';
      },
    });
    await startKafkaComponent(consumer, { what: 'the test consumer' });
  }, 180_000);

  afterAll(async () => {
    await consumer?.stop().catch(() => undefined);
    await producer?.disconnect().catch(() => undefined);
    await dataSource?.query(`DROP SCHEMA "${schema}" CASCADE`).catch(() => undefined);
    await dataSource?.destroy();
    await broker?.destroy();
  }, 60_000);

  /** Sends an event every 200 ms until one sent after `since` is applied; returns when that was. */
  async function consumingAgainAfter(since: number): Promise<number> {
    const sent: string[] = [];
    for (;;) {
      const event = ticketCreated();
      sent.push(event.data.ticketId);
      await producer
        .send({
          topic: namespaced(namespace, TOPICS.tickets),
          messages: [{ key: event.subject, value: JSON.stringify(event) }],
        })
        .catch(() => undefined);
      await sleep(200);
      const times = sent.flatMap((id) => appliedAt.get(id) ?? []);
      if (times.length > 0) return Math.min(...times) - since;
      if (Date.now() - since > 120_000) throw new Error('the consumer did not consume again');
    }
  }

  it('should consume again within 5 s of the broker coming back', async () => {
    await consumingAgainAfter(Date.now());

    await broker.stop();
    await sleep(15_000);
    await broker.start();
    // "Back" is when the broker coordinates groups again, not when its port opens.
    await broker.waitForGroupCoordination();
    const backAt = Date.now();
    const consumingAfterMs = await consumingAgainAfter(backAt);
    console.log(`consumer consuming again ${consumingAfterMs} ms after the broker came back`);

    // Rejoining as a new member used to wait for the lost member's 10 s session (or for
    // kafkajs's retry backoff, grown to 30 s): the group sat idle while lag grew.
    expect(consumingAfterMs).toBeLessThanOrEqual(5_000);
    expect(consumer.ready()).toBe(true);
  }, 300_000);
});
