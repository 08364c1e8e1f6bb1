import type { TicketUpdate } from './ticket-update';

type Listener = (update: TicketUpdate) => void;

/**
 * A push-based async iterator with a bounded buffer: a subscriber that
 * cannot keep up is ended rather than allowed to grow the heap without bound.
 */
export class PushIterator<T> implements AsyncIterableIterator<T> {
  private readonly buffer: T[] = [];
  private readonly waiting: ((result: IteratorResult<T>) => void)[] = [];
  private done = false;

  constructor(
    private readonly onReturn: () => void,
    private readonly maxBuffered = 1_000,
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

export interface ReplayWindow {
  /** Updates kept for reconnecting clients, newest last. */
  maxEvents: number;
  /** How far back a reconnecting client may ask, in ms. */
  maxAgeMs: number;
}

/**
 * Fans one stream of updates out to every live subscription in this process,
 * and keeps a bounded window of recent updates so a client reconnecting with
 * the last `at` it saw gets what it missed (or RESYNC_REQUIRED when its gap
 * is older than the window).
 */
export class UpdateHub {
  private readonly listeners = new Set<Listener>();
  private readonly recent: { update: TicketUpdate; receivedAt: number }[] = [];
  /** Nothing before this instant is known to the window: the start, or the newest evicted update. */
  private coveredSince: number;

  constructor(
    private readonly window: ReplayWindow = { maxEvents: 10_000, maxAgeMs: 5 * 60_000 },
    private readonly now: () => number = Date.now,
  ) {
    this.coveredSince = now();
  }

  publish(update: TicketUpdate): void {
    this.recent.push({ update, receivedAt: this.now() });
    this.evict();
    for (const listener of this.listeners) listener(update);
  }

  /**
   * Live updates matching `filter`; with `since`, first the retained updates
   * at or after it (clients drop the ones they already have by eventId).
   */
  subscribe(filter: (update: TicketUpdate) => boolean, since?: Date | null): PushIterator<TicketUpdate> {
    const listener: Listener = (update) => {
      if (filter(update)) iterator.push(update);
    };
    const iterator = new PushIterator<TicketUpdate>(() => this.listeners.delete(listener));
    if (since) {
      this.evict();
      const sinceMs = since.getTime();
      if (sinceMs < this.coveredSince) {
        iterator.push(resyncRequired(this.coveredSince));
      } else {
        for (const { update } of this.recent) {
          if (Date.parse(update.at) >= sinceMs && filter(update)) iterator.push(update);
        }
      }
    }
    // Replay and registration happen in one tick, so no update falls between them.
    this.listeners.add(listener);
    return iterator;
  }

  get subscriberCount(): number {
    return this.listeners.size;
  }

  private evict(): void {
    const oldest = this.now() - this.window.maxAgeMs;
    while (
      this.recent.length > 0 &&
      (this.recent.length > this.window.maxEvents || this.recent[0].receivedAt < oldest)
    ) {
      const evicted = this.recent.shift()!;
      this.coveredSince = Math.max(this.coveredSince, Date.parse(evicted.update.at) + 1);
    }
    this.coveredSince = Math.max(this.coveredSince, oldest);
  }
}

/** Tells a client its gap is older than the replay window: refetch, then follow live updates. */
export function resyncRequired(coveredSince: number): TicketUpdate {
  return {
    eventId: `resync-${coveredSince}`,
    kind: 'RESYNC_REQUIRED',
    at: new Date(coveredSince).toISOString(),
    version: null,
    ticketId: null,
    queueIds: [],
  };
}
