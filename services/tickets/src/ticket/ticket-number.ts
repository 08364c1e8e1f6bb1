const MONTH_KEY = /^(\d{4})(0[1-9]|1[0-2])$/;

// Building an Intl.DateTimeFormat costs far more than formatting with one (it was an eighth of
// the tickets process's CPU in the intake storm), so one is kept per time zone.
const monthFormats = new Map<string, Intl.DateTimeFormat>();

function formatMonthKey(at: Date, timeZone: string): string {
  let format = monthFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit' });
    monthFormats.set(timeZone, format);
  }
  const parts = format.formatToParts(at);
  const year = parts.find((part) => part.type === 'year')!.value;
  const month = parts.find((part) => part.type === 'month')!.value;
  return `${year}${month}`;
}

// formatToParts itself still cost ~2 % of the tickets process (three calls per creation), so
// the key is remembered per UTC quarter hour: zones change offset on quarter hours, so one
// offset holds through a bucket; a bucket whose ends fall in different months is not cached.
const BUCKET_MS = 15 * 60_000;
const bucketKeys = new Map<string, string>();

/** 'YYYYMM' of an instant in the desk's time zone: numbers follow the desk's calendar month. */
export function ticketMonthKey(at: Date, timeZone: string): string {
  const start = Math.floor(at.getTime() / BUCKET_MS) * BUCKET_MS;
  if (Number.isNaN(start)) return formatMonthKey(at, timeZone);
  const cacheKey = `${timeZone} ${start}`;
  const cached = bucketKeys.get(cacheKey);
  if (cached) return cached;
  const key = formatMonthKey(new Date(start), timeZone);
  if (formatMonthKey(new Date(start + BUCKET_MS - 1), timeZone) !== key) return formatMonthKey(at, timeZone);
  if (bucketKeys.size >= 1_000) bucketKeys.clear();
  bucketKeys.set(cacheKey, key);
  return key;
}

/** `YYYYMM-NNN`: at least three digits, growing past 999 rather than wrapping. */
export function formatTicketNumber(monthKey: string, sequence: number): string {
  if (!MONTH_KEY.test(monthKey)) throw new RangeError(`"${monthKey}" is not a YYYYMM month key`);
  if (!Number.isInteger(sequence) || sequence < 1)
    throw new RangeError(`sequence must be a positive integer`);
  return `${monthKey}-${String(sequence).padStart(3, '0')}`;
}

export function parseTicketNumber(value: string): { monthKey: string; sequence: number } | null {
  const match = /^(\d{6})-(\d{3,})$/.exec(value);
  if (!match || !MONTH_KEY.test(match[1])) return null;
  const sequence = Number(match[2]);
  // '0001' would alias '001'; only the canonical form is a ticket number.
  if (sequence < 1 || formatTicketNumber(match[1], sequence) !== value) return null;
  return { monthKey: match[1], sequence };
}
