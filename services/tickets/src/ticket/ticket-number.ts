const MONTH_KEY = /^(\d{4})(0[1-9]|1[0-2])$/;

/** 'YYYYMM' of an instant in the desk's time zone: numbers follow the desk's calendar month. */
export function ticketMonthKey(at: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
  }).formatToParts(at);
  const year = parts.find((part) => part.type === 'year')!.value;
  const month = parts.find((part) => part.type === 'month')!.value;
  return `${year}${month}`;
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
