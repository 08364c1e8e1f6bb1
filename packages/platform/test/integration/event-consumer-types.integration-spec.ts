import { deadLetterTopic, namespaced, TOPICS } from '@deskgraph/events';
import { Partitioners, type Admin, type Producer } from 'kafkajs';
import {
  createEventConsumer,
  createLogger,
  createMetrics,
  OutboxWriter,
  type EventConsumer,
} from '../../src';
import { createHarness, type PlatformHarness, ticketCreated } from './harness';

describe('event consumer that acts on some event types of its topics', () => {
  let harness: PlatformHarness;
  let producer: Producer;
  let admin: Admin;
  let consumer: EventConsumer;
  const seen: string[] = [];

  beforeAll(async () => {
    harness = await createHarness();
    producer = harness.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    admin = harness.kafka.admin();
    await admin.connect();
    consumer = createEventConsumer({
      kafka: harness.kafka,
      producer,
      dataSource: harness.dataSource,
      outbox: new OutboxWriter(harness.namespace),
      group: 'test-group',
      topics: [TOPICS.tickets],
      eventTypes: ['deskgraph.ticket.created.v1'],
      namespace: harness.namespace,
      logger: createLogger('consumer-test', 'silent'),
      metrics: createMetrics('consumer-test'),
      handle: async (event) => {
        seen.push(event.id);
        return 'applied';
      },
    });
    await consumer.start();
  }, 60_000);

  afterAll(async () => {
    await consumer?.stop();
    await admin?.disconnect();
    await producer?.disconnect();
    await harness?.close();
  });

  it('should pass over messages of other types unread and unrecorded and commit past them', async () => {
    const topic = namespaced(harness.namespace, TOPICS.tickets);
    const withHeader = ticketCreated('with header');
    const withoutHeader = ticketCreated('without header');
    const key = 'same-partition';
    const other = (value: string) => ({ key, value, headers: { ce_type: 'deskgraph.ticket.assigned.v1' } });
    // Other types' bodies are not even parsed: a broken one is no poison to this group.
    await producer.send({
      topic,
      messages: [
        other('{not json'),
        { key, value: JSON.stringify(withHeader), headers: { ce_type: withHeader.type } },
        other('{}'),
        { key, value: JSON.stringify(withoutHeader) },
        other('{not json either'),
        other('{}'),
      ],
    });
    const [{ partition, high }] = (await admin.fetchTopicOffsets(topic)).filter(
      (offsets) => Number(offsets.high) > 0,
    );

    // The group commits up to the topic's end, trailing passed-over messages included.
    const deadline = Date.now() + 30_000;
    let committed = -1;
    while (Date.now() < deadline && committed < Number(high)) {
      const [offsets] = await admin.fetchOffsets({
        groupId: namespaced(harness.namespace, 'test-group'),
        topics: [topic],
      });
      committed = Number(offsets.partitions.find((entry) => entry.partition === partition)?.offset ?? -1);
      if (committed < Number(high)) await new Promise((resolve) => setTimeout(resolve, 200));
    }

    expect(committed).toBe(Number(high));
    expect(seen.sort()).toEqual([withHeader.id, withoutHeader.id].sort());
    const processed = await harness.dataSource.query(`SELECT event_id FROM processed_events`);
    expect(processed.map((row: { event_id: string }) => row.event_id).sort()).toEqual(
      [withHeader.id, withoutHeader.id].sort(),
    );
    const deadLetters = await admin.fetchTopicOffsets(
      namespaced(harness.namespace, deadLetterTopic('test-group')),
    );
    expect(deadLetters.map((offsets) => Number(offsets.high))).toEqual([0]);
  });
});
