import { deadLetterTopic, namespaced, TOPICS } from '@deskgraph/events';
import { Partitioners, type Producer } from 'kafkajs';
import {
  createEventConsumer,
  createLogger,
  createMetrics,
  OutboxWriter,
  type EventConsumer,
} from '../../src';
import { createHarness, type PlatformHarness, ticketCreated } from './harness';

describe('idempotent event consumer against real Kafka and PostgreSQL', () => {
  let harness: PlatformHarness;
  let producer: Producer;
  let consumer: EventConsumer;

  beforeAll(async () => {
    harness = await createHarness([
      `CREATE TABLE "$schema"."applied" ("ticket_id" UUID PRIMARY KEY, "title" TEXT)`,
    ]);
    producer = harness.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    consumer = createEventConsumer({
      kafka: harness.kafka,
      producer,
      dataSource: harness.dataSource,
      outbox: new OutboxWriter(harness.namespace),
      group: 'test-group',
      topics: [TOPICS.tickets],
      namespace: harness.namespace,
      logger: createLogger('consumer-test', 'silent'),
      metrics: createMetrics('consumer-test'),
      maxAttempts: 2,
      handle: async (event, { manager }) => {
        if (event.type !== 'deskgraph.ticket.created.v1') return 'ignored';
        // The insert is part of the transaction the failure rolls back.
        await manager.query(`INSERT INTO applied (ticket_id, title) VALUES ($1, $2)`, [
          event.data.ticketId,
          event.data.title,
        ]);
        if (event.data.title === 'poison') throw new Error('handler keeps failing');
        return 'applied';
      },
    });
    await consumer.start();
  }, 60_000);

  afterAll(async () => {
    await consumer?.stop();
    await producer?.disconnect();
    await harness?.close();
  });

  it('should apply each event once, dead-letter poison, and keep the partition moving', async () => {
    const first = ticketCreated('first');
    const poison = ticketCreated('poison');
    const second = ticketCreated('second');
    const unknownType = { ...ticketCreated('x'), type: 'deskgraph.ticket.exploded.v9' };
    // Everything on one key, so one partition must get past each bad message.
    const key = 'same-partition';
    await producer.send({
      topic: namespaced(harness.namespace, TOPICS.tickets),
      messages: [
        { key, value: '{not json' },
        { key, value: JSON.stringify(first) },
        { key, value: JSON.stringify(first) },
        { key, value: JSON.stringify(poison) },
        { key, value: JSON.stringify(unknownType) },
        { key, value: JSON.stringify(second) },
      ],
    });

    const deadLetters = await harness.readTopic(
      namespaced(harness.namespace, deadLetterTopic('test-group')),
      3,
    );
    const applied = await harness.dataSource.query(`SELECT title FROM applied ORDER BY title`);
    const processed = await harness.dataSource.query(
      `SELECT event_id FROM processed_events ORDER BY event_id`,
    );

    expect(applied).toEqual([{ title: 'first' }, { title: 'second' }]);
    expect(processed.map((row: { event_id: string }) => row.event_id).sort()).toEqual(
      [first.id, second.id].sort(),
    );
    expect(deadLetters).toHaveLength(3);
    const reasons = deadLetters.map((message) => message.headers?.['deskgraph-dlq-reason']?.toString());
    expect(reasons).toEqual(['invalid_event', 'handler_failed', 'invalid_event']);
    expect(deadLetters[1].headers?.['deskgraph-dlq-error']?.toString()).toContain('handler keeps failing');
    expect(deadLetters[2].headers?.['deskgraph-dlq-error']?.toString()).toContain('Unknown event type');
    expect(consumer.ready()).toBe(true);
  });
});
