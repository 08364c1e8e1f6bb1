import {
  createSourceEventStream,
  execute,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
} from 'graphql';
import type { Counter } from 'prom-client';
import { Delivery, SharedResult, type FrameSink } from './delivery';
import { PushIterator } from './update-hub';

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
 * with one selection and one scope cost one execution and one serialization
 * per event, and one `send` per socket (`Delivery`). Subscribers in
 * different groups (another scope, selection or variables) never see each
 * other's results. Only events that are one object for every subscriber
 * (live updates) are shared; replayed updates and RESYNC_REQUIRED are built
 * per subscriber and so executed per subscriber. Each event starts executing
 * when it arrives: a slow fetch delays its own push only.
 */
export class SharedSubscriptionExecutor {
  private readonly documentIds = new WeakMap<DocumentNode, number>();
  private nextDocumentId = 0;
  /** Per event object, per group: the one execution its subscribers await. */
  private readonly results = new WeakMap<object, Map<string, SharedResult>>();

  constructor(
    private readonly sharingKey: ContextSharingKey,
    private readonly sharedResults?: Counter,
  ) {}

  /**
   * Sends the subscription's results to `sink` itself; the iterator it returns
   * yields nothing and ends (or throws) when the subscription does.
   */
  async subscribe(
    args: ExecutionArgs,
    sink: FrameSink,
  ): Promise<AsyncIterableIterator<never> | ExecutionResult> {
    // Runs the root field's `subscribe` (authorization, filter) for this subscriber alone.
    const source = await createSourceEventStream(args);
    if (!isAsyncIterable(source)) return source;
    const group = this.groupOf(args);
    if (!(source instanceof PushIterator)) throw new Error('Subscription sources are PushIterators');
    return new Delivery(source, (payload) => this.execute(payload, group, args), sink);
  }

  private groupOf(args: ExecutionArgs): string | null {
    const scope = this.sharingKey(args.contextValue);
    if (scope === null) return null;
    let documentId = this.documentIds.get(args.document);
    if (documentId === undefined) this.documentIds.set(args.document, (documentId = this.nextDocumentId++));
    return JSON.stringify([documentId, args.operationName ?? null, args.variableValues ?? {}, scope]);
  }

  private execute(payload: unknown, group: string | null, args: ExecutionArgs): SharedResult {
    const run = () => new SharedResult((async () => execute({ ...args, rootValue: payload }))());
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
