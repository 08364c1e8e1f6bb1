import { shanghaiStandardCalendar, validateCalendar } from '../business-calendar';

describe('calendar validation', () => {
  it('should accept the standard Shanghai calendar', () => {
    expect(validateCalendar(shanghaiStandardCalendar())).toEqual([]);
  });

  it('should report every problem at once when a calendar is broken', () => {
    const problems = validateCalendar({
      timeZone: 'Mars/Olympus',
      weekly: {
        1: [
          { start: '09:00', end: '12:00' },
          { start: '11:00', end: '13:00' },
        ],
        2: [{ start: '18:00', end: '09:00' }],
      },
      holidays: ['2026-13-40'],
      extraWorkingDays: [{ date: '2026-10-10', shifts: [] }],
    });

    expect(problems).toEqual(
      expect.arrayContaining([
        'unknown time zone "Mars/Olympus"',
        'weekday 1: shifts 09:00–12:00 and 11:00–13:00 overlap',
        'weekday 2: shift 18:00–09:00 ends before it starts',
        'holiday "2026-13-40" is not a YYYY-MM-DD date',
        'extra working day 2026-10-10 has no shifts',
      ]),
    );
  });

  it('should refuse a calendar with no working time', () => {
    expect(validateCalendar({ timeZone: 'UTC', weekly: {}, holidays: [], extraWorkingDays: [] })).toContain(
      'the calendar has no working time at all',
    );
  });
});
