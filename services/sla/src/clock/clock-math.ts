import type { BusinessCalendar } from '../calendar/business-calendar';
import { addBusinessTime, businessTimeBetween } from '../calendar/business-time';

/** A pause of the clock; `to` null while still paused. */
export interface PausePeriod {
  from: Date;
  to: Date | null;
}

export interface ClockInput {
  /** null: the target counts clock time, 24×7. */
  calendar: BusinessCalendar | null;
  startedAt: Date;
  targetMs: number;
  pauses: PausePeriod[];
}

function counted(calendar: BusinessCalendar | null, from: Date, to: Date): number {
  if (to <= from) return 0;
  return calendar ? businessTimeBetween(calendar, from, to) : to.getTime() - from.getTime();
}

function advance(calendar: BusinessCalendar | null, from: Date, durationMs: number): Date {
  return calendar ? addBusinessTime(calendar, from, durationMs) : new Date(from.getTime() + durationMs);
}

/** Sorted, merged pauses clipped to the clock's start; an open pause stays last. */
export function normalizePauses(pauses: PausePeriod[], startedAt: Date): PausePeriod[] {
  const sorted = pauses
    .map((pause) => ({ from: pause.from < startedAt ? startedAt : pause.from, to: pause.to }))
    .filter((pause) => pause.to === null || pause.to > pause.from)
    .sort((a, b) => a.from.getTime() - b.from.getTime());
  const merged: PausePeriod[] = [];
  for (const pause of sorted) {
    const last = merged.at(-1);
    if (last && (last.to === null || pause.from <= last.to)) {
      last.to = last.to === null || pause.to === null ? null : pause.to > last.to ? pause.to : last.to;
    } else {
      merged.push({ ...pause });
    }
  }
  return merged;
}

/** Counted time from the start to `now`, paused periods excluded. */
export function elapsedMs(input: ClockInput, now: Date): number {
  let total = 0;
  let cursor = input.startedAt;
  for (const pause of normalizePauses(input.pauses, input.startedAt)) {
    if (pause.from >= now) break;
    total += counted(input.calendar, cursor, pause.from);
    if (pause.to === null || pause.to >= now) return total;
    cursor = pause.to;
  }
  return total + counted(input.calendar, cursor, now);
}

/** When `shareOfTarget` of the target will have elapsed; null while paused. */
function instantOfElapsed(input: ClockInput, durationMs: number): Date | null {
  let remaining = durationMs;
  let cursor = input.startedAt;
  for (const pause of normalizePauses(input.pauses, input.startedAt)) {
    const worked = counted(input.calendar, cursor, pause.from);
    if (worked >= remaining) return advance(input.calendar, cursor, remaining);
    remaining -= worked;
    if (pause.to === null) return null;
    cursor = pause.to;
  }
  return advance(input.calendar, cursor, remaining);
}

/** The due time given the pauses so far; null while paused (the clock is not running). */
export function dueAt(input: ClockInput): Date | null {
  return instantOfElapsed(input, input.targetMs);
}

/** When `share` (0–1] of the target will have elapsed: the warning time. */
export function warningAt(input: ClockInput, share: number): Date | null {
  return instantOfElapsed(input, Math.round(input.targetMs * share));
}

/** Target minus elapsed; negative when overdue. */
export function remainingMs(input: ClockInput, now: Date): number {
  return input.targetMs - elapsedMs(input, now);
}
