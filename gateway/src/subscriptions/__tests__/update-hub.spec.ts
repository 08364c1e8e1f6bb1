import { partitionKey, type TicketUpdate } from '../ticket-update';
import { REPLAY_REORDER_SLACK_MS, UpdateHub, type Replay, type Replayer } from '../update-hub';

const TOPIC = 'deskgraph.tickets.v1';

function update(eventId: string, offset: number, queueId = 'general', partition = 0): TicketUpdate {
  const timestamp = Date.parse('2026-01-01T10:00:00Z') + offset;
  return {
    eventId,
    kind: 'CREATED',
    at: new Date(timestamp).toISOString(),
    version: 1,
    ticketId: `ticket-${eventId}`,
    queueIds: [queueId],
    position: { topic: TOPIC, partition, offset: BigInt(offset), timestamp },
  };
}

/** A replayer the test answers by hand, so live updates can arrive while it "reads". */
function manualReplayer() {
  const calls: { sinceMs: number; answer(replay: Replay | null): void }[] = [];
  const replayer: Replayer = {
    replay: (sinceMs) => new Promise((resolve) => calls.push({ sinceMs, answer: resolve })),
  };
  return { replayer, calls };
}

function ends(...pairs: [number, number][]): Map<string, bigint> {
  return new Map(pairs.map(([partition, end]) => [partitionKey(TOPIC, partition), BigInt(end)]));
}

async function take<T>(iterator: AsyncIterator<T>, count: number): Promise<T[]> {
  const values: T[] = [];
  for (let index = 0; index < count; index++) values.push((await iterator.next()).value as T);
  return values;
}

describe('UpdateHub hand-over from replay to live updates', () => {
  const now = Date.parse('2026-01-01T10:05:00Z');
  const general = (u: TicketUpdate) => u.queueIds.includes('general');

  it('should deliver the replay, then live updates past its end offsets, once each, when live updates arrive during the replay', async () => {
    const { replayer, calls } = manualReplayer();
    const hub = new UpdateHub(replayer, { maxAgeMs: 60_000 }, () => now);

    const iterator = hub.subscribe(general, new Date(now - 5_000));
    // Read by the replay too (below its end offset 3) and by the live stream: must come once.
    hub.publish(update('e2', 2));
    // Past the replay's end: only the live stream has it.
    hub.publish(update('e3', 3));
    hub.publish(update('other', 4, 'vip'));
    calls[0].answer({ updates: [update('e1', 1), update('e2', 2)], ends: ends([0, 3]) });
    hub.publish(update('e5', 5));

    // A little earlier than since: updates of other partitions may still have been on their way.
    expect(calls[0].sinceMs).toBe(now - 5_000 - REPLAY_REORDER_SLACK_MS);
    expect((await take(iterator, 4)).map((u) => u.eventId)).toEqual(['e1', 'e2', 'e3', 'e5']);
    await iterator.return();
  });

  it('should filter replayed updates by the subscriber scope when the replay holds other queues', async () => {
    const { replayer, calls } = manualReplayer();
    const hub = new UpdateHub(replayer, { maxAgeMs: 60_000 }, () => now);

    const iterator = hub.subscribe(general, new Date(now - 5_000));
    calls[0].answer({ updates: [update('vip', 1, 'vip'), update('mine', 2)], ends: ends([0, 3]) });
    hub.publish(update('live', 3));

    expect((await take(iterator, 2)).map((u) => u.eventId)).toEqual(['mine', 'live']);
    await iterator.return();
  });

  it('should keep live updates of partitions the replay did not read when their end is unknown', async () => {
    const { replayer, calls } = manualReplayer();
    const hub = new UpdateHub(replayer, { maxAgeMs: 60_000 }, () => now);

    const iterator = hub.subscribe(general, new Date(now - 5_000));
    hub.publish(update('p1', 0, 'general', 1));
    calls[0].answer({ updates: [], ends: ends([0, 10]) });

    expect((await take(iterator, 1)).map((u) => u.eventId)).toEqual(['p1']);
    await iterator.return();
  });

  it('should send one RESYNC_REQUIRED, then live updates, when since is older than the window', async () => {
    const { replayer, calls } = manualReplayer();
    const hub = new UpdateHub(replayer, { maxAgeMs: 60_000 }, () => now);

    const iterator = hub.subscribe(general, new Date(now - 61_000));
    hub.publish(update('e1', 1));

    const [first, second] = await take(iterator, 2);
    expect(first).toMatchObject({ kind: 'RESYNC_REQUIRED', ticketId: null, at: new Date(now).toISOString() });
    expect(second.eventId).toBe('e1');
    expect(calls).toHaveLength(0);
    await iterator.return();
  });

  it('should send RESYNC_REQUIRED, then the live updates held meanwhile, when the replay cannot be served', async () => {
    const { replayer, calls } = manualReplayer();
    const hub = new UpdateHub(replayer, { maxAgeMs: 60_000 }, () => now);

    const iterator = hub.subscribe(general, new Date(now - 5_000));
    hub.publish(update('held', 7));
    calls[0].answer(null);

    const [first, second] = await take(iterator, 2);
    expect(first.kind).toBe('RESYNC_REQUIRED');
    expect(second.eventId).toBe('held');
    await iterator.return();
  });

  it('should send RESYNC_REQUIRED instead of the replay when it would overflow the subscriber buffer', async () => {
    const { replayer, calls } = manualReplayer();
    const hub = new UpdateHub(replayer, { maxAgeMs: 60_000 }, () => now);

    const iterator = hub.subscribe(general, new Date(now - 5_000));
    const many = Array.from({ length: iterator.maxBuffered }, (_, index) => update(`r${index}`, index));
    calls[0].answer({ updates: many, ends: ends([0, many.length]) });
    hub.publish(update('live', many.length));

    const [first, second] = await take(iterator, 2);
    expect(first.kind).toBe('RESYNC_REQUIRED');
    expect(second.eventId).toBe('live');
    await iterator.return();
  });

  it('should not replay at all when the subscription has no since', async () => {
    const { replayer, calls } = manualReplayer();
    const hub = new UpdateHub(replayer, { maxAgeMs: 60_000 }, () => now);

    const iterator = hub.subscribe(general);
    hub.publish(update('e1', 1));

    expect((await take(iterator, 1)).map((u) => u.eventId)).toEqual(['e1']);
    expect(calls).toHaveLength(0);
    await iterator.return();
  });
});
