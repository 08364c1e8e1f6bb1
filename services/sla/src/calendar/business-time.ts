import { DateTime } from 'luxon';
import type { BusinessCalendar } from './business-calendar';

interface Interval {
  start: number;
  end: number;
}

/** One local day of a calendar: its bounds as instants and its working intervals. */
interface LocalDay {
  /** YYYY-MM-DD in the calendar's time zone. */
  date: string;
  /** The instant the local day starts (DST handled by luxon). */
  start: number;
  /** The instant the next local day starts. */
  end: number;
  /** Working intervals as instants, sorted. */
  intervals: Interval[];
  next?: LocalDay;
  previous?: LocalDay;
}

interface DayCache {
  byDate: Map<string, LocalDay>;
  /** Local days found for instants of each UTC day (at most three local days overlap one). */
  byUtcDay: Map<number, LocalDay[]>;
}

// Three years without a single working minute means the calendar is broken.
const MAX_DAYS = 3 * 366;
const DAY_MS = 86_400_000;

function localInstant(date: string, time: string, zone: string): number {
  if (time === '24:00') return DateTime.fromISO(date, { zone }).plus({ days: 1 }).startOf('day').toMillis();
  return DateTime.fromISO(`${date}T${time}`, { zone }).toMillis();
}

function localDayStart(date: string, zone: string): number {
  return DateTime.fromISO(date, { zone }).startOf('day').toMillis();
}

/** The calendar date `days` after `date` (YYYY-MM-DD); the same in every time zone. */
function shiftDate(date: string, days: number): string {
  const [year, month, day] = date.split('-').map(Number);
  return new Date(Date.UTC(year, month - 1, day + days)).toISOString().slice(0, 10);
}

// A calendar version never changes once stored (the policy store keeps one object per version),
// so its days are computed once and linked to their neighbours: luxon's time-zone offsets were
// a third of the sla process's CPU in the intake storm, and walking days with luxon DateTimes
// still a quarter once the intervals were cached. Bounded per calendar; a cleared cache only
// costs recomputing.
const dayCaches = new WeakMap<BusinessCalendar, DayCache>();
const MAX_CACHED_DAYS = 4096;

function cacheOf(calendar: BusinessCalendar): DayCache {
  let cache = dayCaches.get(calendar);
  if (!cache) dayCaches.set(calendar, (cache = { byDate: new Map(), byUtcDay: new Map() }));
  return cache;
}

function dayOf(calendar: BusinessCalendar, date: string): LocalDay {
  const cache = cacheOf(calendar);
  let day = cache.byDate.get(date);
  if (!day) {
    if (cache.byDate.size >= MAX_CACHED_DAYS) {
      cache.byDate.clear();
      cache.byUtcDay.clear();
    }
    const zone = calendar.timeZone;
    day = {
      date,
      start: localDayStart(date, zone),
      end: localDayStart(shiftDate(date, 1), zone),
      intervals: computeWorkingIntervals(calendar, date),
    };
    cache.byDate.set(date, day);
  }
  return day;
}

/** The local day `at` falls in. */
function dayContaining(calendar: BusinessCalendar, at: number): LocalDay {
  const cache = cacheOf(calendar);
  const utcDay = Math.floor(at / DAY_MS);
  const known = cache.byUtcDay.get(utcDay);
  const found = known?.find((day) => day.start <= at && at < day.end);
  if (found) return found;
  const day = dayOf(calendar, DateTime.fromMillis(at, { zone: calendar.timeZone }).toISODate()!);
  if (known) known.push(day);
  else cache.byUtcDay.set(utcDay, [day]);
  return day;
}

function nextDay(calendar: BusinessCalendar, day: LocalDay): LocalDay {
  return (day.next ??= dayOf(calendar, shiftDate(day.date, 1)));
}

function previousDay(calendar: BusinessCalendar, day: LocalDay): LocalDay {
  return (day.previous ??= dayOf(calendar, shiftDate(day.date, -1)));
}

/** The working intervals of one local day as absolute instants (DST handled by luxon). */
export function workingIntervals(calendar: BusinessCalendar, day: DateTime): Interval[] {
  // A copy: callers may reorder it.
  return [...dayOf(calendar, day.toISODate()!).intervals];
}

function computeWorkingIntervals(calendar: BusinessCalendar, date: string): Interval[] {
  if (calendar.holidays.includes(date)) return [];
  const extra = calendar.extraWorkingDays.find((candidate) => candidate.date === date);
  // ISO weekday, 1 = Monday … 7 = Sunday.
  const weekday = (new Date(`${date}T00:00:00Z`).getUTCDay() || 7) as 1 | 2 | 3 | 4 | 5 | 6 | 7;
  const shifts = extra ? extra.shifts : (calendar.weekly[weekday] ?? []);
  return shifts
    .map((shift) => ({
      start: localInstant(date, shift.start, calendar.timeZone),
      end: localInstant(date, shift.end, calendar.timeZone),
    }))
    .filter((interval) => interval.end > interval.start)
    .sort((a, b) => a.start - b.start);
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
  let day = dayContaining(calendar, from);
  for (let index = 0; index < MAX_DAYS; index++, day = nextDay(calendar, day)) {
    for (const interval of day.intervals) {
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
  let day = dayContaining(calendar, to);
  for (let index = 0; index < MAX_DAYS; index++, day = previousDay(calendar, day)) {
    for (let position = day.intervals.length - 1; position >= 0; position--) {
      const interval = day.intervals[position];
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
  for (let day = dayContaining(calendar, start); day.start < end; day = nextDay(calendar, day)) {
    for (const interval of day.intervals) {
      const overlap = Math.min(interval.end, end) - Math.max(interval.start, start);
      if (overlap > 0) total += overlap;
    }
  }
  return total;
}

export function isWorkingTime(calendar: BusinessCalendar, at: Date): boolean {
  const instant = at.getTime();
  return dayContaining(calendar, instant).intervals.some(
    (interval) => interval.start <= instant && instant < interval.end,
  );
}
