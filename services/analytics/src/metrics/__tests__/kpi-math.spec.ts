import { ageBucket, bucketsBy, durationStats, extractKeywords, quantile, rate } from '../kpi-math';

describe('kpi math', () => {
  it('should interpolate like percentile_cont when computing quantiles', () => {
    expect(quantile([4, 1, 3, 2], 0.5)).toBe(2.5);
    expect(quantile([1, 2, 3, 4], 0.9)).toBeCloseTo(3.7);
    expect(quantile([7], 0.9)).toBe(7);
  });

  it('should give null figures when there are no samples', () => {
    expect(quantile([], 0.5)).toBeNull();
    expect(durationStats([])).toEqual({ count: 0, meanMs: null, medianMs: null, p90Ms: null, ticketIds: [] });
  });

  it('should give mean, median and p90 with sorted ticket ids when samples exist', () => {
    const stats = durationStats([
      { ticketId: 'b', ms: 10 },
      { ticketId: 'a', ms: 30 },
      { ticketId: 'c', ms: 20 },
    ]);
    expect(stats).toEqual({ count: 3, meanMs: 20, medianMs: 20, p90Ms: 28, ticketIds: ['a', 'b', 'c'] });
  });

  it('should give a null rate when the denominator is zero', () => {
    expect(rate(0, 0, [], []).value).toBeNull();
    expect(rate(1, 4, ['x'], ['x', 'y']).value).toBe(0.25);
  });

  it('should order buckets busiest first then by key when counting', () => {
    const items = [
      { id: '1', key: 'b' },
      { id: '2', key: 'a' },
      { id: '3', key: 'b' },
      { id: '4', key: 'c' },
    ];
    expect(
      bucketsBy(
        items,
        (item) => item.key,
        (item) => item.id,
      ).map((bucket) => bucket.key),
    ).toEqual(['b', 'a', 'c']);
  });

  it('should put ages into the handbook buckets when given milliseconds', () => {
    const hour = 3_600_000;
    expect([1, 24, 80, 200].map((hours) => ageBucket(hours * hour))).toEqual(['<1d', '1-3d', '3-7d', '>7d']);
  });

  it('should find Chinese and English keywords when segmenting a title', () => {
    expect(extractKeywords('订单退款失败 refund not received 2026')).toEqual(
      expect.arrayContaining(['订单', '退款', 'refund', 'received']),
    );
    expect(extractKeywords('the 2026 a')).toEqual([]);
  });
});
