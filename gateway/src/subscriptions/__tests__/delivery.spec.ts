import type { ExecutionResult } from 'graphql';
import { Delivery, SEND_CHUNK, SharedResult, type FrameSink } from '../delivery';
import { PushIterator } from '../update-hub';

/** Executions whose results the test settles by hand, in any order. */
function controlledExecutions() {
  const started: string[] = [];
  const pending = new Map<string, { resolve(value: ExecutionResult): void; reject(error: Error): void }>();
  const execute = (value: unknown) =>
    new SharedResult(
      new Promise<ExecutionResult>((resolve, reject) => {
        started.push(String(value));
        pending.set(String(value), { resolve, reject });
      }),
    );
  return { execute, started, pending };
}

/** A socket that records the frames it was sent. */
function recordingSink(id = 'sub-1', backlog = 0): FrameSink & { frames: unknown[] } {
  const frames: unknown[] = [];
  return { id, frames, send: (frame) => frames.push(JSON.parse(frame)), backlogBytes: () => backlog };
}

const result = (value: string): ExecutionResult => ({ data: { value } });
const next = (id: string, value: string) => ({ id, type: 'next', payload: { data: { value } } });

/** Lets every promise callback and immediate that is ready run (no timers involved). */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('Delivery', () => {
  it('should start executing each event when it arrives, while the results before it are still pending', async () => {
    let returned = false;
    const source = new PushIterator<string>(() => (returned = true));
    const { execute, started, pending } = controlledExecutions();
    const sink = recordingSink();
    new Delivery(source, execute, sink, 10);

    source.push('e1');
    source.push('e2');
    source.push('e3');
    await settle();

    // graphql-js's lazy mapping would start e2 only after e1 had been sent.
    expect(started).toEqual(['e1', 'e2', 'e3']);
    pending.get('e3')!.resolve(result('r3'));
    pending.get('e2')!.resolve(result('r2'));
    await settle();
    expect(sink.frames).toEqual([]);
    pending.get('e1')!.resolve(result('r1'));
    await settle();
    expect(sink.frames).toEqual([next('sub-1', 'r1'), next('sub-1', 'r2'), next('sub-1', 'r3')]);
    expect(returned).toBe(false);
  });

  it('should send one shared result to every subscription under its own id', async () => {
    const { execute, pending } = controlledExecutions();
    const sources = [0, 1, 2].map(() => new PushIterator<string>(() => undefined));
    const sinks = ['a', 'b', '"quoted"'].map((id) => recordingSink(id));
    let shared: SharedResult | null = null;
    const once = (value: unknown) => (shared ??= execute(value));
    sources.forEach((source, index) => new Delivery(source, once, sinks[index], 10));

    for (const source of sources) source.push('e1');
    pending.get('e1')!.resolve(result('r1'));
    await settle();

    expect(sinks.map((sink) => sink.frames)).toEqual([
      [next('a', 'r1')],
      [next('b', 'r1')],
      [next('"quoted"', 'r1')],
    ]);
  });

  it('should send a result to its subscriptions in chunks, serving the event loop between them', async () => {
    const { execute, pending } = controlledExecutions();
    let shared: SharedResult | null = null;
    const once = (value: unknown) => (shared ??= execute(value));
    const sinks = Array.from({ length: SEND_CHUNK + 1 }, (_, index) => recordingSink(`s${index}`));
    const sources = sinks.map((sink) => {
      const source = new PushIterator<string>(() => undefined);
      new Delivery(source, once, sink, 10);
      return source;
    });

    for (const source of sources) source.push('e1');
    pending.get('e1')!.resolve(result('r1'));
    for (let turn = 0; turn < 5; turn++) await Promise.resolve();

    // The first chunk went out in the turn the result arrived; the rest waits for the next turn.
    expect(sinks.filter((sink) => sink.frames.length === 1)).toHaveLength(SEND_CHUNK);
    await settle();
    expect(sinks.every((sink) => sink.frames.length === 1)).toBe(true);
  });

  it('should execute at most `ahead` events before the oldest is sent, leaving the rest in the source', async () => {
    const source = new PushIterator<string>(() => undefined);
    const { execute, started, pending } = controlledExecutions();
    new Delivery(source, execute, recordingSink(), 2);

    for (const value of ['e1', 'e2', 'e3', 'e4']) source.push(value);
    await settle();
    expect(started).toEqual(['e1', 'e2']);

    pending.get('e1')!.resolve(result('r1'));
    await settle();
    expect(started).toEqual(['e1', 'e2', 'e3']);
  });

  it('should end the source when graphql-ws returns while nothing has arrived', async () => {
    let returned = false;
    const source = new PushIterator<string>(() => (returned = true));
    const delivery = new Delivery(source, controlledExecutions().execute, recordingSink(), 10);
    const waiting = delivery.next();

    await delivery.return();

    expect(returned).toBe(true);
    expect(await waiting).toEqual({ value: undefined, done: true });
    expect(await delivery.next()).toEqual({ value: undefined, done: true });
  });

  it('should throw a failed execution in its place, after the results before it, and close the source', async () => {
    let returned = false;
    const source = new PushIterator<string>(() => (returned = true));
    const { execute, pending } = controlledExecutions();
    const sink = recordingSink();
    const delivery = new Delivery(source, execute, sink, 10);
    const ending = delivery.next();

    source.push('e1');
    source.push('e2');
    source.push('e3');
    await settle();
    pending.get('e2')!.reject(new Error('fetch failed'));
    pending.get('e3')!.resolve(result('r3'));
    pending.get('e1')!.resolve(result('r1'));

    await expect(ending).rejects.toThrow('fetch failed');
    expect(sink.frames).toEqual([next('sub-1', 'r1')]);
    expect(returned).toBe(true);
    expect(await delivery.next()).toEqual({ value: undefined, done: true });
  });

  it('should end after the results of a source that ends', async () => {
    const source = new PushIterator<string>(() => undefined);
    const { execute, pending } = controlledExecutions();
    const sink = recordingSink();
    const delivery = new Delivery(source, execute, sink, 10);

    source.push('e1');
    await settle();
    void source.return();
    pending.get('e1')!.resolve(result('r1'));

    expect(await delivery.next()).toEqual({ value: undefined, done: true });
    expect(sink.frames).toEqual([next('sub-1', 'r1')]);
  });

  it('should end a subscription whose socket holds too much unsent, rather than buffer without bound', async () => {
    let returned = false;
    const source = new PushIterator<string>(() => (returned = true));
    const { execute, pending } = controlledExecutions();
    const sink = recordingSink('sub-1', 2 << 20);
    const delivery = new Delivery(source, execute, sink, 10);

    source.push('e1');
    pending.get('e1')!.resolve(result('r1'));

    expect(await delivery.next()).toEqual({ value: undefined, done: true });
    expect(sink.frames).toEqual([]);
    expect(returned).toBe(true);
  });
});
