import type { ExecutionResult } from 'graphql';
import type { PushIterator } from './update-hub';

/** Where one subscription's `next` frames go: its socket, under its graphql-ws id. */
export interface FrameSink {
  /** The subscription id the client chose (each frame carries it). */
  readonly id: string;
  /** Sends one text frame now; does not wait for the socket to flush it. */
  send(frame: string): void;
  /** Bytes handed to the socket and not yet flushed to the kernel. */
  backlogBytes(): number;
}

/**
 * Executions one subscription may have pending (fetching their payload) ahead
 * of the oldest one it has not sent yet; its source buffers the rest (and ends
 * the subscriber at its own bound).
 */
export const EXECUTIONS_AHEAD = 100;

/**
 * Bytes a socket may hold unsent before its subscription is ended as one that
 * cannot keep up (the client gets `complete` and resubscribes with `since`).
 */
export const MAX_BACKLOG_BYTES = 1 << 20;

/**
 * Subscriptions sent an execution's result in one turn of the event loop; then
 * the loop serves I/O (Kafka, HTTP, other sockets) before the next chunk.
 */
export const SEND_CHUNK = 500;

const PENDING = 0;
const READY = 1;
const FAILED = 2;

/**
 * One execution of one event, shared by every subscription of a sharing
 * group. Its `next` payload is serialized once: a subscription's frame is its
 * own prefix (which carries its id) and this body, so a fan-out to 10,000
 * sockets pays one string concatenation and one `send` per socket.
 */
export class SharedResult {
  private state = PENDING;
  /** `<payload JSON>}`: the end of a graphql-ws `next` frame. */
  private body = '';
  private error: unknown = null;
  private waiting: { pump(): void }[] = [];

  constructor(result: Promise<ExecutionResult>) {
    result.then(
      (value) => this.settle(READY, JSON.stringify(value) + '}', null),
      (error: unknown) => this.settle(FAILED, '', error),
    );
  }

  /** Tells `delivery` when this result is there (once, however often it asks). */
  wait(delivery: { pump(): void }): void {
    this.waiting.push(delivery);
  }

  get pending(): boolean {
    return this.state === PENDING;
  }

  /** The frame body, or the failure to throw to the subscriber. */
  outcome(): { body: string } | { error: unknown } {
    return this.state === FAILED ? { error: this.error } : { body: this.body };
  }

  private settle(state: number, body: string, error: unknown): void {
    this.state = state;
    this.body = body;
    this.error = error;
    const waiting = this.waiting;
    this.waiting = [];
    sendInChunks(waiting, 0);
  }
}

/** Lets each delivery send what is ready; yields to the event loop between chunks. */
function sendInChunks(deliveries: { pump(): void }[], from: number): void {
  const to = Math.min(deliveries.length, from + SEND_CHUNK);
  for (let index = from; index < to; index++) deliveries[index].pump();
  if (to < deliveries.length) setImmediate(sendInChunks, deliveries, to);
}

const DONE: IteratorResult<never> = Object.freeze({ value: undefined, done: true });

/**
 * Sends one subscription's results to its socket in source order, starting
 * each event's execution as soon as the event arrives: a push waits for its
 * own fetch, not for the fetches of the events before it (graphql-js maps
 * lazily, one event after the previous one was sent, so slow fetches used to
 * queue pushes for seconds).
 *
 * The frames bypass graphql-ws's per-subscriber `next` (a JSON.stringify, two
 * promises and a write callback per socket per event). graphql-ws still owns
 * the protocol around it: it iterates this object, which yields nothing and
 * ends when the subscription does (graphql-ws then sends `complete`), or
 * throws a failed execution in its place after the results before it
 * (graphql-ws sends `error`); its `return` is graphql-ws ending the
 * subscription (client `complete`, socket closed).
 */
export class Delivery<T = unknown> implements AsyncIterableIterator<never> {
  private readonly queue: SharedResult[] = [];
  private readonly prefix: string;
  private waitingOn: SharedResult | null = null;
  private closed = false;
  /** How it ended, for graphql-ws's `next()`: null while open. */
  private ending: Promise<IteratorResult<never>> | null = null;
  private wake: ((ending: Promise<IteratorResult<never>>) => void) | null = null;

  constructor(
    private readonly source: PushIterator<T>,
    private readonly execute: (payload: T) => SharedResult,
    private readonly sink: FrameSink,
    private readonly ahead = EXECUTIONS_AHEAD,
  ) {
    this.prefix = `{"id":${JSON.stringify(sink.id)},"type":"next","payload":`;
    source.onAvailable = () => this.pump();
    // Events that arrived before graphql-ws iterates start too.
    this.pump();
  }

  /** Starts what arrived, sends what is ready in order, and waits on the first pending result. */
  pump(): void {
    while (!this.closed) {
      while (this.queue.length < this.ahead) {
        const item = this.source.take();
        if (!item) break;
        this.queue.push(this.execute(item.value));
      }
      const head = this.queue[0];
      if (!head) break;
      if (head.pending) {
        if (this.waitingOn !== head) {
          this.waitingOn = head;
          head.wait(this);
        }
        return;
      }
      this.queue.shift();
      const outcome = head.outcome();
      if ('error' in outcome) return this.end(Promise.reject(outcome.error));
      if (this.sink.backlogBytes() > MAX_BACKLOG_BYTES) return this.end(Promise.resolve(DONE));
      this.sink.send(this.prefix + outcome.body);
    }
    if (!this.closed && this.source.ended) this.end(Promise.resolve(DONE));
  }

  private end(ending: Promise<IteratorResult<never>>): void {
    if (this.closed) return;
    this.closed = true;
    this.queue.length = 0;
    this.waitingOn = null;
    this.source.onAvailable = null;
    void this.source.return();
    // Not unhandled while graphql-ws has not asked yet.
    ending.catch(() => undefined);
    if (this.wake) {
      this.wake(ending);
      this.wake = null;
      this.ending = Promise.resolve(DONE);
    } else this.ending = ending;
  }

  next(): Promise<IteratorResult<never>> {
    if (this.ending) {
      const ending = this.ending;
      // A failure is thrown once; after it the iterator is done.
      this.ending = Promise.resolve(DONE);
      return ending;
    }
    return new Promise((resolve) => (this.wake = resolve));
  }

  return(): Promise<IteratorResult<never>> {
    this.end(Promise.resolve(DONE));
    return Promise.resolve(DONE);
  }

  throw(error?: unknown): Promise<IteratorResult<never>> {
    this.end(Promise.resolve(DONE));
    return Promise.reject(error);
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<never> {
    return this;
  }
}
