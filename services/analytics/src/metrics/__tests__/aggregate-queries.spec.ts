import { monthSpans } from '../aggregate-queries';

describe('monthSpans', () => {
  it('should read a whole calendar month from the month grain alone', () => {
    expect(monthSpans({ from: '2026-11-01', to: '2026-12-01' })).toEqual({
      days: [],
      months: ['2026-11-01', '2026-12-01'],
    });
  });

  it('should read the days around the whole months of a year-long range, across a new year', () => {
    expect(monthSpans({ from: '2025-11-30', to: '2026-11-30' })).toEqual({
      days: [
        ['2025-11-30', '2025-12-01'],
        ['2026-11-01', '2026-11-30'],
      ],
      months: ['2025-12-01', '2026-11-01'],
    });
  });

  it('should read days only when the range holds no whole month', () => {
    expect(monthSpans({ from: '2026-11-23', to: '2026-11-30' })).toEqual({
      days: [['2026-11-23', '2026-11-30']],
      months: null,
    });
    expect(monthSpans({ from: '2026-11-10', to: '2026-12-20' })).toEqual({
      days: [['2026-11-10', '2026-12-20']],
      months: null,
    });
  });

  it('should start the months at the next month when the range starts in December', () => {
    expect(monthSpans({ from: '2026-12-15', to: '2027-03-01' })).toEqual({
      days: [['2026-12-15', '2027-01-01']],
      months: ['2027-01-01', '2027-03-01'],
    });
  });
});
