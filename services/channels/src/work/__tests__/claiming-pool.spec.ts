import { createLogger } from '@deskgraph/platform';
import { createClaimingPool } from '../claiming-pool';

interface Item {
  id: number;
  key: string;
}

/** A queue of items whose work finishes when the test says so. */
function harness(items: Item[], limits: { total: number; perKey: number }) {
  const queue = [...items];
  const claims: Array<{ limit: number; busy: string[] }> = [];
  const started: number[] = [];
  const finished: number[] = [];
  const release = new Map<number, () => void>();
  let active = 0;
  let maxActive = 0;
  const activePerKey = new Map<string, number>();
  let maxPerKey = 0;
  const pool = createClaimingPool<Item>({
    name: 'test',
    claim: async (limit, busy) => {
      claims.push({ limit, busy: [...busy].sort() });
      const taken: Item[] = [];
      for (let index = 0; index < queue.length && taken.length < limit;) {
        if (busy.includes(queue[index].key)) index++;
        else taken.push(...queue.splice(index, 1));
      }
      return taken;
    },
    work: (item) =>
      new Promise<void>((resolve) => {
        started.push(item.id);
        active++;
        maxActive = Math.max(maxActive, active);
        activePerKey.set(item.key, (activePerKey.get(item.key) ?? 0) + 1);
        maxPerKey = Math.max(maxPerKey, activePerKey.get(item.key)!);
        release.set(item.id, () => {
          active--;
          activePerKey.set(item.key, activePerKey.get(item.key)! - 1);
          finished.push(item.id);
          resolve();
        });
      }),
    keyOf: (item) => item.key,
    limits,
    pollIntervalMs: 60_000,
    logger: createLogger('pool-test', 'silent'),
  });
  const settle = () => new Promise((resolve) => setImmediate(resolve));
  return {
    pool,
    queue,
    claims,
    started,
    finished,
    finish: async (id: number) => {
      release.get(id)!();
      for (let round = 0; round < 5; round++) await settle();
    },
    settle: async () => {
      for (let round = 0; round < 5; round++) await settle();
    },
    stats: () => ({ maxActive, maxPerKey }),
  };
}

describe('createClaimingPool', () => {
  it('should start the next item as soon as one finishes when a slow item is still running', async () => {
    const items = Array.from({ length: 6 }, (_, index) => ({ id: index, key: `k${index}` }));
    const test = harness(items, { total: 2, perKey: 1 });
    await test.pool.start();
    await test.settle();
    expect(test.started).toEqual([0, 1]);
    // Item 0 stays slow; each finish of the other slot brings the next item in, with no round to wait for.
    await test.finish(1);
    expect(test.started).toEqual([0, 1, 2]);
    await test.finish(2);
    await test.finish(3);
    expect(test.started).toEqual([0, 1, 2, 3, 4]);
    await test.finish(4);
    await test.finish(5);
    await test.finish(0);
    expect(test.finished).toEqual([1, 2, 3, 4, 5, 0]);
    await test.pool.stop();
  });

  it('should keep to the total and per-key limits and claim nothing of a busy key', async () => {
    const items = [
      { id: 1, key: 'slow' },
      { id: 2, key: 'slow' },
      { id: 3, key: 'slow' },
      { id: 4, key: 'fast' },
      { id: 5, key: 'other' },
    ];
    const test = harness(items, { total: 2, perKey: 1 });
    await test.pool.start();
    await test.settle();
    // The first claim fills slots and buffer (4): slow 1 and fast 4 start, slow 2 and 3 wait for their key.
    expect(test.claims[0]).toEqual({ limit: 4, busy: [] });
    expect(test.started).toEqual([1, 4]);
    await test.finish(4);
    // The freed slot goes to the next claim, which skips slow: it already has its share here.
    expect(test.claims[1]).toEqual({ limit: 1, busy: ['slow'] });
    expect(test.started).toEqual([1, 4, 5]);
    await test.finish(1);
    expect(test.started).toEqual([1, 4, 5, 2]);
    for (const id of [5, 2]) await test.finish(id);
    expect(test.started).toEqual([1, 4, 5, 2, 3]);
    await test.finish(3);
    await test.pool.stop();
    expect(test.stats()).toEqual({ maxActive: 2, maxPerKey: 1 });
  });

  it('should let claimed items finish when stopped and claim no more', async () => {
    const items = Array.from({ length: 5 }, (_, index) => ({ id: index, key: `k${index}` }));
    const test = harness(items, { total: 2, perKey: 1 });
    await test.pool.start();
    await test.settle();
    const stopped = test.pool.stop();
    // Claimed (two in progress, two waiting) are done; the rest stays queued.
    for (const id of [0, 1, 2, 3]) await test.finish(id);
    await stopped;
    expect(test.finished).toEqual([0, 1, 2, 3]);
    expect(test.queue.map((item) => item.id)).toEqual([4]);
  });

  it('should look for work again when woken after finding the queue empty', async () => {
    const test = harness([], { total: 2, perKey: 1 });
    await test.pool.start();
    await test.settle();
    expect(test.claims).toHaveLength(1);
    test.queue.push({ id: 7, key: 'k' });
    test.pool.wake();
    await test.settle();
    expect(test.started).toEqual([7]);
    await test.finish(7);
    await test.pool.stop();
  });
});
