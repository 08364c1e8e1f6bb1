import { partitionKey, type TicketUpdate } from './ticket-update';

type Listener = (update: TicketUpdate) => void;

/**
 * A push-based async iterator with a bounded buffer: a subscriber that
 * cannot keep up is ended rather than allowed to grow the heap without bound.
 */
export class PushIterator<T> implements AsyncIterableIterator<T> {
  private readonly buffer: T[] = [];
  private readonly waiting: ((result: IteratorResult<T>) => void)[] = [];
  private done = false;
  /** Told after a push that no `next()` was waiting for, and when the iterator ends (see mapAhead). */
  onAvailable: (() => void) | null = null;

  constructor(
    private readonly onReturn: () => void,
    readonly maxBuffered = 1_000,
  ) {}

  push(value: T): void {
    if (this.done) return;
    const waiter = this.waiting.shift();
    if (waiter) {
      waiter({ value, done: false });
      return;
    }
    if (this.buffer.length >= this.maxBuffered) {
      void this.return();
      return;
    }
    this.buffer.push(value);
    this.onAvailable?.();
  }

  /** The oldest buffered value without waiting, or undefined when none is buffered. */
  take(): { value: T } | undefined {
    return this.buffer.length > 0 ? { value: this.buffer.shift()! } : undefined;
  }

  /** Returned (or ended for falling behind), and every buffered value taken. */
  get ended(): boolean {
    return this.done && this.buffer.length === 0;
  }

  next(): Promise<IteratorResult<T>> {
    if (this.buffer.length > 0) return Promise.resolve({ value: this.buffer.shift()!, done: false });
    if (this.done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  return(): Promise<IteratorResult<T>> {
    if (!this.done) {
      this.done = true;
      this.onReturn();
      for (const waiter of this.waiting.splice(0)) waiter({ value: undefined, done: true });
      this.onAvailable?.();
    }
    return Promise.resolve({ value: undefined, done: true });
  }

  throw(error: unknown): Promise<IteratorResult<T>> {
    void this.return();
    return Promise.reject(error);
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }
}

/** What a replay read back: the updates at or after `since`, and the offsets it read up to. */
export interface Replay {
  /** In stream order (broker time). */
  updates: TicketUpdate[];
  /** Per `topic:partition`, the first offset the replay did not read: live updates take over there. */
  ends: Map<string, bigint>;
}

export interface Replayer {
  /** Null when the stretch cannot be replayed (too long, or Kafka failed): the client must resync. */
  replay(sinceMs: number): Promise<Replay | null>;
}

/**
 * Replays start this much before `since`: live pushes of different partitions
 * reach a client out of broker-time order (each partition's batch in turn), so
 * an update older than the last `at` a client saw may not have reached it yet
 * when its socket dropped. Clients drop what they already have by eventId.
 */
export const REPLAY_REORDER_SLACK_MS = 5_000;

/** For a hub without Kafka (unit tests, tools): every `since` is answered with a resync. */
export const NO_REPLAY: Replayer = { replay: () => Promise.resolve(null) };

export interface ReplayWindow {
  /** How far back, by this gateway's clock, a reconnecting client may ask, in ms. */
  maxAgeMs: number;
}

/**
 * Fans one stream of updates out to every live subscription in this process.
 * A client reconnecting with `since` (the last `at` it saw) first gets what it
 * missed, read back from Kafka by the replayer (any replica can), then live
 * updates: the live listener is registered before the replay's end offsets
 * are read, and live updates below those offsets are dropped, so the
 * hand-over has no gap and no duplicate. A `since` older than the window, or
 * a replay that cannot be served, gets one RESYNC_REQUIRED first.
 */
export class UpdateHub {
  private readonly listeners = new Set<Listener>();

  constructor(
    private readonly replayer: Replayer = NO_REPLAY,
    private readonly window: ReplayWindow = { maxAgeMs: 5 * 60_000 },
    private readonly now: () => number = Date.now,
  ) {}

  publish(update: TicketUpdate): void {
    for (const listener of this.listeners) listener(update);
  }

  /**
   * Live updates matching `filter`; with `since`, first the updates at or
   * after it (clients drop the ones they already have by eventId).
   */
  subscribe(filter: (update: TicketUpdate) => boolean, since?: Date | null): PushIterator<TicketUpdate> {
    // Live updates wait here while a replay is read.
    let held: TicketUpdate[] | null = null;
    const listener: Listener = (update) => {
      if (!filter(update)) return;
      if (held) held.push(update);
      else iterator.push(update);
    };
    const iterator = new PushIterator<TicketUpdate>(() => this.listeners.delete(listener));
    this.listeners.add(listener);
    const registeredAt = this.now();
    if (since && since.getTime() < registeredAt - this.window.maxAgeMs) {
      iterator.push(resyncRequired(registeredAt));
    } else if (since) {
      held = [];
      const handOver = (replay: Replay | null) => {
        const waiting = held ?? [];
        held = null;
        const replayed = replay?.updates.filter(filter) ?? null;
        const live = waiting.filter((update) => !replay || !replayedAlready(update, replay));
        // More than the subscriber's buffer at once would end it: a snapshot is cheaper then.
        if (!replayed || replayed.length + live.length >= iterator.maxBuffered) {
          iterator.push(resyncRequired(registeredAt));
        } else {
          for (const update of replayed) iterator.push(update);
        }
        for (const update of live) iterator.push(update);
      };
      // The listener runs before the replay reads its end offsets: nothing falls between them.
      this.replayer.replay(since.getTime() - REPLAY_REORDER_SLACK_MS).then(handOver, () => handOver(null));
    }
    return iterator;
  }

  get subscriberCount(): number {
    return this.listeners.size;
  }
}

function replayedAlready(update: TicketUpdate, replay: Replay): boolean {
  if (!update.position) return false;
  const end = replay.ends.get(partitionKey(update.position.topic, update.position.partition));
  return end !== undefined && update.position.offset < end;
}

/** Tells a client its gap cannot be replayed: refetch a snapshot, then follow live updates (from `at`). */
export function resyncRequired(liveFrom: number): TicketUpdate {
  return {
    eventId: `resync-${liveFrom}`,
    kind: 'RESYNC_REQUIRED',
    at: new Date(liveFrom).toISOString(),
    version: null,
    ticketId: null,
    queueIds: [],
  };
}
