import { AnalyticsError, AnalyticsErrorCode } from '../../analytics.errors';
import { HISTOGRAM_GAMMA, histogramBucket } from '../../projection/ticket-contribution';
import { attachDrills, drillIds, encodeDrillCursor, memo, page } from '../drill-down';

describe('drill-down pages', () => {
  const ids = ['c', 'a', 'e', 'b', 'd'];

  it('should page through sorted ticket ids when following endCursor', () => {
    const first = page(ids, 2, null);
    expect(first).toEqual({
      ticketIds: ['a', 'b'],
      totalCount: 5,
      endCursor: encodeDrillCursor('b'),
      hasNextPage: true,
    });
    const second = page(ids, 2, first.endCursor);
    expect(second).toEqual({
      ticketIds: ['c', 'd'],
      totalCount: 5,
      endCursor: encodeDrillCursor('d'),
      hasNextPage: true,
    });
    expect(page(ids, 2, second.endCursor)).toEqual({
      ticketIds: ['e'],
      totalCount: 5,
      endCursor: encodeDrillCursor('e'),
      hasNextPage: false,
    });
    expect(page(ids, 2, encodeDrillCursor('e'))).toEqual({
      ticketIds: [],
      totalCount: 5,
      endCursor: null,
      hasNextPage: false,
    });
  });

  it('should refuse a cursor it did not make with BAD_USER_INPUT', () => {
    for (const after of ['zzz', 'b', '', Buffer.from('other:b').toString('base64url')]) {
      expect(() => page(ids, 2, after)).toThrow(
        new AnalyticsError(
          AnalyticsErrorCode.InvalidFilter,
          'after is not a cursor returned by this drill-down (pass endCursor of the previous page).',
        ),
      );
    }
  });

  it('should refuse a cursor of another scope with BAD_USER_INPUT when a figure cursor is reused on another', () => {
    const own = page(ids, 2, null, 'ticketMetrics:week.volume#ticketIds');
    expect(page(ids, 2, own.endCursor, 'ticketMetrics:week.volume#ticketIds').ticketIds).toEqual(['c', 'd']);
    for (const other of [
      'ticketMetrics:week.replyRate#ticketIds',
      'ticketMetrics:month.volume#ticketIds',
      '',
    ]) {
      expect(() => page(ids, 2, own.endCursor, other)).toThrow(
        new AnalyticsError(
          AnalyticsErrorCode.InvalidFilter,
          'after belongs to another figure, period or filter: a cursor only continues the connection whose ' +
            'endCursor it was, with the same period and filter. Omit after to start from the first page.',
        ),
      );
    }
  });

  it('should refuse a page size outside 1–1000 when asked for one', () => {
    expect(() => page(ids, 0, null)).toThrow(AnalyticsError);
    expect(() => page(ids, 1001, null)).toThrow(/first must be between 1 and 1000/);
  });

  it('should resolve ids from the matching figure of the drill-down when a figure came from aggregates', async () => {
    const aggregated = {
      rate: { numerator: 1, ticketIds: [] },
      buckets: [{ key: 'x', count: 1, ticketIds: [] }],
    };
    let loads = 0;
    const rows = memo(async () => {
      loads++;
      return {
        rate: { ticketIds: ['t1'] },
        buckets: [
          { key: 'y', ticketIds: ['t3'] },
          { key: 'x', ticketIds: ['t2'] },
        ],
      };
    });
    attachDrills(aggregated, rows, 'call');
    expect(await drillIds(aggregated.rate as never, 'ticketIds')).toEqual(['t1']);
    expect(await drillIds(aggregated.buckets[0] as never, 'ticketIds')).toEqual(['t2']);
    expect(loads).toBe(1);
  });
});

describe('histogram buckets', () => {
  it('should keep every duration within a bucket no wider than the stated bound', () => {
    for (const ms of [1, 2, 999, 1000, 1001, 3_600_000, 86_400_000 * 30]) {
      const bucket = histogramBucket(ms);
      const low = HISTOGRAM_GAMMA ** bucket;
      expect(ms).toBeGreaterThanOrEqual(low * (1 - 1e-9));
      expect(ms).toBeLessThan(low * HISTOGRAM_GAMMA * (1 + 1e-9));
    }
    expect(histogramBucket(0)).toBe(-1);
    expect(histogramBucket(-5)).toBe(-1);
  });
});
