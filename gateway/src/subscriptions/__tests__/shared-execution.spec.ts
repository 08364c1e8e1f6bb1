import { buildSchema, parse, type DocumentNode, type ExecutionResult } from 'graphql';
import type { FrameSink } from '../delivery';
import { PushIterator } from '../update-hub';
import { SharedSubscriptionExecutor } from '../shared-execution';

// The payload resolver answers per scope, as the federated fetch does: what a
// subscriber may see of a ticket depends on the queues of its identity.
interface Context {
  scope: string | null;
}

/**
 * A subscriber as its client sees it: the payloads of the `next` frames sent
 * to its socket, one `next()` at a time; `return` is graphql-ws ending it.
 */
interface Subscriber {
  next(): Promise<IteratorResult<ExecutionResult>>;
  return(): Promise<unknown>;
}

function frameReader(id: string): { sink: FrameSink; next(): Promise<IteratorResult<ExecutionResult>> } {
  const frames: ExecutionResult[] = [];
  const waiting: ((result: IteratorResult<ExecutionResult>) => void)[] = [];
  const sink: FrameSink = {
    id,
    send: (frame) => {
      const message = JSON.parse(frame) as { id: string; type: string; payload: ExecutionResult };
      expect(message).toMatchObject({ id, type: 'next' });
      const waiter = waiting.shift();
      if (waiter) waiter({ value: message.payload, done: false });
      else frames.push(message.payload);
    },
    backlogBytes: () => 0,
  };
  const next = () =>
    frames.length > 0
      ? Promise.resolve({ value: frames.shift()!, done: false })
      : new Promise<IteratorResult<ExecutionResult>>((resolve) => waiting.push(resolve));
  return { sink, next };
}

const schema = buildSchema(`
  type Query { ok: Boolean }
  type Ticket { id: ID! visibleTo: String! }
  type Update { eventId: ID! ticket: Ticket }
  type Subscription { updates: Update }
`);

function harness() {
  const sources: PushIterator<{ eventId: string }>[] = [];
  const resolved: string[] = [];
  // Payload fetches of these events wait until released.
  const held = new Map<string, Promise<void>>();
  const hold = (eventId: string) => {
    let release!: () => void;
    held.set(eventId, new Promise<void>((resolve) => (release = resolve)));
    return release;
  };
  const fields = schema.getSubscriptionType()!.getFields();
  fields.updates.subscribe = () => {
    const iterator = new PushIterator<{ eventId: string }>(() => undefined);
    sources.push(iterator);
    return iterator;
  };
  fields.updates.resolve = (payload: unknown) => payload;
  const updateFields = schema.getType('Update') as unknown as {
    getFields(): Record<string, { resolve?: unknown }>;
  };
  updateFields.getFields().ticket.resolve = (
    update: { eventId: string },
    _args: unknown,
    context: Context,
  ) => {
    resolved.push(`${update.eventId}:${context.scope}`);
    const ticket = { id: update.eventId, visibleTo: String(context.scope) };
    const wait = held.get(update.eventId);
    return wait ? wait.then(() => ticket) : ticket;
  };
  const executor = new SharedSubscriptionExecutor((context) => (context as Context).scope);
  // One document per text, as SubscriptionDocuments gives the gateway.
  const documents = new Map<string, DocumentNode>();
  let subscriptions = 0;
  const subscribe = async (
    scope: string | null,
    query = 'subscription { updates { eventId ticket { id visibleTo } } }',
  ): Promise<Subscriber & { ending: AsyncIterableIterator<never> }> => {
    if (!documents.has(query)) documents.set(query, parse(query));
    const reader = frameReader(`sub-${++subscriptions}`);
    const ending = (await executor.subscribe(
      { schema, document: documents.get(query)!, contextValue: { scope } },
      reader.sink,
    )) as AsyncIterableIterator<never>;
    return { next: reader.next, return: () => ending.return!(), ending };
  };
  /** One live event: the same object for every subscriber, as UpdateHub.publish gives it. */
  const publish = (eventId: string) => {
    const event = { eventId };
    for (const source of sources) source.push(event);
  };
  return { subscribe, publish, resolved, hold };
}

const visibleTo = (result: IteratorResult<ExecutionResult>) =>
  (result.value.data as { updates: { ticket: { visibleTo: string } } }).updates.ticket.visibleTo;

const eventIdOf = (result: IteratorResult<ExecutionResult>) =>
  (result.value.data as { updates: { eventId: string } }).updates.eventId;

describe('SharedSubscriptionExecutor', () => {
  it('should execute an event once for subscribers of one scope and once more for each other scope', async () => {
    const { subscribe, publish, resolved } = harness();
    const queueA = [await subscribe('queue-a'), await subscribe('queue-a')];
    const queueB = [await subscribe('queue-b'), await subscribe('queue-b')];

    publish('e1');

    for (const subscriber of queueA) expect(visibleTo(await subscriber.next())).toBe('queue-a');
    for (const subscriber of queueB) expect(visibleTo(await subscriber.next())).toBe('queue-b');
    expect(resolved).toEqual(['e1:queue-a', 'e1:queue-b']);
  });

  it('should never share across different documents or when the context has no sharing key', async () => {
    const { subscribe, publish, resolved } = harness();
    const plain = await subscribe('queue-a');
    const other = await subscribe('queue-a', 'subscription { updates { ticket { visibleTo } } }');
    const anonymous = [await subscribe(null), await subscribe(null)];

    publish('e2');

    expect(visibleTo(await plain.next())).toBe('queue-a');
    expect(visibleTo(await other.next())).toBe('queue-a');
    for (const subscriber of anonymous) expect(visibleTo(await subscriber.next())).toBe('null');
    expect(resolved).toEqual(['e2:queue-a', 'e2:queue-a', 'e2:null', 'e2:null']);
  });

  it('should execute again for a new event object even when its content is equal', async () => {
    const { subscribe, publish, resolved } = harness();
    const subscriber = await subscribe('queue-a');

    publish('e3');
    publish('e3');

    await subscriber.next();
    await subscriber.next();
    expect(resolved).toEqual(['e3:queue-a', 'e3:queue-a']);
  });

  it("should start executing an event while the previous event's payload fetch is still pending", async () => {
    const { subscribe, publish, resolved, hold } = harness();
    const subscriber = await subscribe('queue-a');
    const release = hold('e5');
    const first = subscriber.next();

    publish('e5');
    publish('e6');
    await new Promise((resolve) => setImmediate(resolve));

    // e5's fetch has not answered, yet e6's has started: graphql-ws had not asked for e6 yet.
    expect(resolved).toEqual(['e5:queue-a', 'e6:queue-a']);
    release();
    expect(eventIdOf(await first)).toBe('e5');
    expect(eventIdOf(await subscriber.next())).toBe('e6');
  });

  it('should end the source stream when the subscriber returns', async () => {
    const { subscribe, publish, resolved } = harness();
    const subscriber = await subscribe('queue-a');
    await subscriber.return();

    publish('e4');
    await new Promise((resolve) => setImmediate(resolve));

    expect(await subscriber.ending.next()).toEqual({ value: undefined, done: true });
    expect(resolved).toEqual([]);
  });
});
