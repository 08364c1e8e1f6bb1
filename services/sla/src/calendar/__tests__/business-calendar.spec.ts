import { calendarFromInput, shanghaiStandardCalendar, validateCalendar } from '../business-calendar';

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
        { field: 'timeZone', message: 'unknown time zone "Mars/Olympus"' },
        { field: 'weekly', message: 'weekday 1: shifts 09:00–12:00 and 11:00–13:00 overlap' },
        { field: 'weekly', message: 'weekday 2: shift 18:00–09:00 ends before it starts' },
        { field: 'holidays', message: 'holiday "2026-13-40" is not a YYYY-MM-DD date' },
        { field: 'extraWorkingDays', message: 'extra working day 2026-10-10 has no shifts' },
      ]),
    );
  });

  it('should refuse a calendar with no working time', () => {
    expect(
      validateCalendar({ timeZone: 'UTC', weekly: {}, holidays: [], extraWorkingDays: [] }),
    ).toContainEqual({
      field: 'weekly',
      message: 'the calendar has no working time at all',
    });
  });

  it('should report a weekday or make-up date given twice instead of silently overwriting it', () => {
    const { calendar, problems } = calendarFromInput({
      timeZone: 'Asia/Shanghai',
      weekly: [
        { weekday: 1, shifts: [{ start: '09:00', end: '12:00' }] },
        { weekday: 1, shifts: [{ start: '11:00', end: '18:00' }] },
      ],
      holidays: ['2026-10-01', '2026-10-01'],
      extraWorkingDays: [
        { date: '2026-10-11', shifts: [{ start: '09:00', end: '12:00' }] },
        { date: '2026-10-11', shifts: [{ start: '13:00', end: '18:00' }] },
      ],
    });

    expect(problems).toEqual([
      { field: 'weekly', message: 'weekday 1 is listed more than once' },
      { field: 'extraWorkingDays', message: 'extra working day 2026-10-11 is listed more than once' },
    ]);
    // Both lists of shifts are kept, so validation also reports their overlap.
    expect(validateCalendar(calendar)).toContainEqual({
      field: 'weekly',
      message: 'weekday 1: shifts 09:00–12:00 and 11:00–18:00 overlap',
    });
    expect(calendar.holidays).toEqual(['2026-10-01']);
  });

  it('should refuse a shift starting at 24:00, a weekday outside 1–7 and a holiday that is also a make-up day', () => {
    const problems = validateCalendar({
      timeZone: 'Asia/Shanghai',
      weekly: { 1: [{ start: '24:00', end: '24:00' }], 8: [{ start: '09:00', end: '10:00' }] } as never,
      holidays: ['2026-10-11'],
      extraWorkingDays: [{ date: '2026-10-11', shifts: [{ start: '09:00', end: '12:00' }] }],
    });

    expect(problems).toEqual(
      expect.arrayContaining([
        { field: 'weekly', message: 'weekday 1: 24:00–24:00 must be HH:mm times (end may be 24:00)' },
        { field: 'weekly', message: 'weekday 8 must be 1 (Monday) to 7 (Sunday)' },
        { field: 'extraWorkingDays', message: '2026-10-11 is both a holiday and an extra working day' },
      ]),
    );
  });
});
