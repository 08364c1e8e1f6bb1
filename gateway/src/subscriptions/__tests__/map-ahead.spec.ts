import { mapAhead } from '../map-ahead';
import { PushIterator } from '../update-hub';

/** A mapping whose results the test settles by hand, in any order. */
function controlledMap() {
  const started: string[] = [];
  const pending = new Map<string, { resolve(value: string): void; reject(error: Error): void }>();
  const map = (value: string) =>
    new Promise<string>((resolve, reject) => {
      started.push(value);
      pending.set(value, { resolve, reject });
    });
  return { map, started, pending };
}

/** Lets every promise callback that is ready run (no timers involved). */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('mapAhead', () => {
  it('should start mapping each value when it arrives, while the results before it are still pending', async () => {
    let returned = false;
    const source = new PushIterator<string>(() => (returned = true));
    const { map, started, pending } = controlledMap();
    const mapped = mapAhead(source, map, 10);
    const first = mapped.next();

    source.push('e1');
    source.push('e2');
    source.push('e3');
    await settle();

    // The lazy mapping started e2 only after e1's result had been taken.
    expect(started).toEqual(['e1', 'e2', 'e3']);
    pending.get('e3')!.resolve('r3');
    pending.get('e2')!.resolve('r2');
    pending.get('e1')!.resolve('r1');
    expect(await first).toEqual({ value: 'r1', done: false });
    expect(await mapped.next()).toEqual({ value: 'r2', done: false });
    expect(await mapped.next()).toEqual({ value: 'r3', done: false });
    expect(returned).toBe(false);
  });

  it('should map at most `ahead` values before the consumer takes them, leaving the rest in the source', async () => {
    const source = new PushIterator<string>(() => undefined);
    const { map, started, pending } = controlledMap();
    const mapped = mapAhead(source, map, 2);

    for (const value of ['e1', 'e2', 'e3', 'e4']) source.push(value);
    await settle();
    expect(started).toEqual(['e1', 'e2']);

    pending.get('e1')!.resolve('r1');
    expect(await mapped.next()).toEqual({ value: 'r1', done: false });
    await settle();
    expect(started).toEqual(['e1', 'e2', 'e3']);
  });

  it('should end the source when the consumer returns while nothing has arrived', async () => {
    let returned = false;
    const source = new PushIterator<string>(() => (returned = true));
    const mapped = mapAhead(source, controlledMap().map, 10);
    const waiting = mapped.next();

    await mapped.return!();

    expect(returned).toBe(true);
    expect(await waiting).toEqual({ value: undefined, done: true });
    expect(await mapped.next()).toEqual({ value: undefined, done: true });
  });

  it('should throw a failed mapping in its place, after the results before it, and close the source', async () => {
    let returned = false;
    const source = new PushIterator<string>(() => (returned = true));
    const { map, pending } = controlledMap();
    const mapped = mapAhead(source, map, 10);

    source.push('e1');
    source.push('e2');
    source.push('e3');
    await settle();
    pending.get('e2')!.reject(new Error('fetch failed'));
    pending.get('e3')!.resolve('r3');
    pending.get('e1')!.resolve('r1');

    expect(await mapped.next()).toEqual({ value: 'r1', done: false });
    await expect(mapped.next()).rejects.toThrow('fetch failed');
    expect(returned).toBe(true);
    expect(await mapped.next()).toEqual({ value: undefined, done: true });
  });

  it('should end after the results of a source that ends', async () => {
    const source = new PushIterator<string>(() => undefined);
    const { map, pending } = controlledMap();
    const mapped = mapAhead(source, map, 10);

    source.push('e1');
    await settle();
    void source.return();
    pending.get('e1')!.resolve('r1');

    expect(await mapped.next()).toEqual({ value: 'r1', done: false });
    expect(await mapped.next()).toEqual({ value: undefined, done: true });
  });
});
