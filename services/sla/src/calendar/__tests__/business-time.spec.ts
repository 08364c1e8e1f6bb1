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

describe('business time across the daylight-saving night itself (America/New_York)', () => {
  const sundays: BusinessCalendar = {
    timeZone: 'America/New_York',
    weekly: { 7: [{ start: '00:00', end: '24:00' }] },
    holidays: [],
    extraWorkingDays: [],
  };

  it('should count a 23-hour working Sunday when clocks spring forward', () => {
    // Sunday 2026-03-08 00:00 EST (05:00Z) → Monday 00:00 EDT (04:00Z).
    expect(businessTimeBetween(sundays, at('2026-03-08T05:00:00Z'), at('2026-03-09T04:00:00Z'))).toBe(
      23 * HOUR,
    );
    expect(addBusinessTime(sundays, at('2026-03-08T05:00:00Z'), 23 * HOUR)).toEqual(
      at('2026-03-09T04:00:00Z'),
    );
  });

  it('should count a 25-hour working Sunday when clocks fall back', () => {
    // Sunday 2026-11-01 00:00 EDT (04:00Z) → Monday 00:00 EST (05:00Z).
    expect(businessTimeBetween(sundays, at('2026-11-01T04:00:00Z'), at('2026-11-02T05:00:00Z'))).toBe(
      25 * HOUR,
    );
    expect(addBusinessTime(sundays, at('2026-11-01T04:00:00Z'), 25 * HOUR)).toEqual(
      at('2026-11-02T05:00:00Z'),
    );
  });

  it('should count only the hours that exist in a shift spanning the skipped hour', () => {
    const night: BusinessCalendar = { ...sundays, weekly: { 7: [{ start: '01:00', end: '04:00' }] } };
    // 01:00 EST (06:00Z) to 04:00 EDT (08:00Z): 02:00–03:00 never happens.
    expect(businessTimeBetween(night, at('2026-03-08T00:00:00Z'), at('2026-03-09T00:00:00Z'))).toBe(2 * HOUR);
    expect(addBusinessTime(night, at('2026-03-08T00:00:00Z'), 2 * HOUR)).toEqual(at('2026-03-08T08:00:00Z'));
  });
});

describe('business time when daylight saving starts at midnight (America/Havana, every hour worked)', () => {
  const allDay = [{ start: '00:00', end: '24:00' }];
  const havana: BusinessCalendar = {
    timeZone: 'America/Havana',
    weekly: { 1: allDay, 2: allDay, 3: allDay, 4: allDay, 5: allDay, 6: allDay, 7: allDay },
    holidays: [],
    extraWorkingDays: [],
  };

  // 2024-03-10 has no 00:00 in Havana (clocks go to 01:00): the days after it still start at midnight.
  it('should count the first minutes after the next midnight when a span ends in them', () => {
    const from = at('2024-03-09T12:00:00Z');
    const to = at('2024-03-11T00:30:00-04:00');
    expect(businessTimeBetween(havana, from, to)).toBe(to.getTime() - from.getTime());
  });

  it('should add and subtract across that night as elapsed time', () => {
    const from = at('2024-03-09T23:30:00-05:00');
    expect(addBusinessTime(havana, from, 26 * HOUR)).toEqual(new Date(from.getTime() + 26 * HOUR));
    expect(subtractBusinessTime(havana, at('2024-03-11T00:30:00-04:00'), 26 * HOUR)).toEqual(
      new Date(at('2024-03-11T00:30:00-04:00').getTime() - 26 * HOUR),
    );
  });
});

