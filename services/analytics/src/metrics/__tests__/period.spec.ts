import { AnalyticsError } from '../../analytics.errors';
import { previousWeek, resolvePeriod, today } from '../period';

const SHANGHAI = 'Asia/Shanghai';
// Thursday 2026-11-26 04:00 in Shanghai.
const ANCHOR = new Date('2026-11-25T20:00:00Z');

describe('resolvePeriod', () => {
  it('should give the Shanghai calendar day when kind is DAY', () => {
    const period = resolvePeriod({ kind: 'DAY', anchor: ANCHOR }, SHANGHAI);
    expect(period.from.toISOString()).toBe('2026-11-25T16:00:00.000Z');
    expect(period.to.toISOString()).toBe('2026-11-26T16:00:00.000Z');
  });

  it('should start the week on Monday 00:00 local when kind is WEEK', () => {
    const period = resolvePeriod({ kind: 'WEEK', anchor: ANCHOR }, SHANGHAI);
    expect(period.from.toISOString()).toBe('2026-11-22T16:00:00.000Z');
    expect(period.to.toISOString()).toBe('2026-11-29T16:00:00.000Z');
  });

  it('should cover the local calendar month when kind is MONTH', () => {
    const period = resolvePeriod({ kind: 'MONTH', anchor: ANCHOR }, SHANGHAI);
    expect(period.from.toISOString()).toBe('2026-10-31T16:00:00.000Z');
    expect(period.to.toISOString()).toBe('2026-11-30T16:00:00.000Z');
  });

  it('should roll over the year when the month is December', () => {
    const period = resolvePeriod({ kind: 'MONTH', anchor: new Date('2026-12-15T00:00:00Z') }, SHANGHAI);
    expect(period.to.toISOString()).toBe('2026-12-31T16:00:00.000Z');
  });

  it('should make a 23-hour day when the zone springs forward', () => {
    const period = resolvePeriod(
      { kind: 'DAY', anchor: new Date('2026-03-08T12:00:00Z') },
      'America/New_York',
    );
    expect(period.from.toISOString()).toBe('2026-03-08T05:00:00.000Z');
    expect(period.to.toISOString()).toBe('2026-03-09T04:00:00.000Z');
  });

  it('should keep a custom range as given when from and to are set', () => {
    const from = new Date('2026-11-01T00:00:00Z');
    const to = new Date('2026-11-02T00:00:00Z');
    expect(resolvePeriod({ from, to }, SHANGHAI)).toEqual({ kind: 'CUSTOM', from, to, timeZone: SHANGHAI });
  });

  it('should reject the range with a clear message when it is reversed', () => {
    const call = () =>
      resolvePeriod(
        { from: new Date('2026-11-02T00:00:00Z'), to: new Date('2026-11-01T00:00:00Z') },
        SHANGHAI,
      );
    expect(call).toThrow(AnalyticsError);
    expect(call).toThrow(/reversed/);
  });

  it('should reject the range when it is longer than 366 days', () => {
    expect(() =>
      resolvePeriod(
        { from: new Date('2025-01-01T00:00:00Z'), to: new Date('2026-01-03T00:00:00Z') },
        SHANGHAI,
      ),
    ).toThrow(/at most 366 days/);
  });

  it('should reject a custom period when to is missing', () => {
    expect(() => resolvePeriod({ from: new Date() }, SHANGHAI)).toThrow(
      /needs both period.from and period.to/,
    );
  });

  it('should reject from/to when kind is WEEK', () => {
    expect(() => resolvePeriod({ kind: 'WEEK', from: new Date() }, SHANGHAI)).toThrow(/CUSTOM only/);
  });
});

describe('previousWeek and today', () => {
  it('should give the week before when called on a week', () => {
    const week = resolvePeriod({ kind: 'WEEK', anchor: ANCHOR }, SHANGHAI);
    const before = previousWeek(week);
    expect(before.from.toISOString()).toBe('2026-11-15T16:00:00.000Z');
    expect(before.to.toISOString()).toBe('2026-11-22T16:00:00.000Z');
  });

  it('should give the local day when asked for today', () => {
    expect(today(SHANGHAI, ANCHOR).from.toISOString()).toBe('2026-11-25T16:00:00.000Z');
  });
});
