/**
 * Maps every value of `source` as soon as it arrives, and yields the results
 * in source order.
 *
 * graphql-js maps a subscription's events lazily: an event's execution (for
 * the gateway, a federated fetch of the payload) starts only when the
 * consumer asks for the next result, and graphql-ws asks only after it has
 * sent the previous one. So one subscriber's fetches ran one after another,
 * and when a fetch took longer than the gap between events (e.g. 30 events/s
 * and 40 ms fetches on a busy machine), updates queued for seconds in front of
 * a push. Here each event's mapping starts when it arrives, so a push waits
 * for its own fetch, not for the fetches of every event before it.
 *
 * At most `ahead` results are mapped before the consumer takes them; beyond
 * that the source buffers (and ends a subscriber that cannot keep up). A
 * mapping that fails closes the source and is thrown to the consumer when it
 * reaches that result; results after it are dropped. Returning ends the
 * source at once, also while nothing has arrived.
 */
export function mapAhead<T, U>(
  source: AsyncIterator<T>,
  map: (value: T) => Promise<U>,
  ahead: number,
): AsyncIterableIterator<U> {
  if (!Number.isInteger(ahead) || ahead < 1) throw new RangeError('ahead must be a positive integer');
  // Results not yet taken by the consumer, in source order.
  const results: Promise<IteratorResult<U>>[] = [];
  const waiting: ((result: Promise<IteratorResult<U>>) => void)[] = [];
  let pulling = false;
  let finished = false;

  const offer = (result: Promise<IteratorResult<U>>) => {
    // Rejections reach the consumer in order; until then they are not unhandled.
    result.catch(() => undefined);
    const waiter = waiting.shift();
    if (waiter) waiter(result);
    else results.push(result);
  };

  const close = async () => {
    if (finished) return;
    finished = true;
    results.length = 0;
    for (const waiter of waiting.splice(0)) waiter(Promise.resolve({ value: undefined, done: true }));
    await source.return?.();
  };

  const pull = async () => {
    if (pulling) return;
    pulling = true;
    try {
      while (!finished && results.length < ahead) {
        const item = await source.next();
        if (finished) break;
        if (item.done) {
          finished = true;
          offer(Promise.resolve({ value: undefined, done: true }));
          break;
        }
        offer(map(item.value).then((value) => ({ value, done: false })));
      }
    } catch (error) {
      offer(Promise.reject(error));
      finished = true;
    } finally {
      pulling = false;
    }
  };

  const take = async (result: Promise<IteratorResult<U>>): Promise<IteratorResult<U>> => {
    try {
      return await result;
    } catch (error) {
      await close().catch(() => undefined);
      throw error;
    }
  };

  // Events that arrive before the consumer's first `next()` start too.
  void pull();
  return {
    next() {
      const result = results.shift();
      void pull();
      if (result) return take(result);
      if (finished) return Promise.resolve({ value: undefined, done: true });
      return new Promise<Promise<IteratorResult<U>>>((resolve) => waiting.push(resolve)).then(take);
    },
    async return() {
      await close();
      return { value: undefined, done: true };
    },
    async throw(error?: unknown) {
      await close();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
