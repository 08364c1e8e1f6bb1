import type { EntityManager } from 'typeorm';
import type { BatchAccumulator, EventHandlerContext } from './event-consumer';

/** Rows a consumer batch writes together instead of one event at a time. */
export interface DeferredWrites<T> {
  /** Queues `item` for its key (e.g. a ticket id); false when the batch already queued one for that key. */
  add(key: string, item: T): boolean;
  /**
   * Writes everything queued now when `key` is among it, so an event that
   * follows in the batch (the same ticket's next change) finds its row.
   */
  writeBefore(key: string): Promise<void>;
}

class Deferred<T> implements DeferredWrites<T> {
  private readonly items = new Map<string, T>();

  constructor(
    private readonly manager: EntityManager,
    private readonly write: (manager: EntityManager, items: T[]) => Promise<void>,
  ) {}

  add(key: string, item: T): boolean {
    if (this.items.has(key)) return false;
    this.items.set(key, item);
    return true;
  }

  async writeBefore(key: string): Promise<void> {
    if (this.items.has(key)) await this.writeAll();
  }

  async writeAll(): Promise<void> {
    if (this.items.size === 0) return;
    const items = [...this.items.values()];
    this.items.clear();
    await this.write(this.manager, items);
  }
}

const deferredAtEnd: BatchAccumulator<Deferred<unknown>> = {
  async flush(_manager, pending) {
    for (const deferred of pending) await deferred.writeAll();
  },
};

/**
 * The batch's deferred writes named `name`: `write` gets what the batch's
 * events queued, in the batch's transaction, once at its end (or earlier,
 * see writeBefore), so N events cost one multi-row statement instead of N.
 * Only the order within a key matters (a keyed topic promises no other), and
 * writeBefore keeps it.
 */
export function deferredWrites<T>(
  context: EventHandlerContext,
  name: string,
  write: (manager: EntityManager, items: T[]) => Promise<void>,
): Promise<DeferredWrites<T>> {
  return context.batch.once(`deferred:${name}`, async () => {
    const deferred = new Deferred<T>(context.manager, write);
    context.batch.add(deferredAtEnd, deferred as Deferred<unknown>);
    return deferred;
  });
}
