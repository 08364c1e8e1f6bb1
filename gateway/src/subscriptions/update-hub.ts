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

/** Fans one stream of updates out to every live subscription in this process. */
export class UpdateHub {
  private readonly listeners = new Set<Listener>();

  publish(update: TicketUpdate): void {
    for (const listener of this.listeners) listener(update);
  }

  subscribe(filter: (update: TicketUpdate) => boolean): PushIterator<TicketUpdate> {
    const listener: Listener = (update) => {
      if (filter(update)) iterator.push(update);
    };
    const iterator = new PushIterator<TicketUpdate>(() => this.listeners.delete(listener));
    this.listeners.add(listener);
    return iterator;
  }

  get subscriberCount(): number {
    return this.listeners.size;
  }
}
