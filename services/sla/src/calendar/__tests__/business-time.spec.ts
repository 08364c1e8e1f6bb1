import fc from 'fast-check';
import { shanghaiStandardCalendar, type BusinessCalendar } from '../business-calendar';
import { addBusinessTime, businessTimeBetween, isWorkingTime, subtractBusinessTime } from '../business-time';

const HOUR = 3_600_000;
const shanghai = shanghaiStandardCalendar();
const at = (iso: string) => new Date(iso);
const NINE_TO_FIVE = [{ start: '09:00', end: '17:00' }];
const newYork: BusinessCalendar = {
  timeZone: 'America/New_York',
  weekly: { 1: NINE_TO_FIVE, 2: NINE_TO_FIVE, 3: NINE_TO_FIVE, 4: NINE_TO_FIVE, 5: NINE_TO_FIVE },
  holidays: [],
  extraWorkingDays: [],
};

describe('business time in Asia/Shanghai (09:00–12:00, 13:30–18:00, Mon–Fri)', () => {
  it('should carry a P2 target from Friday 17:00 over the weekend to Monday 12:00', () => {
    expect(addBusinessTime(shanghai, at('2026-11-20T17:00:00+08:00'), 4 * HOUR)).toEqual(
      at('2026-11-23T12:00:00+08:00'),
    );
  });

  it('should skip the lunch break when a target spans it', () => {
    expect(addBusinessTime(shanghai, at('2026-11-18T11:00:00+08:00'), 2 * HOUR)).toEqual(
      at('2026-11-18T14:30:00+08:00'),
    );
  });

  it('should continue next morning when a target spans the night', () => {
    expect(addBusinessTime(shanghai, at('2026-11-18T17:30:00+08:00'), HOUR)).toEqual(
      at('2026-11-19T09:30:00+08:00'),
    );
  });

  it('should start counting at opening time when work arrives at night', () => {
    expect(addBusinessTime(shanghai, at('2026-11-18T22:00:00+08:00'), HOUR)).toEqual(
      at('2026-11-19T10:00:00+08:00'),
    );
  });

  it('should skip a holiday Monday and count a Saturday make-up workday', () => {
    const calendar: BusinessCalendar = {
      ...shanghai,
      holidays: ['2026-11-23'],
      extraWorkingDays: [{ date: '2026-11-21', shifts: [{ start: '09:00', end: '12:00' }] }],
    };

    expect(addBusinessTime(calendar, at('2026-11-20T17:00:00+08:00'), 4 * HOUR)).toEqual(
      at('2026-11-21T12:00:00+08:00'),
    );
    expect(addBusinessTime(calendar, at('2026-11-20T17:00:00+08:00'), 5 * HOUR)).toEqual(
      at('2026-11-24T10:00:00+08:00'),
    );
  });

  it('should handle targets longer than a week', () => {
    // 7.5 working hours a day: 60 h = 8 days of work = Monday → the Wednesday after next, at 18:00.
    expect(addBusinessTime(shanghai, at('2026-11-16T09:00:00+08:00'), 60 * HOUR)).toEqual(
      at('2026-11-25T18:00:00+08:00'),
    );
  });

  it('should measure working time between two instants and know when the desk is open', () => {
    expect(
      businessTimeBetween(shanghai, at('2026-11-20T17:00:00+08:00'), at('2026-11-23T12:00:00+08:00')),
    ).toBe(4 * HOUR);
    expect(isWorkingTime(shanghai, at('2026-11-18T12:30:00+08:00'))).toBe(false);
    expect(isWorkingTime(shanghai, at('2026-11-18T13:30:00+08:00'))).toBe(true);
  });
});

describe('business time across daylight saving in America/New_York', () => {
  it('should keep local working hours when clocks spring forward', () => {
    // Friday 16:00 EST (21:00Z) + 2 h → Monday 10:00 EDT (14:00Z).
    expect(addBusinessTime(newYork, at('2026-03-06T21:00:00Z'), 2 * HOUR)).toEqual(
      at('2026-03-09T14:00:00Z'),
    );
  });

  it('should keep local working hours when clocks fall back', () => {
    // Friday 16:00 EDT (20:00Z) + 2 h → Monday 10:00 EST (15:00Z).
    expect(addBusinessTime(newYork, at('2026-10-30T20:00:00Z'), 2 * HOUR)).toEqual(
      at('2026-11-02T15:00:00Z'),
    );
  });
});

const instants = fc.date({ min: at('2026-01-01T00:00:00Z'), max: at('2027-12-31T00:00:00Z') });
const durations = fc.integer({ min: 1, max: 200 * 60 }).map((minutes) => minutes * 60_000);

describe.each([
  ['Asia/Shanghai', shanghai],
  ['America/New_York', newYork],
])('business-time invariants (%s)', (_name, calendar) => {
  it('should return to the start when adding then subtracting from a working instant', () => {
    fc.assert(
      fc.property(instants, durations, (start, duration) => {
        fc.pre(isWorkingTime(calendar, start));
        expect(subtractBusinessTime(calendar, addBusinessTime(calendar, start, duration), duration)).toEqual(
          start,
        );
      }),
      { numRuns: 150 },
    );
  });

  it('should count exactly the added duration between the start and the result', () => {
    fc.assert(
      fc.property(instants, durations, (start, duration) => {
        expect(businessTimeBetween(calendar, start, addBusinessTime(calendar, start, duration))).toBe(
          duration,
        );
      }),
      { numRuns: 150 },
    );
  });

  it('should be monotone in the target', () => {
    fc.assert(
      fc.property(instants, durations, durations, (start, a, b) => {
        const [shorter, longer] = a <= b ? [a, b] : [b, a];
        expect(addBusinessTime(calendar, start, shorter).getTime()).toBeLessThanOrEqual(
          addBusinessTime(calendar, start, longer).getTime(),
        );
      }),
      { numRuns: 150 },
    );
  });
});
