import {
  createSourceEventStream,
  execute,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
} from 'graphql';
import type { Counter } from 'prom-client';

/**
 * What makes two subscribers' executions of one event interchangeable: the
 * same document, operation and variables, and the same sharing key of their
 * context. The key must cover everything a payload resolver reads from the
 * context (here the authorization scope the federated fetch runs under);
 * null means "never share" (e.g. no identity).
 */
export type ContextSharingKey = (contextValue: unknown) => string | null;

/**
 * graphql's `subscribe`, except that each event is executed once per sharing
 * group rather than once per subscriber: 10,000 supervisors on one queue
 * with one selection and one scope cost one execution per event, and
 * graphql-ws only serializes and sends per subscriber. Subscribers in
 * different groups (another scope, selection or variables) never see each
 * other's results. Only events that are one object for every subscriber
 * (live updates) are shared; replayed updates and RESYNC_REQUIRED are built
 * per subscriber and so executed per subscriber.
 */
export class SharedSubscriptionExecutor {
  private readonly documentIds = new WeakMap<DocumentNode, number>();
  private nextDocumentId = 0;
  /** Per event object, per group: the one execution its subscribers await. */
  private readonly results = new WeakMap<object, Map<string, Promise<ExecutionResult>>>();

  constructor(
    private readonly sharingKey: ContextSharingKey,
    private readonly sharedResults?: Counter,
  ) {}

  async subscribe(args: ExecutionArgs): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> {
    // Runs the root field's `subscribe` (authorization, filter) for this subscriber alone.
    const source = await createSourceEventStream(args);
    if (!isAsyncIterable(source)) return source;
    const group = this.groupOf(args);
    return mapIterator(source, (payload) => this.execute(payload, group, args));
  }

  private groupOf(args: ExecutionArgs): string | null {
    const scope = this.sharingKey(args.contextValue);
    if (scope === null) return null;
    let documentId = this.documentIds.get(args.document);
    if (documentId === undefined) this.documentIds.set(args.document, (documentId = this.nextDocumentId++));
    return JSON.stringify([documentId, args.operationName ?? null, args.variableValues ?? {}, scope]);
  }

  private execute(payload: unknown, group: string | null, args: ExecutionArgs): Promise<ExecutionResult> {
    const run = async () => execute({ ...args, rootValue: payload });
    if (group === null || typeof payload !== 'object' || payload === null) return run();
    let byGroup = this.results.get(payload);
    if (!byGroup) this.results.set(payload, (byGroup = new Map()));
    const shared = byGroup.get(group);
    if (shared) {
      this.sharedResults?.inc();
      return shared;
    }
    const pending = run();
    byGroup.set(group, pending);
    return pending;
  }
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof (value as AsyncIterable<unknown> | null)?.[Symbol.asyncIterator] === 'function';
}

/** graphql-js's internal mapAsyncIterator: maps each value, and passes return/throw through. */
function mapIterator<T, U>(
  iterable: AsyncIterable<T>,
  map: (value: T) => Promise<U>,
): AsyncIterableIterator<U> {
  const iterator = iterable[Symbol.asyncIterator]();
  const close = async () => {
    try {
      await iterator.return?.();
    } catch {
      // Already closing: the mapping error below is the one to report.
    }
  };
  const mapResult = async (result: IteratorResult<T>): Promise<IteratorResult<U>> => {
    if (result.done) return result;
    try {
      return { value: await map(result.value), done: false };
    } catch (error) {
      await close();
      throw error;
    }
  };
  return {
    next: async () => mapResult(await iterator.next()),
    return: async () =>
      iterator.return ? mapResult(await iterator.return()) : { value: undefined, done: true },
    throw: async (error?: unknown) => {
      if (iterator.throw) return mapResult(await iterator.throw(error));
      throw error;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
