import { AnalyticsError, AnalyticsErrorCode } from '../analytics.errors';

export type PeriodKind = 'DAY' | 'WEEK' | 'MONTH' | 'CUSTOM';

export interface PeriodInput {
  kind?: PeriodKind | null;
  from?: Date | null;
  to?: Date | null;
  anchor?: Date | null;
}

/** A period resolved to instants: [from, to). */
export interface ResolvedPeriod {
  kind: PeriodKind;
  from: Date;
  to: Date;
  timeZone: string;
}

export const MAX_PERIOD_DAYS = 366;
const DAY_MS = 86_400_000;

interface LocalDate {
  year: number;
  month: number; // 1-12
  day: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

function wallClock(instant: Date, timeZone: string) {
  const parts = Object.fromEntries(
    formatterFor(timeZone)
      .formatToParts(instant)
      .map((part) => [part.type, Number(part.value)]),
  );
  return {
    year: parts.year,
    month: parts.month,
    day: parts.day,
    hour: parts.hour,
    minute: parts.minute,
    second: parts.second,
  };
}

/** Offset of the zone from UTC at an instant, in ms (Asia/Shanghai: +8 h). */
function zoneOffsetMs(instant: Date, timeZone: string): number {
  const wall = wallClock(instant, timeZone);
  const asUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
  return asUtc - Math.floor(instant.getTime() / 1000) * 1000;
}

/** The calendar date an instant falls on in the zone. */
export function localDateOf(instant: Date, timeZone: string): LocalDate {
  const { year, month, day } = wallClock(instant, timeZone);
  return { year, month, day };
}

/**
 * The instant local midnight starts a date in the zone. Day/month overflow
 * is normalised (day 0, month 13 …) by Date.UTC; the second pass settles
 * zones whose offset differs at midnight (daylight saving).
 */
export function startOfLocalDay(date: LocalDate, timeZone: string): Date {
  const wallAsUtc = Date.UTC(date.year, date.month - 1, date.day);
  let guess = wallAsUtc - zoneOffsetMs(new Date(wallAsUtc), timeZone);
  guess = wallAsUtc - zoneOffsetMs(new Date(guess), timeZone);
  return new Date(guess);
}

function periodAround(kind: Exclude<PeriodKind, 'CUSTOM'>, anchor: Date, timeZone: string) {
  const { year, month, day } = localDateOf(anchor, timeZone);
  if (kind === 'DAY') {
    return {
      from: startOfLocalDay({ year, month, day }, timeZone),
      to: startOfLocalDay({ year, month, day: day + 1 }, timeZone),
    };
  }
  if (kind === 'WEEK') {
    // ISO weeks start on Monday; getUTCDay of the local date gives its weekday.
    const weekday = new Date(Date.UTC(year, month - 1, day)).getUTCDay();
    const monday = day - ((weekday + 6) % 7);
    return {
      from: startOfLocalDay({ year, month, day: monday }, timeZone),
      to: startOfLocalDay({ year, month, day: monday + 7 }, timeZone),
    };
  }
  return {
    from: startOfLocalDay({ year, month, day: 1 }, timeZone),
    to: startOfLocalDay({ year, month: month + 1, day: 1 }, timeZone),
  };
}

function invalid(message: string): AnalyticsError {
  return new AnalyticsError(AnalyticsErrorCode.InvalidPeriod, message);
}

/**
 * Turns a period input into [from, to) instants in the desk time zone, or
 * rejects it with a message a frontend developer can act on.
 */
export function resolvePeriod(input: PeriodInput, timeZone: string, now: Date = new Date()): ResolvedPeriod {
  const kind = input.kind ?? 'CUSTOM';
  if (kind === 'CUSTOM') {
    if (!input.from || !input.to) {
      throw invalid(
        'A custom period needs both period.from and period.to (or give period.kind DAY, WEEK or MONTH).',
      );
    }
    if (input.anchor)
      throw invalid('period.anchor applies to DAY, WEEK and MONTH only, not to a custom range.');
    validateRange(input.from, input.to);
    return { kind, from: input.from, to: input.to, timeZone };
  }
  if (input.from || input.to) {
    throw invalid(
      `A ${kind} period is placed with period.anchor; period.from and period.to are for CUSTOM only.`,
    );
  }
  return { kind, ...periodAround(kind, input.anchor ?? now, timeZone), timeZone };
}

export function validateRange(from: Date, to: Date): void {
  if (to.getTime() <= from.getTime()) {
    throw invalid(
      `period.to (${to.toISOString()}) must be after period.from (${from.toISOString()}); the range looks reversed.`,
    );
  }
  if (to.getTime() - from.getTime() > MAX_PERIOD_DAYS * DAY_MS) {
    throw invalid(`A period may span at most ${MAX_PERIOD_DAYS} days; split longer ranges.`);
  }
}

/** The week before a resolved week (same local weekday and time). */
export function previousWeek(week: ResolvedPeriod): ResolvedPeriod {
  const anchor = new Date(week.from.getTime() - DAY_MS / 2);
  return { ...resolvePeriod({ kind: 'WEEK', anchor }, week.timeZone), kind: 'WEEK' };
}

/** Today in the desk time zone. */
export function today(timeZone: string, now: Date = new Date()): ResolvedPeriod {
  return resolvePeriod({ kind: 'DAY', anchor: now }, timeZone, now);
}
