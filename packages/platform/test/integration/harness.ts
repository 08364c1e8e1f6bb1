import { randomBytes, randomUUID } from 'node:crypto';
import { buildEvent, deadLetterTopic, namespaced, TicketCreatedV1, TOPICS } from '@deskgraph/events';
import { Kafka, logLevel, type Consumer, type KafkaMessage } from 'kafkajs';
import type { DataSource, MigrationInterface, QueryRunner } from 'typeorm';
import {
  createPlatformTables,
  createServiceDataSource,
  databaseModel,
  ensureTopics,
  kafkaModel,
  migrateDataSource,
  parseEnvironment,
} from '../../src';

/** A throwaway schema and topic namespace on the test run's PostgreSQL and Kafka. */
export interface PlatformHarness {
  schema: string;
  namespace: string;
  databaseUrl: string;
  kafka: Kafka;
  dataSource: DataSource;
  readTopic(topic: string, count: number, timeoutMs?: number): Promise<KafkaMessage[]>;
  close(): Promise<void>;
}

export async function createHarness(extraSql: string[] = []): Promise<PlatformHarness> {
  const { database, kafka: kafkaConfig } = parseEnvironment({ database: databaseModel, kafka: kafkaModel });
  const suffix = randomBytes(4).toString('hex');
  const schema = `platform_test_${suffix}`;
  const namespace = `p${suffix}`;

  class TestTables implements MigrationInterface {
    name = 'TestTables1763856000000';
    async up(queryRunner: QueryRunner) {
      await createPlatformTables(queryRunner, schema);
      for (const sql of extraSql) await queryRunner.query(sql.replaceAll('$schema', schema));
    }
    async down() {}
  }
  const dataSource = createServiceDataSource({
    database,
    schema,
    entities: [],
    migrations: [TestTables],
    applicationName: 'platform-test',
  });
  await migrateDataSource(dataSource, schema);
  await dataSource.initialize();

  const kafka = new Kafka({
    clientId: 'platform-test',
    brokers: kafkaConfig.brokers,
    logLevel: logLevel.NOTHING,
  });
  await ensureTopics(
    kafka,
    [
      { topic: namespaced(namespace, TOPICS.tickets) },
      { topic: namespaced(namespace, deadLetterTopic('test-group')), numPartitions: 1 },
    ],
    { brokers: kafkaConfig.brokers },
  );
  const consumers: Consumer[] = [];

  return {
    schema,
    namespace,
    databaseUrl: database.url,
    kafka,
    dataSource,
    async readTopic(topic, count, timeoutMs = 30_000) {
      const consumer = kafka.consumer({ groupId: `reader-${randomBytes(4).toString('hex')}` });
      consumers.push(consumer);
      const messages: KafkaMessage[] = [];
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`read ${messages.length} of ${count} messages from ${topic}`)),
          timeoutMs,
        );
        void consumer.run({
          eachMessage: async ({ message }) => {
            messages.push(message);
            if (messages.length >= count) {
              clearTimeout(timer);
              resolve();
            }
          },
        });
      });
      // Linger briefly so extra (duplicate) messages would be seen too.
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      await consumer.disconnect();
      return messages;
    },
    async close() {
      for (const consumer of consumers) await consumer.disconnect().catch(() => undefined);
      await dataSource.query(`DROP SCHEMA "${schema}" CASCADE`);
      await dataSource.destroy();
    },
  };
}

/** A valid ticket.created event for a fresh ticket id (or the one given). */
export function ticketCreated(title: string, id = randomUUID()) {
  return buildEvent(TicketCreatedV1, {
    source: '/test',
    subject: id,
    data: {
      ticketId: id,
      number: '202611-001',
      version: 1,
      title,
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
