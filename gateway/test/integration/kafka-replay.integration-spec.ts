import { randomBytes, randomUUID } from 'node:crypto';
import { buildEvent, namespaced, TicketCreatedV1, TOPICS } from '@deskgraph/events';
import { createLogger, ensureTopics, kafkaModel, parseEnvironment } from '@deskgraph/platform';
import { Kafka, KafkaJSProtocolError, logLevel, Partitioners, type Producer } from 'kafkajs';
import { createEventStream, type EventStream } from '../../src/subscriptions/event-stream';
import { MetricsHub } from '../../src/subscriptions/metrics-hub';
import { createReplayReader, type ReplayReader } from '../../src/subscriptions/replay-reader';
import type { TicketUpdate } from '../../src/subscriptions/ticket-update';
import { UpdateHub } from '../../src/subscriptions/update-hub';

// Replay for `since` is read back from Kafka by whichever gateway replica the
// client reconnects to; producers' clocks (the event's `time`, the record's
// create time) must not decide what is replayed.

function ticketCreated(queueId: string, time?: string) {
  const id = randomUUID();
  const event = buildEvent(TicketCreatedV1, {
    source: '/test',
    subject: id,
    data: {
      ticketId: id,
      number: '202611-001',
      version: 1,
      title: 'replay',
      channel: 'APP',
      type: 'OTHER',
      category: null,
      priority: 'P2',
      queueId,
      customerId: 'C-1',
      createdAt: time ?? new Date().toISOString(),
    },
  });
  return time ? { ...event, time } : event;
}

