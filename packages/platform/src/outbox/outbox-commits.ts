import type { DataSource, EntityManager, EntitySubscriberInterface, TransactionCommitEvent } from 'typeorm';

// Set on the transaction's query runner, which TypeORM keeps for exactly one transaction.
const WROTE_OUTBOX = 'deskgraph.wroteOutbox';

const listeners = new WeakMap<DataSource, Set<() => void>>();

function notify(dataSource: DataSource): void {
  for (const listener of listeners.get(dataSource) ?? []) listener();
}

/**
 * Calls `listener` right after a transaction of `dataSource` that wrote the
 * outbox has committed, in this process, with no SQL: the relay's wake-up.
 * (A NOTIFY would cost every such commit PostgreSQL's cluster-wide commit
 * lock for notifications.) Returns a function that stops listening.
 */
export function onOutboxCommitted(dataSource: DataSource, listener: () => void): () => void {
  let registered = listeners.get(dataSource);
  if (!registered) {
    registered = new Set();
    listeners.set(dataSource, registered);
    const subscriber: EntitySubscriberInterface = {
      afterTransactionCommit({ queryRunner }: TransactionCommitEvent) {
        // Releasing a savepoint also "commits"; only the outermost COMMIT makes rows visible.
        if (queryRunner.isTransactionActive || !queryRunner.data?.[WROTE_OUTBOX]) return;
        delete queryRunner.data[WROTE_OUTBOX];
        notify(dataSource);
      },
    };
    dataSource.subscribers.push(subscriber);
  }
  registered.add(listener);
  return () => registered.delete(listener);
}

/** Records that `manager`'s transaction wrote the outbox; outside a transaction the rows are already visible. */
export function markOutboxWritten(manager: EntityManager): void {
  const queryRunner = manager.queryRunner;
  if (queryRunner?.isTransactionActive) queryRunner.data = { ...queryRunner.data, [WROTE_OUTBOX]: true };
  else notify(manager.connection);
}
