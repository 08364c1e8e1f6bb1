import type { Logger } from '@deskgraph/platform';
import type { WorkLoop } from './work-loop';

export interface PoolLimits {
  /** Items in progress at most. */
  total: number;
  /** Items of one key in progress at most. */
  perKey: number;
}

export interface ClaimingPoolOptions<T> {
  name: string;
  /**
   * Claims at most `limit` due items (rows taken with a lease, SKIP LOCKED),
   * none of a key in `busyKeys` (keys that already have `perKey` items here).
   */
  claim: (limit: number, busyKeys: string[]) => Promise<T[]>;
  /** Handles one item; it records its own outcome (a rejection is logged). */
  work: (item: T) => Promise<void>;
  keyOf: (item: T) => string;
  limits: PoolLimits;
  /** How often due work is looked for when nothing woke the pool (retries come due by themselves). */
  pollIntervalMs: number;
  logger: Logger;
}

/**
 * A work queue worked continuously: up to `limits.total` items in progress
 * (at most `limits.perKey` of one key, so one slow receiver cannot take every
 * slot), and as they finish the next start, with no round that waits for its
 * slowest item. At most `total` more are claimed ahead, waiting here for a
 * slot (a short wait: a claimed row's lease is far longer), and the buffer is
 * refilled half at a time, so a busy queue costs one claim per many items.
 * Nothing of a key already holding `perKey` items here is claimed. Once a
 * claim finds the queue drained, only a wake-up or the poll interval looks
 * again.
 */
export function createClaimingPool<T>(options: ClaimingPoolOptions<T>): WorkLoop {
  const { total, perKey } = options.limits;
  // Claimed items waiting for a slot, at most `total`: a finished item's slot is taken at once, and
  // claims are made half the buffer at a time, so a fast queue costs one claim per many items.
  const capacity = total * 2;
  const refill = Math.max(1, Math.floor(total / 2));
  const waiting: T[] = [];
  /** Items here (waiting or in progress) per key, and in progress per key. */
  const held = new Map<string, number>();
  const active = new Map<string, number>();
  let inProgress = 0;
  let started = false;
  let loop: Promise<void> | null = null;
  let woken = false;
  let drained = false;
  let signal: (() => void) | null = null;
  let idle: (() => void) | null = null;

  const bump = (map: Map<string, number>, key: string, by: number) => {
    const next = (map.get(key) ?? 0) + by;
    if (next === 0) map.delete(key);
    else map.set(key, next);
  };
  const notify = () => signal?.();

  function pump(): void {
    for (let index = 0; index < waiting.length && inProgress < total;) {
      const key = options.keyOf(waiting[index]);
      if ((active.get(key) ?? 0) >= perKey) {
        index++;
        continue;
      }
      const [item] = waiting.splice(index, 1);
      bump(active, key, 1);
      inProgress++;
      options
        .work(item)
        .catch((error: unknown) =>
          options.logger.error({ err: error, worker: options.name }, 'work item failed unexpectedly'),
        )
        .finally(() => {
          inProgress--;
          bump(active, key, -1);
          bump(held, key, -1);
          pump();
          if (inProgress === 0 && waiting.length === 0) idle?.();
          notify();
        });
    }
  }

  /** Until a slot frees, a wake-up, or the poll interval; true when the interval passed. */
  function pause(): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => done(true), options.pollIntervalMs);
      function done(timedOut: boolean) {
        clearTimeout(timer);
        signal = null;
        resolve(timedOut);
      }
      signal = () => done(false);
    });
  }

  async function run(): Promise<void> {
    while (started) {
      const room = capacity - inProgress - waiting.length;
      if (room > 0 && (woken || !drained) && (room >= refill || inProgress + waiting.length === 0)) {
        woken = false;
        const busy = [...held].filter(([, count]) => count >= perKey).map(([key]) => key);
        let items: T[];
        try {
          items = await options.claim(room, busy);
        } catch (error) {
          options.logger.error(
            { err: error, worker: options.name },
            'claiming work failed; retrying after the poll interval',
          );
          drained = true;
          if (started) await pause();
          drained = false;
          continue;
        }
        drained = items.length < room;
        for (const item of items) bump(held, options.keyOf(item), 1);
        waiting.push(...items);
        pump();
        continue;
      }
      if (await pause()) drained = false;
    }
  }

  return {
    name: options.name,
    async start() {
      started = true;
      loop = run();
    },
    /** Stops claiming and lets the items already claimed finish. */
    async stop() {
      started = false;
      notify();
      await loop;
      if (inProgress > 0 || waiting.length > 0) await new Promise<void>((resolve) => (idle = resolve));
    },
    ready: () => started,
    wake() {
      woken = true;
      notify();
    },
  };
}
