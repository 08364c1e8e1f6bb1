import { randomBytes, randomUUID } from 'node:crypto';
import { buildEvent, namespaced, TicketCreatedV1, TOPICS } from '@deskgraph/events';
import { createLogger, ensureTopics, kafkaModel, parseEnvironment } from '@deskgraph/platform';
import { Kafka, logLevel, Partitioners, type Consumer, type ConsumerRunConfig, type Producer } from 'kafkajs';
import { createEventStream, type EventStream } from '../../src/subscriptions/event-stream';
import { MetricsHub } from '../../src/subscriptions/metrics-hub';
import type { TicketUpdate } from '../../src/subscriptions/ticket-update';
import { UpdateHub } from '../../src/subscriptions/update-hub';

function ticketCreated() {
  const id = randomUUID();
  return buildEvent(TicketCreatedV1, {
    source: '/test',
    subject: id,
    data: {
      ticketId: id,
      number: '202611-001',
      version: 1,
      title: 'stream',
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

/**
 * A Kafka client whose consumers' first `failures` batches throw a TypeError,
 * as a bug in the stream would: kafkajs does not restart a consumer after one.
 */
function faultyKafka(real: Kafka, failures: number): Kafka {
  let left = failures;
  const faulty = Object.create(real) as Kafka;
  faulty.consumer = (config) => {
    const consumer: Consumer = real.consumer(config);
    const run = consumer.run.bind(consumer);
    consumer.run = (runConfig?: ConsumerRunConfig) =>
      run({
        ...runConfig,
        eachBatch: async (payload) => {
          if (payload.batch.messages.length > 0 && left-- > 0) throw new TypeError('the stream has a bug');
          await runConfig!.eachBatch!(payload);
        },
      });
    return consumer;
  };
  return faulty;
}

async function waitUntil(condition: () => boolean, what: string, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('gateway event stream restarted after a crash kafkajs does not restart', () => {
  const { kafka: kafkaConfig } = parseEnvironment({ kafka: kafkaModel });
  const namespace = `g${randomBytes(4).toString('hex')}`;
  const kafka = new Kafka({
    clientId: 'gateway-test',
    brokers: kafkaConfig.brokers,
    logLevel: logLevel.NOTHING,
  });
  let producer: Producer;
  const streams: EventStream[] = [];

  const send = () =>
    producer.send({
      topic: namespaced(namespace, TOPICS.tickets),
      messages: [{ key: 'k', value: JSON.stringify(ticketCreated()) }],
    });

  function streamInto(updates: TicketUpdate[], failures: number, maxRestarts: number): EventStream {
    const hub = new UpdateHub();
    hub.subscribe(() => true);
    const original = hub.publish.bind(hub);
    hub.publish = (update) => {
      updates.push(update);
      original(update);
    };
    const stream = createEventStream({
      kafka: faultyKafka(kafka, failures),
      namespace,
      hub,
      metricsHub: new MetricsHub(),
      logger: createLogger('gateway-test', 'silent'),
      restart: { initialDelayMs: 100, maxDelayMs: 400, maxRestarts, windowMs: 60_000 },
    });
    streams.push(stream);
    return stream;
  }

  beforeAll(async () => {
    await ensureTopics(
      kafka,
      [TOPICS.tickets, TOPICS.sla, TOPICS.analytics].map((topic) => ({
        topic: namespaced(namespace, topic),
      })),
      {},
    );
    producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
  }, 60_000);

  afterAll(async () => {
    for (const stream of streams) await stream.stop().catch(() => undefined);
    await producer?.disconnect();
  });

  it('should restart the stream after a crash and push the events that follow', async () => {
    const updates: TicketUpdate[] = [];
    const stream = streamInto(updates, 1, 3);
    await stream.start();
    await waitUntil(() => stream.ready(), 'the stream has joined');

    await send();
    // The first batch crashes the consumer; once it is back, later events arrive again.
    await waitUntil(() => {
      if (updates.length > 0) return true;
      if (stream.ready()) void send();
      return false;
    }, 'an event pushed after the restart');

    expect(updates[0].kind).toBe('CREATED');
    expect(stream.live()).toBe(true);
  }, 90_000);

  it('should report not live once the stream keeps crashing', async () => {
    const stream = streamInto([], Infinity, 2);
    await stream.start();
    await waitUntil(() => stream.ready(), 'the stream has joined');

    await waitUntil(() => {
      if (stream.ready()) void send();
      return !stream.live();
    }, 'the stream is given up');

    expect(stream.ready()).toBe(false);
  }, 90_000);
});
