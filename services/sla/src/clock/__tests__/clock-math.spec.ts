import fc from 'fast-check';
import { shanghaiStandardCalendar } from '../../calendar/business-calendar';
import { dueAt, elapsedMs, remainingMs, warningAt, type ClockInput } from '../clock-math';

const HOUR = 3_600_000;
const at = (iso: string) => new Date(iso);
const calendar = { ...shanghaiStandardCalendar(), holidays: ['2026-11-23'] };

describe('SLA clock arithmetic', () => {
  const base: ClockInput = {
    calendar,
    startedAt: at('2026-11-20T09:00:00+08:00'),
    targetMs: 8 * HOUR,
    pauses: [],
  };

  it('should move the due time by exactly the working time paused, across a holiday', () => {
    const unpaused = dueAt(base)!;
    // Paused Friday 16:00 → Tuesday 10:00: 2 h Friday + (Monday is a holiday) + 1 h Tuesday = 3 working hours.
    const paused = dueAt({
      ...base,
      pauses: [{ from: at('2026-11-20T16:00:00+08:00'), to: at('2026-11-24T10:00:00+08:00') }],
    })!;

    // 7.5 h on Friday, Monday is a holiday, so the last half hour is Tuesday 09:00–09:30.
    expect(unpaused).toEqual(at('2026-11-24T09:30:00+08:00'));
    // Three more working hours: Tuesday 09:30–12:00 and 13:30–14:00.
    expect(paused).toEqual(at('2026-11-24T14:00:00+08:00'));
  });

  it('should have no due time while paused', () => {
    expect(dueAt({ ...base, pauses: [{ from: at('2026-11-20T10:00:00+08:00'), to: null }] })).toBeNull();
    expect(
      elapsedMs(
        { ...base, pauses: [{ from: at('2026-11-20T10:00:00+08:00'), to: null }] },
        at('2026-11-20T15:00:00+08:00'),
      ),
    ).toBe(HOUR);
  });

  it('should count clock time around the clock when the target has no calendar', () => {
    const input: ClockInput = {
      calendar: null,
      startedAt: at('2026-11-21T23:00:00Z'),
      targetMs: HOUR,
      pauses: [],
    };

    expect(dueAt(input)).toEqual(at('2026-11-22T00:00:00Z'));
    expect(warningAt(input, 0.8)).toEqual(at('2026-11-21T23:48:00Z'));
    expect(remainingMs(input, at('2026-11-22T00:30:00Z'))).toBe(-HOUR / 2);
  });

  it('should never make the due time earlier when a pause is added', () => {
    const instants = fc.date({ min: at('2026-11-20T00:00:00Z'), max: at('2026-12-20T00:00:00Z') });
    fc.assert(
      fc.property(
        instants,
        fc.integer({ min: 1, max: 96 }),
        fc.integer({ min: 1, max: 72 * 60 }),
        (start, hours, pauseMinutes) => {
          const input: ClockInput = { calendar, startedAt: start, targetMs: hours * HOUR, pauses: [] };
          const pauseFrom = new Date(start.getTime() + 30 * 60_000);
          const pauseTo = new Date(pauseFrom.getTime() + pauseMinutes * 60_000);
          const before = dueAt(input)!;
          const after = dueAt({ ...input, pauses: [{ from: pauseFrom, to: pauseTo }] })!;
          expect(after.getTime()).toBeGreaterThanOrEqual(before.getTime());
        },
      ),
      { numRuns: 150 },
    );
  });

  it('should move nothing when a pause lies entirely within a holiday', () => {
    const paused = dueAt({
      ...base,
      pauses: [{ from: at('2026-11-23T10:00:00+08:00'), to: at('2026-11-23T16:00:00+08:00') }],
    });
    expect(paused).toEqual(dueAt(base));
  });
});

const instants = fc.date({ min: at('2026-01-01T00:00:00Z'), max: at('2027-06-30T00:00:00Z') });
/** Up to three closed pauses after the start, in minutes from it and in length. */
const pauseSets = fc.array(
  fc.record({
    offset: fc.integer({ min: 0, max: 14 * 24 * 60 }),
    length: fc.integer({ min: 1, max: 5 * 24 * 60 }),
  }),
  { maxLength: 3 },
);
const toPauses = (start: Date, pauses: { offset: number; length: number }[]) =>
  pauses.map(({ offset, length }) => {
    const from = new Date(start.getTime() + offset * 60_000);
    return { from, to: new Date(from.getTime() + length * 60_000) };
  });
const newYork = {
  timeZone: 'America/New_York',
  weekly: { 1: [{ start: '09:00', end: '17:00' }], 3: [{ start: '08:00', end: '12:00' }] },
  holidays: ['2026-11-26'],
  extraWorkingDays: [{ date: '2026-11-28', shifts: [{ start: '10:00', end: '14:00' }] }],
};

describe.each([
  ['clock time', null],
  ['Asia/Shanghai business hours with a holiday', calendar],
  ['America/New_York, two weekdays and a make-up Saturday', newYork],
])('SLA clock invariants (%s)', (_name, clockCalendar) => {
  it('should never make the due time earlier when pauses are added', () => {
    fc.assert(
      fc.property(
        instants,
        fc.integer({ min: 1, max: 72 }),
        pauseSets,
        pauseSets,
        (start, hours, some, more) => {
          const input: ClockInput = {
            calendar: clockCalendar,
            startedAt: start,
            targetMs: hours * HOUR,
            pauses: toPauses(start, some),
          };
          const before = dueAt(input)!;
          const after = dueAt({ ...input, pauses: [...input.pauses, ...toPauses(start, more)] })!;
          expect(after.getTime()).toBeGreaterThanOrEqual(before.getTime());
        },
      ),
      { numRuns: 100 },
    );
  });

  it('should make the due time monotone in the target, pauses or not', () => {
    fc.assert(
      fc.property(
        instants,
        fc.integer({ min: 1, max: 72 * 60 }),
        fc.integer({ min: 1, max: 72 * 60 }),
        pauseSets,
        (start, a, b, pauses) => {
          const [shorter, longer] = a <= b ? [a, b] : [b, a];
          const input = (minutes: number): ClockInput => ({
            calendar: clockCalendar,
            startedAt: start,
            targetMs: minutes * 60_000,
            pauses: toPauses(start, pauses),
          });
          expect(dueAt(input(shorter))!.getTime()).toBeLessThanOrEqual(dueAt(input(longer))!.getTime());
        },
      ),
      { numRuns: 100 },
    );
  });

  it('should count exactly the target between the start and the due time, pauses excluded', () => {
    fc.assert(
      fc.property(instants, fc.integer({ min: 1, max: 72 * 60 }), pauseSets, (start, minutes, pauses) => {
        const input: ClockInput = {
          calendar: clockCalendar,
          startedAt: start,
          targetMs: minutes * 60_000,
          pauses: toPauses(start, pauses),
        };
        expect(elapsedMs(input, dueAt(input)!)).toBe(input.targetMs);
        expect(remainingMs(input, dueAt(input)!)).toBe(0);
      }),
      { numRuns: 100 },
    );
  });

  it('should warn no later than the due time', () => {
    fc.assert(
      fc.property(instants, fc.integer({ min: 1, max: 72 * 60 }), pauseSets, (start, minutes, pauses) => {
        const input: ClockInput = {
          calendar: clockCalendar,
          startedAt: start,
          targetMs: minutes * 60_000,
          pauses: toPauses(start, pauses),
        };
        expect(warningAt(input, 0.8)!.getTime()).toBeLessThanOrEqual(dueAt(input)!.getTime());
      }),
      { numRuns: 100 },
    );
  });
});
