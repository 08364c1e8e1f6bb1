import type { TicketUpdate } from '../ticket-update';
import { UpdateHub } from '../update-hub';

function update(eventId: string, at: number, queueId = 'general'): TicketUpdate {
  return {
    eventId,
    kind: 'CREATED',
    at: new Date(at).toISOString(),
    version: 1,
    ticketId: `ticket-${eventId}`,
    queueIds: [queueId],
  };
}

async function take<T>(iterator: AsyncIterator<T>, count: number): Promise<T[]> {
  const values: T[] = [];
  for (let index = 0; index < count; index++) values.push((await iterator.next()).value as T);
  return values;
}

describe('UpdateHub replay window', () => {
  const start = Date.parse('2026-01-01T10:00:00Z');

  it('should replay the updates at or after since, then follow live ones, when since is inside the window', async () => {
    let now = start;
    const hub = new UpdateHub({ maxEvents: 100, maxAgeMs: 60_000 }, () => now);
    now += 1_000;
    hub.publish(update('e1', now));
    now += 1_000;
    hub.publish(update('e2', now));
    hub.publish(update('other', now, 'vip'));

    const iterator = hub.subscribe((u) => u.queueIds.includes('general'), new Date(start + 2_000));
    hub.publish(update('e3', now + 1));

    expect((await take(iterator, 2)).map((u) => u.eventId)).toEqual(['e2', 'e3']);
    await iterator.return();
  });

  it('should send one RESYNC_REQUIRED first when since is older than the window', async () => {
    let now = start;
    const hub = new UpdateHub({ maxEvents: 2, maxAgeMs: 60_000 }, () => now);
    for (const id of ['e1', 'e2', 'e3']) {
      now += 1_000;
      hub.publish(update(id, now));
    }

    const iterator = hub.subscribe(() => true, new Date(start + 500));
    hub.publish(update('e4', now + 1));

    const [first, second] = await take(iterator, 2);
    expect(first).toMatchObject({ kind: 'RESYNC_REQUIRED', ticketId: null });
    // e1 was evicted, so the window now covers only what came after it.
    expect(Date.parse(first.at)).toBe(start + 1_001);
    expect(second.eventId).toBe('e4');
    await iterator.return();
  });

  it('should ask for a resync when since is before the gateway started', async () => {
    const hub = new UpdateHub({ maxEvents: 100, maxAgeMs: 60_000 }, () => start);

    const iterator = hub.subscribe(() => true, new Date(start - 1));

    expect((await iterator.next()).value).toMatchObject({ kind: 'RESYNC_REQUIRED' });
    await iterator.return();
  });

  it('should evict updates older than the window age when time passes', async () => {
    let now = start;
    const hub = new UpdateHub({ maxEvents: 100, maxAgeMs: 10_000 }, () => now);
    now += 1_000;
    hub.publish(update('e1', now));
    now += 20_000;

    const iterator = hub.subscribe(() => true, new Date(start + 1_000));

    expect((await iterator.next()).value).toMatchObject({ kind: 'RESYNC_REQUIRED' });
    await iterator.return();
  });
});
