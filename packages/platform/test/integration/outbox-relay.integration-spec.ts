import { randomUUID } from 'node:crypto';
import { buildEvent, namespaced, TicketCreatedV1, TOPICS } from '@deskgraph/events';
import type { Producer } from 'kafkajs';
import { Client } from 'pg';
import { createLogger, createMetrics, createProducer, OutboxRelay, OutboxWriter } from '../../src';
import { createHarness, type PlatformHarness } from './harness';

function ticketCreated(title: string, id = randomUUID()) {
  return buildEvent(TicketCreatedV1, {
    source: '/test',
    subject: id,
    data: {
      ticketId: id,
      number: '202611-001',
      version: 1,
      title,
      channel: 'EMAIL',
      type: 'OTHER',
      category: null,
      priority: 'P3',
      queueId: 'general',
      customerId: 'C-1',
      createdAt: new Date().toISOString(),
    },
  });
}

describe('transactional outbox relay against real Kafka and PostgreSQL', () => {
  let harness: PlatformHarness;
  const producers: Producer[] = [];
  const relays: OutboxRelay[] = [];

  beforeAll(async () => {
    harness = await createHarness();
    for (let replica = 0; replica < 2; replica++) {
      const producer = createProducer(harness.kafka);
      await producer.connect();
      producers.push(producer);
      relays.push(
        new OutboxRelay({
          dataSource: harness.dataSource,
          producer,
          schema: harness.schema,
          logger: createLogger('relay-test', 'silent'),
          metrics: createMetrics('relay-test'),
          batchSize: 7,
          // Longer than any test: every row here goes out on a commit's wake-up, not on a poll.
          pollIntervalMs: 3_600_000,
        }),
      );
    }
    for (const relay of relays) await relay.start();
  }, 60_000);

  afterAll(async () => {
    for (const relay of relays) await relay.stop();
    for (const producer of producers) await producer.disconnect();
    await harness?.close();
  });

  it('should publish committed events exactly once with two relay replicas and drop rolled-back ones', async () => {
    const outbox = new OutboxWriter(harness.namespace);
    const committed = Array.from({ length: 40 }, (_, index) => ticketCreated(`committed ${index}`));
    const rolledBack = ticketCreated('rolled back');

    await harness.dataSource
      .transaction(async (manager) => {
        await outbox.enqueue(manager, [rolledBack]);
        throw new Error('the state change failed');
      })
      .catch(() => undefined);
    for (let index = 0; index < committed.length; index += 5) {
      await harness.dataSource.transaction((manager) =>
        outbox.enqueue(manager, committed.slice(index, index + 5)),
      );
    }

    const messages = await harness.readTopic(namespaced(harness.namespace, TOPICS.tickets), committed.length);
    const ids = messages.map((message) => JSON.parse(message.value!.toString()).id);
    expect(ids).toHaveLength(committed.length);
    expect(new Set(ids)).toEqual(new Set(committed.map((event) => event.id)));
    expect(
      messages.every((message) => message.key?.toString() === JSON.parse(message.value!.toString()).subject),
    ).toBe(true);
    expect(await relays[0].backlog()).toBe(0);
  });

  it('should keep the events of each key in commit order when many rows go out per send', async () => {
    const outbox = new OutboxWriter(harness.namespace);
    const keys = [randomUUID(), randomUUID(), randomUUID()];
    const events = Array.from({ length: 60 }, (_, index) =>
      ticketCreated(`ordered ${index}`, keys[index % keys.length]),
    );
    // Committed one by one while the relays drain, so batches of up to 7 rows mix the keys.
    for (const event of events) {
      await harness.dataSource.transaction((manager) => outbox.enqueue(manager, [event]));
    }

    const messages = await harness.readTopic(
      namespaced(harness.namespace, TOPICS.tickets),
      40 + events.length,
    );
    for (const key of keys) {
      const received = messages
        .filter((message) => message.key?.toString() === key)
        .map((message) => JSON.parse(message.value!.toString()).id);
      expect(received).toEqual(events.filter((event) => event.subject === key).map((event) => event.id));
    }
  });

  it('should publish a commit made while another replica holds the relay lock once that replica finishes', async () => {
    const outbox = new OutboxWriter(harness.namespace);
    const [inTransaction, autocommit] = [ticketCreated('behind the lock'), ticketCreated('autocommit')];
    // Stands in for a replica that has read the outbox (finding nothing) and not yet committed.
    const otherReplica = new Client({ connectionString: harness.databaseUrl });
    await otherReplica.connect();
    try {
      await otherReplica.query('BEGIN');
      await otherReplica.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`${harness.schema}.outbox`]);
      await harness.dataSource.transaction((manager) => outbox.enqueue(manager, [inTransaction]));
      await outbox.enqueue(harness.dataSource.manager, [autocommit]);
      // Both commits woke the relays; they must queue for the lock, not give up on it.
      for (let attempt = 0; ; attempt++) {
        if (attempt === 500) throw new Error('no relay waited for the lock held by the other replica');
        const [{ waiting }] = await harness.dataSource.query(
          `SELECT count(*)::int AS waiting FROM pg_stat_activity
            WHERE datname = current_database() AND wait_event_type = 'Lock' AND wait_event = 'advisory'`,
        );
        if (waiting > 0) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await otherReplica.query('COMMIT');
    } finally {
      await otherReplica.end();
    }

    const messages = await harness.readTopic(namespaced(harness.namespace, TOPICS.tickets), 40 + 60 + 2);
    const ids = messages.map((message) => JSON.parse(message.value!.toString()).id);
    expect(ids.filter((id) => id === inTransaction.id || id === autocommit.id)).toHaveLength(2);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('should send no NOTIFY when it writes the outbox, so its commits take no cluster-wide notification lock', async () => {
    const outbox = new OutboxWriter(harness.namespace);
    const listener = new Client({ connectionString: harness.databaseUrl });
    const notifications: string[] = [];
    listener.on('notification', (message) => notifications.push(message.channel));
    await listener.connect();
    try {
      await listener.query(`LISTEN "${harness.schema}_outbox"`);
      const event = ticketCreated('no notify');
      await harness.dataSource.transaction((manager) => outbox.enqueue(manager, [event]));
      await harness.readTopic(namespaced(harness.namespace, TOPICS.tickets), 40 + 60 + 2 + 1);
      // A round trip on the listening connection delivers anything queued for it before the answer.
      await listener.query('SELECT 1');
      expect(notifications).toEqual([]);
    } finally {
      await listener.end();
    }
  });

  it('should refuse to enqueue an event that breaks its schema, so the state change rolls back', async () => {
    const outbox = new OutboxWriter(harness.namespace);
    const invalid = { ...ticketCreated('bad'), data: { ticketId: 'not-a-uuid' } } as never;

    await expect(
      harness.dataSource.transaction((manager) => outbox.enqueue(manager, [invalid])),
    ).rejects.toThrow(/Invalid data for deskgraph.ticket.created.v1/);
  });
});
