import { MetricsHub, type MetricsPush } from '../metrics-hub';

describe('MetricsHub throttle', () => {
  beforeEach(() => jest.useFakeTimers({ now: Date.parse('2026-01-01T10:00:00Z') }));
  afterEach(() => jest.useRealTimers());

  function collect(iterator: AsyncIterator<MetricsPush>): MetricsPush[] {
    const pushed: MetricsPush[] = [];
    void (async () => {
      for (;;) {
        const result = await iterator.next();
        if (result.done) return;
        pushed.push(result.value);
      }
    })();
    return pushed;
  }

  it('should push at once, then fold changes inside the interval into one trailing push', async () => {
    const hub = new MetricsHub(1_000);
    const iterator = hub.subscribe(['general', 'vip']);
    const pushed = collect(iterator);

    hub.publish({ eventId: 'm1', queueIds: ['general'], at: 't1' });
    await jest.advanceTimersByTimeAsync(100);
    hub.publish({ eventId: 'm2', queueIds: ['vip', 'billing'], at: 't2' });
    hub.publish({ eventId: 'm3', queueIds: ['general'], at: 't3' });
    await jest.advanceTimersByTimeAsync(850);
    expect(pushed.map((push) => push.eventId)).toEqual(['m1']);

    await jest.advanceTimersByTimeAsync(100);
    expect(pushed).toEqual([
      { eventId: 'm1', at: 't1', queueIds: ['general'], subscribedQueueIds: ['general', 'vip'] },
      { eventId: 'm3', at: 't3', queueIds: ['general', 'vip'], subscribedQueueIds: ['general', 'vip'] },
    ]);
    await iterator.return!();
  });

  it('should not push when no subscribed queue changed', async () => {
    const hub = new MetricsHub(1_000);
    const iterator = hub.subscribe(['general']);
    const pushed = collect(iterator);

    hub.publish({ eventId: 'm1', queueIds: ['vip'], at: 't1' });
    await jest.advanceTimersByTimeAsync(2_000);

    expect(pushed).toEqual([]);
    await iterator.return!();
  });

  it('should drop its timer and listener when the subscriber leaves mid-interval', async () => {
    const hub = new MetricsHub(1_000);
    const iterator = hub.subscribe(['general']);
    hub.publish({ eventId: 'm1', queueIds: ['general'], at: 't1' });
    hub.publish({ eventId: 'm2', queueIds: ['general'], at: 't2' });

    await iterator.return!();

    expect(hub.subscriberCount).toBe(0);
    expect(jest.getTimerCount()).toBe(0);
  });
});
