import { DateTime } from 'luxon';
import type { BusinessCalendar } from './business-calendar';

interface Interval {
  start: number;
  end: number;
}

// Three years without a single working minute means the calendar is broken.
const MAX_DAYS = 3 * 366;

function localInstant(date: string, time: string, zone: string): number {
  if (time === '24:00') return DateTime.fromISO(date, { zone }).plus({ days: 1 }).startOf('day').toMillis();
  return DateTime.fromISO(`${date}T${time}`, { zone }).toMillis();
}

// A calendar version never changes once stored (the policy store keeps one object per version),
// so its days' intervals are computed once: luxon's time-zone offsets were a third of the sla
// process's CPU in the intake storm. Bounded per calendar; a cleared cache only costs recomputing.
const intervalCache = new WeakMap<BusinessCalendar, Map<string, Interval[]>>();
const MAX_CACHED_DAYS = 4096;

/** The working intervals of one local day as absolute instants (DST handled by luxon). */
export function workingIntervals(calendar: BusinessCalendar, day: DateTime): Interval[] {
  const date = day.toISODate()!;
  let days = intervalCache.get(calendar);
  if (!days) intervalCache.set(calendar, (days = new Map()));
  let intervals = days.get(date);
  if (!intervals) {
    if (days.size >= MAX_CACHED_DAYS) days.clear();
    intervals = computeWorkingIntervals(calendar, day, date);
    days.set(date, intervals);
  }
  // A copy: callers may reorder it.
  return [...intervals];
}

function computeWorkingIntervals(calendar: BusinessCalendar, day: DateTime, date: string): Interval[] {
  if (calendar.holidays.includes(date)) return [];
  const extra = calendar.extraWorkingDays.find((candidate) => candidate.date === date);
  const shifts = extra ? extra.shifts : (calendar.weekly[day.weekday as 1 | 2 | 3 | 4 | 5 | 6 | 7] ?? []);
  return shifts
    .map((shift) => ({
      start: localInstant(date, shift.start, calendar.timeZone),
      end: localInstant(date, shift.end, calendar.timeZone),
    }))
    .filter((interval) => interval.end > interval.start)
    .sort((a, b) => a.start - b.start);
}

function startOfLocalDay(calendar: BusinessCalendar, at: number): DateTime {
  return DateTime.fromMillis(at, { zone: calendar.timeZone }).startOf('day');
}

function noWorkingTime(): never {
  throw new Error('The calendar has no working time within three years');
}

/** The instant at which `durationMs` of working time has passed after `start`. */
export function addBusinessTime(calendar: BusinessCalendar, start: Date, durationMs: number): Date {
  if (durationMs < 0) return subtractBusinessTime(calendar, start, -durationMs);
  if (durationMs === 0) return start;
  const from = start.getTime();
  let remaining = durationMs;
  let day = startOfLocalDay(calendar, from);
  for (let index = 0; index < MAX_DAYS; index++, day = day.plus({ days: 1 })) {
    for (const interval of workingIntervals(calendar, day)) {
      if (interval.end <= from) continue;
      const begin = Math.max(interval.start, from);
      const available = interval.end - begin;
      if (remaining <= available) return new Date(begin + remaining);
      remaining -= available;
    }
  }
  return noWorkingTime();
}

/** The instant `durationMs` of working time before `end`. */
export function subtractBusinessTime(calendar: BusinessCalendar, end: Date, durationMs: number): Date {
  if (durationMs < 0) return addBusinessTime(calendar, end, -durationMs);
  if (durationMs === 0) return end;
  const to = end.getTime();
  let remaining = durationMs;
  let day = startOfLocalDay(calendar, to);
  for (let index = 0; index < MAX_DAYS; index++, day = day.minus({ days: 1 })) {
    for (const interval of workingIntervals(calendar, day).reverse()) {
      if (interval.start >= to) continue;
      const finish = Math.min(interval.end, to);
      const available = finish - interval.start;
      if (remaining <= available) return new Date(finish - remaining);
      remaining -= available;
    }
  }
  return noWorkingTime();
}

/** Working milliseconds in [from, to); negative when `to` is before `from`. */
export function businessTimeBetween(calendar: BusinessCalendar, from: Date, to: Date): number {
  const start = from.getTime();
  const end = to.getTime();
  if (end < start) return -businessTimeBetween(calendar, to, from);
  let total = 0;
  for (let day = startOfLocalDay(calendar, start); day.toMillis() < end; day = day.plus({ days: 1 })) {
    for (const interval of workingIntervals(calendar, day)) {
      const overlap = Math.min(interval.end, end) - Math.max(interval.start, start);
      if (overlap > 0) total += overlap;
    }
  }
  return total;
}

export function isWorkingTime(calendar: BusinessCalendar, at: Date): boolean {
  const instant = at.getTime();
  return workingIntervals(calendar, startOfLocalDay(calendar, instant)).some(
    (interval) => interval.start <= instant && instant < interval.end,
  );
}
