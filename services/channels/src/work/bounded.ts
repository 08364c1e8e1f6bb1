export interface BoundedLimits {
  /** Items in progress at most. */
  total: number;
  /** Items of one key in progress at most. */
  perKey: number;
}

/**
 * Runs `work` on every item, at most `limits.total` at once and at most
 * `limits.perKey` at once for items of the same key, in the items' order
 * otherwise: a key at its limit waits without holding up the others (one
 * slow webhook endpoint cannot take every slot). Resolves when all are done;
 * rejects with the first error after the others have finished.
 */
export function forEachBounded<T>(
  items: readonly T[],
  keyOf: (item: T) => string,
  limits: BoundedLimits,
  work: (item: T) => Promise<void>,
): Promise<void> {
  const waiting = [...items];
  const active = new Map<string, number>();
  let running = 0;
  let failure: { error: unknown } | null = null;
  return new Promise((resolve, reject) => {
    const pump = (): void => {
      for (let index = 0; index < waiting.length && running < limits.total;) {
        const key = keyOf(waiting[index]);
        if ((active.get(key) ?? 0) >= limits.perKey) {
          index++;
          continue;
        }
        const [item] = waiting.splice(index, 1);
        active.set(key, (active.get(key) ?? 0) + 1);
        running++;
        work(item)
          .catch((error: unknown) => {
            failure ??= { error };
          })
          .finally(() => {
            running--;
            active.set(key, active.get(key)! - 1);
            pump();
          });
      }
      if (running === 0 && waiting.length === 0) {
        if (failure) reject(failure.error);
        else resolve();
      }
    };
    pump();
  });
}
