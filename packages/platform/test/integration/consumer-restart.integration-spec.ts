import { namespaced, TOPICS } from '@deskgraph/events';
import { Partitioners, type Producer } from 'kafkajs';
import {
  createEventConsumer,
  createLogger,
  createMetrics,
  OutboxWriter,
  type EventConsumer,
  type Metrics,
} from '../../src';
import { createHarness, type PlatformHarness, ticketCreated } from './harness';

/**
 * A dead-letter producer with a bug: its first `failures` sends throw a
 * TypeError. kafkajs does not restart a consumer after such an error.
 */
function brokenProducer(real: Producer, failures: number): Producer {
  let left = failures;
  const broken = Object.create(real) as Producer;
  broken.send = async (record) => {
    if (left-- > 0) throw new TypeError('dead-letter producer is broken');
    return real.send(record);
  };
  return broken;
}

async function restarts(metrics: Metrics): Promise<number> {
  const metric = await metrics.consumerRestarts.get();
  return metric.values.reduce((sum, value) => sum + value.value, 0);
}

async function waitUntil(condition: () => Promise<boolean> | boolean, what: string, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('event consumer restarted after a crash kafkajs does not restart', () => {
  let harness: PlatformHarness;
  let producer: Producer;
  const consumers: EventConsumer[] = [];

  function consumerWith(deadLetters: Producer, metrics: Metrics, group: string, maxRestarts: number) {
    const consumer = createEventConsumer({
      kafka: harness.kafka,
      producer: deadLetters,
      dataSource: harness.dataSource,
      outbox: new OutboxWriter(harness.namespace),
      group,
      topics: [TOPICS.tickets],
      namespace: harness.namespace,
      logger: createLogger('restart-test', 'silent'),
      metrics,
      maxAttempts: 1,
      restart: { initialDelayMs: 100, maxDelayMs: 400, maxRestarts, windowMs: 60_000 },
      handle: async (event, { manager }) => {
        if (event.type !== 'deskgraph.ticket.created.v1') return 'ignored';
        if (event.data.title.startsWith('poison')) throw new Error('handler keeps failing');
        await manager.query(`INSERT INTO applied (ticket_id, consumer_group) VALUES ($1, $2)`, [
          event.data.ticketId,
          group,
        ]);
        return 'applied';
      },
    });
    consumers.push(consumer);
    return consumer;
  }

  beforeAll(async () => {
    harness = await createHarness([
      `CREATE TABLE "$schema"."applied" ("ticket_id" UUID, "consumer_group" TEXT, PRIMARY KEY ("ticket_id", "consumer_group"))`,
    ]);
    producer = harness.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
  }, 60_000);

  afterAll(async () => {
    for (const consumer of consumers) await consumer.stop().catch(() => undefined);
    await producer?.disconnect();
    await harness?.close();
  });

  const appliedBy = async (group: string) =>
    (await harness.dataSource.query(`SELECT ticket_id FROM applied WHERE consumer_group = $1`, [group])).map(
      (row: { ticket_id: string }) => row.ticket_id,
    );

  it('should restart a crashed consumer and go on consuming when the fault goes away', async () => {
    const metrics = createMetrics('restart-test');
    // The first dead-letter attempt crashes the consumer; the one after the restart works.
    const consumer = consumerWith(brokenProducer(producer, 1), metrics, 'test-group', 3);
    const before = ticketCreated('before');
    const poison = ticketCreated('poison');
    const after = ticketCreated('after');
    await consumer.start();
    await producer.send({
      topic: namespaced(harness.namespace, TOPICS.tickets),
      messages: [before, poison, after].map((event) => ({ key: 'k', value: JSON.stringify(event) })),
    });

    await waitUntil(async () => (await appliedBy('test-group')).length === 2, 'both good events are applied');

    expect((await appliedBy('test-group')).sort()).toEqual(
      [before.data.ticketId, after.data.ticketId].sort(),
    );
    expect(await restarts(metrics)).toBe(1);
    expect(consumer.live()).toBe(true);
    await waitUntil(() => consumer.ready(), 'the restarted consumer has joined');
  }, 90_000);

  it('should report not live once a consumer keeps crashing', async () => {
    const metrics = createMetrics('restart-test-2');
    const consumer = consumerWith(brokenProducer(producer, Infinity), metrics, 'test-group-2', 2);
    await consumer.start();
    await producer.send({
      topic: namespaced(harness.namespace, TOPICS.tickets),
      messages: [{ key: 'k2', value: JSON.stringify(ticketCreated('poison forever')) }],
    });

    await waitUntil(() => !consumer.live(), 'the consumer is given up');

    expect(await restarts(metrics)).toBe(2);
    expect(consumer.ready()).toBe(false);
  }, 90_000);
});
