import type { InputProblem } from '@deskgraph/platform';
import { DateTime, IANAZone } from 'luxon';

/** A working period of one local day, 'HH:mm' (24 h); '24:00' may end a day. */
export interface WorkingShift {
  start: string;
  end: string;
}

/** A make-up workday: worked with its own shifts even if it falls on a weekend. */
export interface ExtraWorkingDay {
  date: string;
  shifts: WorkingShift[];
}

export interface BusinessCalendar {
  /** IANA time zone, e.g. Asia/Shanghai. */
  timeZone: string;
  /** ISO weekday (1 = Monday … 7 = Sunday) → shifts. */
  weekly: Partial<Record<1 | 2 | 3 | 4 | 5 | 6 | 7, WorkingShift[]>>;
  /** Local dates (YYYY-MM-DD) not worked. */
  holidays: string[];
  extraWorkingDays: ExtraWorkingDay[];
}

const TIME = /^([01]\d|2[0-3]):[0-5]\d$|^24:00$/;

export function minutesOfDay(time: string): number {
  const [hours, minutes] = time.split(':').map(Number);
  return hours * 60 + minutes;
}

function validDate(date: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(date) && DateTime.fromISO(date).isValid;
}

function shiftProblems(label: string, shifts: WorkingShift[]): string[] {
  const problems: string[] = [];
  for (const shift of shifts) {
    if (!TIME.test(shift.start) || !TIME.test(shift.end) || shift.start === '24:00') {
      problems.push(`${label}: ${shift.start}–${shift.end} must be HH:mm times (end may be 24:00)`);
    } else if (minutesOfDay(shift.end) <= minutesOfDay(shift.start)) {
      problems.push(`${label}: shift ${shift.start}–${shift.end} ends before it starts`);
    }
  }
  const sorted = [...shifts]
    .filter((shift) => TIME.test(shift.start) && TIME.test(shift.end))
    .sort((a, b) => minutesOfDay(a.start) - minutesOfDay(b.start));
  for (let index = 1; index < sorted.length; index++) {
    if (minutesOfDay(sorted[index].start) < minutesOfDay(sorted[index - 1].end)) {
      problems.push(
        `${label}: shifts ${sorted[index - 1].start}–${sorted[index - 1].end} and ${sorted[index].start}–${sorted[index].end} overlap`,
      );
    }
  }
  return problems;
}

/** Every problem of a calendar, with the input field it is about; [] when it is valid. */
export function validateCalendar(calendar: BusinessCalendar): InputProblem[] {
  const problems: InputProblem[] = [];
  const add = (field: string, message: string) => problems.push({ field, message });
  if (!IANAZone.isValidZone(calendar.timeZone)) add('timeZone', `unknown time zone "${calendar.timeZone}"`);
  for (const [weekday, shifts] of Object.entries(calendar.weekly ?? {})) {
    if (!/^[1-7]$/.test(weekday)) add('weekly', `weekday ${weekday} must be 1 (Monday) to 7 (Sunday)`);
    for (const message of shiftProblems(`weekday ${weekday}`, shifts ?? [])) add('weekly', message);
  }
  for (const holiday of calendar.holidays ?? []) {
    if (!validDate(holiday)) add('holidays', `holiday "${holiday}" is not a YYYY-MM-DD date`);
  }
  for (const extra of calendar.extraWorkingDays ?? []) {
    if (!validDate(extra.date))
      add('extraWorkingDays', `extra working day "${extra.date}" is not a YYYY-MM-DD date`);
    if ((calendar.holidays ?? []).includes(extra.date)) {
      add('extraWorkingDays', `${extra.date} is both a holiday and an extra working day`);
    }
    if (!extra.shifts?.length) add('extraWorkingDays', `extra working day ${extra.date} has no shifts`);
    for (const message of shiftProblems(`extra working day ${extra.date}`, extra.shifts ?? [])) {
      add('extraWorkingDays', message);
    }
  }
  const hasWork =
    Object.values(calendar.weekly ?? {}).some((shifts) => (shifts ?? []).length > 0) ||
    (calendar.extraWorkingDays ?? []).length > 0;
  if (!hasWork) add('weekly', 'the calendar has no working time at all');
  return problems;
}

/** A calendar as a client sends it: shifts listed per weekday. */
export interface CalendarInput {
  timeZone: string;
  weekly: { weekday: number; shifts: WorkingShift[] }[];
  holidays: string[];
  extraWorkingDays: ExtraWorkingDay[];
}

/** Builds a calendar from its input shape; a weekday or date given twice is a problem, not an overwrite. */
export function calendarFromInput(input: CalendarInput): {
  calendar: BusinessCalendar;
  problems: InputProblem[];
} {
  const problems: InputProblem[] = [];
  const weekly: BusinessCalendar['weekly'] = {};
  for (const day of input.weekly) {
    const weekday = day.weekday as keyof BusinessCalendar['weekly'];
    if (weekly[weekday])
      problems.push({ field: 'weekly', message: `weekday ${day.weekday} is listed more than once` });
    weekly[weekday] = [...(weekly[weekday] ?? []), ...day.shifts];
  }
  const seen = new Set<string>();
  for (const extra of input.extraWorkingDays) {
    if (seen.has(extra.date)) {
      problems.push({
        field: 'extraWorkingDays',
        message: `extra working day ${extra.date} is listed more than once`,
      });
    }
    seen.add(extra.date);
  }
  return {
    calendar: {
      timeZone: input.timeZone,
      weekly,
      holidays: [...new Set(input.holidays)],
      extraWorkingDays: input.extraWorkingDays,
    },
    problems,
  };
}

const WEEKDAY_SHIFTS: WorkingShift[] = [
  { start: '09:00', end: '12:00' },
  { start: '13:30', end: '18:00' },
];

/** Asia/Shanghai, Monday to Friday 09:00–12:00 and 13:30–18:00: the handbook's default. */
export function shanghaiStandardCalendar(): BusinessCalendar {
  return {
    timeZone: 'Asia/Shanghai',
    weekly: { 1: WEEKDAY_SHIFTS, 2: WEEKDAY_SHIFTS, 3: WEEKDAY_SHIFTS, 4: WEEKDAY_SHIFTS, 5: WEEKDAY_SHIFTS },
    holidays: [],
    extraWorkingDays: [],
  };
}
