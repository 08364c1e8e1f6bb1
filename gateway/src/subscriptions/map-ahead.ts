import type { PushIterator } from './update-hub';

/**
 * Maps every value of `source` as soon as it arrives, and yields the results
 * in source order.
 *
 * graphql-js maps a subscription's events lazily: an event's execution (for
 * the gateway, a federated fetch of the payload) starts only when the
 * consumer asks for the next result, and graphql-ws asks only after it has
 * sent the previous one. So one subscriber's fetches ran one after another,
 * and when a fetch took longer than the gap between events (e.g. 30 events/s
 * and 40 ms fetches on a busy machine), updates queued for seconds in front of
 * a push. Here each event's mapping starts when it arrives, so a push waits
 * for its own fetch, not for the fetches of every event before it.
 *
 * At most `ahead` results are mapped before the consumer takes them; beyond
 * that the source buffers (and ends a subscriber that cannot keep up). A
 * mapping that fails closes the source and is thrown to the consumer when it
 * reaches that result; results after it are dropped. Returning ends the
 * source at once, also while nothing has arrived.
 */
export function mapAhead<T, U>(
  source: PushIterator<T>,
  map: (value: T) => Promise<U>,
  ahead: number,
): AsyncIterableIterator<U> {
  if (!Number.isInteger(ahead) || ahead < 1) throw new RangeError('ahead must be a positive integer');
  return new MapAhead(source, map, ahead);
}

const DONE: IteratorResult<never> = Object.freeze({ value: undefined, done: true });

/**
 * Takes values from the source synchronously as they are pushed: a fan-out
 * to 10,000 subscribers pays no promise per subscriber to pull an event, and
 * a shared execution stays one promise until the consumer takes it.
 */
class MapAhead<T, U> implements AsyncIterableIterator<U> {
  /** Mappings the consumer has not taken yet, in source order, as `map` returned them. */
  private readonly mapped: Promise<U>[] = [];
  private readonly waiting: ((result: Promise<IteratorResult<U>>) => void)[] = [];
  private closed = false;
  private readonly failed = async (error: unknown): Promise<IteratorResult<U>> => {
    await this.return();
    throw error;
  };

  constructor(
    private readonly source: PushIterator<T>,
    private readonly map: (value: T) => Promise<U>,
    private readonly ahead: number,
  ) {
    source.onAvailable = () => this.pump();
    // Events that arrived before the consumer's first `next()` start too.
    this.pump();
  }

  private pump(): void {
    while (!this.closed && this.mapped.length < this.ahead) {
      const item = this.source.take();
      if (!item) break;
      const promise = this.map(item.value);
      guard(promise);
      const waiter = this.waiting.shift();
      if (waiter) waiter(this.resultOf(promise));
      else this.mapped.push(promise);
    }
    if (this.source.ended) for (const waiter of this.waiting.splice(0)) waiter(Promise.resolve(DONE));
  }

  private resultOf(promise: Promise<U>): Promise<IteratorResult<U>> {
    return promise.then(toResult<U>, this.failed);
  }

  next(): Promise<IteratorResult<U>> {
    const promise = this.mapped.shift();
    if (promise) {
      this.pump();
      return this.resultOf(promise);
    }
    if (this.closed || this.source.ended) return Promise.resolve(DONE);
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  async return(): Promise<IteratorResult<U>> {
    if (!this.closed) {
      this.closed = true;
      this.mapped.length = 0;
      this.source.onAvailable = null;
      for (const waiter of this.waiting.splice(0)) waiter(Promise.resolve(DONE));
      await this.source.return();
    }
    return DONE;
  }

  async throw(error?: unknown): Promise<IteratorResult<U>> {
    await this.return();
    throw error;
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<U> {
    return this;
  }
}

function toResult<U>(value: U): IteratorResult<U> {
  return { value, done: false };
}

const guarded = new WeakSet<Promise<unknown>>();

/**
 * A mapping that fails is thrown to the consumer when it reaches it, maybe
 * later: until then its rejection must not count as unhandled. Once per
 * promise, however many subscribers share it.
 */
function guard(promise: Promise<unknown>): void {
  if (guarded.has(promise)) return;
  guarded.add(promise);
  promise.catch(() => undefined);
}
