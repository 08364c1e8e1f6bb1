// A consumer in its own process, so a test can kill -9 it in the middle of a
// batch. Every application of an event appends a row to applied_log (no
// unique key), so an event applied twice would show as two rows; a row is
// also counted per batch in batch_counts, the way a hot row is updated once
// per batch, and written with the batch's other tickets into deferred_log by
// one multi-row INSERT (deferredWrites), the way new tickets are. Run by batch-consumer-crash.integration-spec.ts from dist/.
import { TOPICS } from '@deskgraph/events';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import {
  createEventConsumer,
  createLogger,
  createMetrics,
  createServiceDataSource,
  databaseModel,
  deferredWrites,
  kafkaModel,
  OutboxWriter,
  parseEnvironment,
  type BatchAccumulator,
} from '../../src';

const { database, kafka: kafkaConfig } = parseEnvironment({ database: databaseModel, kafka: kafkaModel });
const schema = process.argv[2];
const namespace = process.argv[3];

const perBatch: BatchAccumulator<string> = {
  async flush(manager, ticketIds) {
    await manager.query(
      `INSERT INTO batch_counts (id, events) VALUES (1, $1)
       ON CONFLICT (id) DO UPDATE SET events = batch_counts.events + EXCLUDED.events`,
      [ticketIds.length],
    );
  },
};

async function main() {
  const dataSource = createServiceDataSource({
    database,
    schema,
    entities: [],
    migrations: [],
    applicationName: `batch-consumer-${process.pid}`,
  });
  await dataSource.initialize();
  const kafka = new Kafka({
    clientId: 'batch-consumer',
    brokers: kafkaConfig.brokers,
    logLevel: logLevel.NOTHING,
  });
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const consumer = createEventConsumer({
    kafka,
    producer,
    dataSource,
    outbox: new OutboxWriter(namespace),
    group: 'test-group',
    topics: [TOPICS.tickets],
    namespace,
    logger: createLogger('batch-consumer', 'silent'),
    metrics: createMetrics('batch-consumer'),
    handle: async (event, context) => {
      const { manager, batch } = context;
      if (event.type !== 'deskgraph.ticket.created.v1') return 'ignored';
      const tickets = await deferredWrites<string>(context, 'tickets', async (writer, ticketIds) => {
        await writer.query(`INSERT INTO deferred_log (ticket_id) SELECT * FROM unnest($1::uuid[])`, [
          ticketIds,
        ]);
      });
      tickets.add(event.data.ticketId, event.data.ticketId);
      // Slow enough that a batch of a few hundred events stays open for seconds.
      await manager.query(`SELECT pg_sleep(0.005)`);
      await manager.query(`INSERT INTO applied_log (event_id, ticket_id) VALUES ($1, $2)`, [
        event.id,
        event.data.ticketId,
      ]);
      batch.add(perBatch, event.data.ticketId);
      return 'applied';
    },
  });
  await consumer.start();
  process.stdout.write('started\n');
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack}\n`);
  process.exit(1);
});