describe('business time with overnight shifts (22:00–06:00 every day, Asia/Shanghai)', () => {
  const NIGHT = [
    { start: '00:00', end: '06:00' },
    { start: '22:00', end: '24:00' },
  ];
  const nights: BusinessCalendar = {
    timeZone: 'Asia/Shanghai',
    weekly: { 1: NIGHT, 2: NIGHT, 3: NIGHT, 4: NIGHT, 5: NIGHT, 6: NIGHT, 7: NIGHT },
    holidays: [],
    extraWorkingDays: [],
  };

  it('should run through midnight without a gap', () => {
    expect(addBusinessTime(nights, at('2026-11-18T23:00:00+08:00'), 2 * HOUR)).toEqual(
      at('2026-11-19T01:00:00+08:00'),
    );
  });

  it('should wait through the day gap when a target outlasts the night', () => {
    expect(addBusinessTime(nights, at('2026-11-18T23:00:00+08:00'), 8 * HOUR)).toEqual(
      at('2026-11-19T23:00:00+08:00'),
    );
  });
});

describe('business time around a national holiday week with make-up workdays (Asia/Shanghai)', () => {
  const goldenWeek: BusinessCalendar = {
    ...shanghai,
    holidays: ['2026-10-01', '2026-10-02', '2026-10-05', '2026-10-06', '2026-10-07'],
    extraWorkingDays: [
      {
        date: '2026-09-27',
        shifts: [
          { start: '09:00', end: '12:00' },
          { start: '13:30', end: '18:00' },
        ],
      },
      {
        date: '2026-10-10',
        shifts: [
          { start: '09:00', end: '12:00' },
          { start: '13:30', end: '18:00' },
        ],
      },
    ],
  };

  it('should work the make-up Sunday before the holidays', () => {
    // Friday 2026-09-25 17:00 + 4 h: 1 h Friday, then Sunday 09:00–12:00.
    expect(addBusinessTime(goldenWeek, at('2026-09-25T17:00:00+08:00'), 4 * HOUR)).toEqual(
      at('2026-09-27T12:00:00+08:00'),
    );
  });

  it('should skip the whole holiday week and count the make-up Saturday after it', () => {
    // Wednesday 09-30 17:00 + 10 h: 1 h Wednesday, 7.5 h Thursday 10-08, 1.5 h Friday 10-09 → 10:30.
    expect(addBusinessTime(goldenWeek, at('2026-09-30T17:00:00+08:00'), 10 * HOUR)).toEqual(
      at('2026-10-09T10:30:00+08:00'),
    );
    // Friday 10-09 17:00 + 2 h: 1 h Friday, 1 h on the make-up Saturday.
    expect(addBusinessTime(goldenWeek, at('2026-10-09T17:00:00+08:00'), 2 * HOUR)).toEqual(
      at('2026-10-10T10:00:00+08:00'),
    );
  });

  it('should subtract back across the holiday week', () => {
    expect(subtractBusinessTime(goldenWeek, at('2026-10-08T10:00:00+08:00'), 2 * HOUR)).toEqual(
      at('2026-09-30T17:00:00+08:00'),
    );
  });

  it('should handle a target of four working weeks', () => {
    // 150 h = 20 working days of 7.5 h: Monday 11-02 09:00 → Friday 11-27 18:00.
    expect(addBusinessTime(shanghai, at('2026-11-02T09:00:00+08:00'), 150 * HOUR)).toEqual(
      at('2026-11-27T18:00:00+08:00'),
    );
  });
});

const instants = fc.date({ min: at('2026-01-01T00:00:00Z'), max: at('2027-12-31T00:00:00Z') });
const durations = fc.integer({ min: 1, max: 200 * 60 }).map((minutes) => minutes * 60_000);

const withHolidays: BusinessCalendar = {
  ...shanghai,
  holidays: ['2026-02-17', '2026-02-18', '2026-02-19', '2026-10-01', '2026-10-02', '2027-01-01'],
  extraWorkingDays: [
    { date: '2026-02-14', shifts: [{ start: '10:00', end: '16:00' }] },
    { date: '2026-10-11', shifts: [{ start: '09:00', end: '12:00' }] },
  ],
};

describe.each([
  ['Asia/Shanghai', shanghai],
  ['America/New_York', newYork],
  ['Asia/Shanghai with holidays and make-up workdays', withHolidays],
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