async function waitUntil(condition: () => boolean, what: string, timeoutMs = 60_000, seen?: () => unknown) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) {
      // What had arrived by then tells a resync (the replay gave up) from a partial replay.
      throw new Error(`timed out waiting until ${what}${seen ? `; received ${JSON.stringify(seen())}` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Collects what a subscription pushes, as a graphql-ws client would receive it. */
function collect(iterator: AsyncIterableIterator<TicketUpdate>): TicketUpdate[] {
  const received: TicketUpdate[] = [];
  void (async () => {
    for await (const update of iterator) received.push(update);
  })();
  return received;
}

describe('subscription replay read back from Kafka', () => {
  const { kafka: kafkaConfig } = parseEnvironment({ kafka: kafkaModel });
  const namespace = `r${randomBytes(4).toString('hex')}`;
  const kafka = new Kafka({
    clientId: 'replay-test',
    brokers: kafkaConfig.brokers,
    logLevel: logLevel.NOTHING,
  });
  const logger = createLogger('replay-test', 'silent');
  let producer: Producer;
  const started: { stop(): Promise<void> }[] = [];

  /** A gateway's subscription side, started now: a fresh replica knows nothing from before. */
  async function gatewayReplica(
    options: { maxAgeMs?: number; maxRecords?: number; readerKafka?: Kafka } = {},
  ) {
    const reader: ReplayReader = createReplayReader({
      kafka: options.readerKafka ?? kafka,
      namespace,
      logger,
      maxRecords: options.maxRecords ?? 10_000,
    });
    const hub = new UpdateHub(reader, { maxAgeMs: options.maxAgeMs ?? 60_000 });
    const stream: EventStream = createEventStream({
      kafka,
      namespace,
      hub,
      metricsHub: new MetricsHub(),
      logger,
    });
    await Promise.all([reader.start(), stream.start()]);
    started.push(reader, stream);
    await waitUntil(() => reader.ready() && stream.ready(), 'the replica has joined its groups');
    return hub;
  }

  /**
   * The test's Kafka, except that the first timestamp lookup of its admins is
   * answered the way a partition whose leader just moved answers (a broker
   * restart, a topic created a moment ago); kafkajs' admin does not retry it.
   */
  function kafkaWithMovedLeader(): { kafka: Kafka; faults: () => number } {
    let faults = 0;
    const wrapped = Object.assign(Object.create(kafka) as Kafka, {
      admin: (...args: Parameters<Kafka['admin']>) => {
        const admin = kafka.admin(...args);
        const lookup = admin.fetchTopicOffsetsByTimestamp.bind(admin);
        admin.fetchTopicOffsetsByTimestamp = async (topic, timestamp) => {
          if (faults === 0) {
            faults++;
            throw new KafkaJSProtocolError(
              Object.assign(new Error('This server is not the leader for that topic-partition'), {
                type: 'NOT_LEADER_FOR_PARTITION',
                code: 6,
                retriable: true,
              }),
            );
          }
          return lookup(topic, timestamp);
        };
        return admin;
      },
    });
    return { kafka: wrapped, faults: () => faults };
  }

  const send = (event: object, timestamp?: number) =>
    producer.send({
      topic: namespaced(namespace, TOPICS.tickets),
      // A producer's clock on the record too: the topic's LogAppendTime must override it.
      messages: [
        {
          key: (event as { subject: string }).subject,
          value: JSON.stringify(event),
          ...(timestamp ? { timestamp: String(timestamp) } : {}),
        },
      ],
    });

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
    for (const component of started) await component.stop().catch(() => undefined);
    await producer?.disconnect();
  });

  it('should replay future- and past-dated events to a replica started after them when since is 5 s back', async () => {
    const queue = `q-${randomUUID()}`;
    const future = ticketCreated(queue, '2027-06-01T00:00:00.000Z');
    const past = ticketCreated(queue, '2020-01-01T00:00:00.000Z');
    const ordinary = ticketCreated(queue);
    const elsewhere = ticketCreated(`other-${randomUUID()}`);
    const since = new Date(Date.now() - 5_000);
    await send(future, Date.parse('2027-06-01T00:00:00.000Z'));
    await send(past, Date.parse('2020-01-01T00:00:00.000Z'));
    await send(ordinary);
    await send(elsewhere);

    const hub = await gatewayReplica();
    const received = collect(hub.subscribe((update) => update.queueIds.includes(queue), since));
    await waitUntil(
      () => received.length >= 3,
      'the three missed updates',
      60_000,
      () => received.map(({ kind, eventId }) => ({ kind, eventId })),
    );

    expect(received.map((update) => update.eventId).sort()).toEqual([future.id, past.id, ordinary.id].sort());
    expect(received.some((update) => update.kind === 'RESYNC_REQUIRED')).toBe(false);
    // In stream order: by broker time, whatever the producers' clocks said.
    const times = received.map((update) => Date.parse(update.at));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    // `at` is the broker's time: a point in the stream the client can pass back as since.
    for (const update of received) {
      expect(Math.abs(Date.parse(update.at) - Date.now())).toBeLessThan(5 * 60_000);
    }
  }, 90_000);

  it('should replay, not answer RESYNC_REQUIRED, when the offsets lookup first meets a partition whose leader moved', async () => {
    const queue = `q-${randomUUID()}`;
    const since = new Date(Date.now() - 5_000);
    const missed = [ticketCreated(queue), ticketCreated(queue)];
    for (const event of missed) await send(event);
    const moved = kafkaWithMovedLeader();

    const hub = await gatewayReplica({ readerKafka: moved.kafka });
    const received = collect(hub.subscribe((update) => update.queueIds.includes(queue), since));
    await waitUntil(
      () => received.length >= 2,
      'the two missed updates',
      30_000,
      () => received.map(({ kind, eventId }) => ({ kind, eventId })),
    );

    expect(moved.faults()).toBe(1);
    expect(received.map((update) => update.kind)).toEqual(['CREATED', 'CREATED']);
    expect(received.map((update) => update.eventId).sort()).toEqual(missed.map((event) => event.id).sort());
  });

  it('should keep replaying when a future-dated event has aged past the window', async () => {
    const queue = `q-${randomUUID()}`;
    const hub = await gatewayReplica({ maxAgeMs: 3_000 });
    const future = ticketCreated(queue, '2027-06-01T00:00:00.000Z');
    await send(future, Date.parse('2027-06-01T00:00:00.000Z'));
    // Older than the window now: a window bounded by event times would start in 2027 from here on.
    await new Promise((resolve) => setTimeout(resolve, 3_500));
    const since = new Date(Date.now() - 1_000);
    const later = ticketCreated(queue);
    await send(later);

    const received = collect(hub.subscribe((update) => update.queueIds.includes(queue), since));
    await waitUntil(() => received.some((u) => u.eventId === later.id), 'the update sent after since');
    const live = ticketCreated(queue);
    await send(live);
    await waitUntil(() => received.some((u) => u.eventId === live.id), 'the live update after the replay');

    // The replay starts a little before since, so the aged future-dated event may come again too.
    expect(received.map((update) => update.eventId)).toEqual(expect.arrayContaining([later.id, live.id]));
    expect(received.some((update) => update.kind === 'RESYNC_REQUIRED')).toBe(false);
  }, 90_000);

  it('should deliver each update once across the hand-over when events keep arriving during the replay', async () => {
    const queue = `q-${randomUUID()}`;
    const hub = await gatewayReplica();
    const since = new Date(Date.now() - 1_000);
    const sent: string[] = [];
    const sendOne = async () => {
      const event = ticketCreated(queue);
      sent.push(event.id);
      await send(event);
    };
    for (let index = 0; index < 20; index++) await sendOne();

    // Several reconnects at once, while the producer keeps going: each must see every event once.
    const subscribers = Array.from({ length: 5 }, () =>
      collect(hub.subscribe((update) => update.queueIds.includes(queue), since)),
    );
    for (let index = 0; index < 20; index++) await sendOne();
    await waitUntil(
      () => subscribers.every((received) => received.length >= sent.length),
      'every subscriber has every event',
    );
    await sendOne();
    await waitUntil(() => subscribers.every((received) => received.length >= sent.length), 'one more event');

    for (const received of subscribers) {
      expect(received.map((update) => update.eventId).sort()).toEqual([...sent].sort());
    }
  }, 90_000);

  it('should send RESYNC_REQUIRED when the gap holds more records than one replay may read', async () => {
    const queue = `q-${randomUUID()}`;
    const hub = await gatewayReplica({ maxRecords: 3 });
    const since = new Date(Date.now() - 1_000);
    for (let index = 0; index < 5; index++) await send(ticketCreated(queue));

    const received = collect(hub.subscribe((update) => update.queueIds.includes(queue), since));
    await waitUntil(() => received.length >= 1, 'the resync');

    expect(received[0].kind).toBe('RESYNC_REQUIRED');
  }, 90_000);
});
