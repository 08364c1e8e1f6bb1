import { findPhoneNumbersInText } from 'libphonenumber-js/max';

/**
 * Detection of Chinese national ID numbers and bank card numbers in free
 * text, and their masking. Pure functions: the same text always gives the
 * same answer (apart from the current year, the latest birth year an ID may
 * carry). What is masked and what is not, for clients: services/tickets/README.md
 * and services/knowledge/README.md, "Privacy: what is masked and what is not".
 */

export type SensitiveKind = 'NATIONAL_ID' | 'BANK_CARD';

export interface SensitiveNumber {
  kind: SensitiveKind;
  /** UTF-16 offsets into the original text: [start, end). */
  start: number;
  end: number;
}

export interface DetectionOptions {
  /**
   * For fields that hold a phone number (e.g. a customer's contact): keep any
   * digits libphonenumber finds *possible* as a phone number (right length for
   * its country), not only those it finds valid.
   */
  phoneField?: boolean;
}

const MIN_DIGITS = 13; // the shortest card; IDs have 15 or 18
const MAX_DIGITS = 19; // the longest card
/** At most this many separator characters between two digit groups of one number ("6228 - 4804"). */
const MAX_SEPARATOR_RUN = 3;
/** Characters around a run of digit groups searched for a phone number that holds a candidate. */
const PHONE_CONTEXT = 16;

// Space, no-break space, tab, ideographic space, hyphens and dashes, full stop, slash
// (full-width forms are folded to these by the normalisation first).
const SEPARATORS = new Set([
  ' ',
  '\u00a0',
  '\t',
  '\u3000',
  '-',
  '\u2010',
  '\u2011',
  '\u2012',
  '\u2013',
  '\u2014',
  '\u2212',
  '.',
  '/',
]);

/** First two digits of GB/T 2260 province-level codes (incl. 71 Taiwan, 81 Hong Kong, 82 Macao, 83 Taiwan residence permits). */
const PROVINCE_CODES = new Set([
  11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52, 53, 54, 61,
  62, 63, 64, 65, 71, 81, 82, 83,
]);

/**
 * Folds full-width ASCII forms (U+FF01–U+FF5E: digits, letters, `－．／`) to
 * ASCII and the ideographic space to a space. One UTF-16 unit in, one out, so
 * every offset in the normalised view is the same offset in the original.
 */
export function normaliseForDetection(text: string): string {
  if (!/[\uff01-\uff5e\u3000]/.test(text)) return text;
  return text.replace(/[\uff01-\uff5e\u3000]/g, (character) =>
    character === '\u3000' ? ' ' : String.fromCharCode(character.charCodeAt(0) - 0xfee0),
  );
}

export function passesLuhn(digits: string): boolean {
  if (!/^\d+$/.test(digits)) return false;
  let sum = 0;
  for (let index = 0; index < digits.length; index++) {
    let digit = digits.charCodeAt(digits.length - 1 - index) - 48;
    if (index % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}

function isRealDate(year: number, month: number, day: number): boolean {
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/**
 * A resident ID number as people write it, right or mistyped: 18 characters
 * (17 digits and a digit or X) or the old 15 digits, a province-level region
 * code and a real birth date (1900 to this year; 19YY for the old form). The
 * MOD 11-2 check character is deliberately not checked: a mistyped ID is
 * still someone's ID.
 */
export function isPlausibleNationalId(value: string): boolean {
  if (!/^(?:\d{17}[\dXx]|\d{15})$/.test(value)) return false;
  if (!PROVINCE_CODES.has(Number(value.slice(0, 2)))) return false;
  if (value.length === 15) {
    return isRealDate(
      1900 + Number(value.slice(6, 8)),
      Number(value.slice(8, 10)),
      Number(value.slice(10, 12)),
    );
  }
  const year = Number(value.slice(6, 10));
  return (
    year >= 1900 &&
    year <= new Date().getUTCFullYear() &&
    isRealDate(year, Number(value.slice(10, 12)), Number(value.slice(12, 14)))
  );
}

/**
 * Issuer prefixes of cards a Chinese desk sees: 2221–2720 (Mastercard),
 * 30/34–39 (Diners, Amex, JCB), 4 (Visa), 5 (Mastercard, Maestro, domestic),
 * 6 (UnionPay 62, Discover, domestic BINs such as 60xxxx), 94–99 (older
 * domestic debit cards such as 9558). Never 0/1 (phone and order numbers),
 * 7, 8 (86… is China's calling code).
 */
export function hasPlausibleIssuerPrefix(digits: string): boolean {
  const first = digits[0];
  const two = Number(digits.slice(0, 2));
  const four = Number(digits.slice(0, 4));
  if (first === '4' || first === '5' || first === '6') return true;
  if (first === '3') return two === 30 || two >= 34;
  if (first === '2') return four >= 2221 && four <= 2720;
  if (first === '9') return two >= 94;
  return false;
}

/** 13–19 digits, a plausible issuer prefix and a valid Luhn check digit. */
export function isPlausibleCardNumber(digits: string): boolean {
  return (
    digits.length >= MIN_DIGITS &&
    digits.length <= MAX_DIGITS &&
    /^\d+$/.test(digits) &&
    hasPlausibleIssuerPrefix(digits) &&
    passesLuhn(digits)
  );
}

interface DigitGroup {
  start: number;
  end: number;
  digits: string;
  /** Ends in X/x: only an ID can end with this group. */
  endsInX: boolean;
}

const isDigit = (character: string) => character >= '0' && character <= '9';
const isWordCharacter = (character: string) =>
  (character >= '0' && character <= '9') ||
  (character >= 'A' && character <= 'Z') ||
  (character >= 'a' && character <= 'z');

function onlySeparators(text: string, from: number, to: number): boolean {
  for (let index = from; index < to; index++) if (!SEPARATORS.has(text[index])) return false;
  return true;
}

/**
 * Ranges of strings that look like numbers but are identifiers: UUIDs and
 * IBAN-like account strings (two letters, two check digits, groups of four).
 */
function exemptRanges(normalised: string): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  const patterns = [
    /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi,
    /(?<![0-9A-Za-z])[A-Z]{2}\d{2}(?:[ \u00a0]?[0-9A-Z]{4}){2,7}(?:[ \u00a0]?[0-9A-Z]{1,3})?(?![0-9A-Za-z])/g,
  ];
  for (const pattern of patterns) {
    for (const match of normalised.matchAll(pattern))
      ranges.push([match.index, match.index + match[0].length]);
  }
  return ranges;
}

/**
 * Splits the normalised text into runs of digit groups: a group is a whole
 * word of digits (a last `X` allowed), never part of a word with letters
 * (order and tracking numbers such as `SF1234567890123`), and two groups
 * belong to one run when only 1–3 separators stand between them.
 */
function digitRuns(normalised: string): DigitGroup[][] {
  const exempt = exemptRanges(normalised);
  const runs: DigitGroup[][] = [];
  let current: DigitGroup[] = [];
  for (const match of normalised.matchAll(/[0-9A-Za-z]+/g)) {
    const word = match[0];
    const start = match.index;
    const index = start + word.length;
    const isGroup = /^\d+[Xx]?$/.test(word) && !exempt.some(([from, to]) => start >= from && start < to);
    const previous = current.at(-1);
    const joined =
      previous !== undefined &&
      !previous.endsInX &&
      start - previous.end <= MAX_SEPARATOR_RUN &&
      onlySeparators(normalised, previous.end, start);
    if (!isGroup || !joined) {
      if (current.length > 0) runs.push(current);
      current = [];
    }
    if (isGroup) {
      const endsInX = !isDigit(word[word.length - 1]);
      current.push({ start, end: index, digits: endsInX ? word.slice(0, -1) : word, endsInX });
    }
  }
  if (current.length > 0) runs.push(current);
  return runs;
}

/** A `+` right before `start`, across separators and an opening parenthesis. */
function precededByPlus(text: string, start: number): boolean {
  let index = start - 1;
  while (index >= 0 && start - index <= PHONE_CONTEXT && (SEPARATORS.has(text[index]) || text[index] === '('))
    index--;
  return index >= 0 && text[index] === '+';
}

function countDigits(text: string): number {
  let count = 0;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if ((code >= 48 && code <= 57) || (code >= 0xff10 && code <= 0xff19)) count++;
  }
  return count;
}

/**
 * Finds national ID and bank card numbers in `text`. Phone numbers are
 * recognised first (libphonenumber-js, China as the default region): a
 * candidate lying wholly inside a phone number is a phone number and is never
 * reported. Inside a run of digit groups, the longest span of whole groups is
 * tried first, left to right, so a card written right after another number is
 * still found.
 */
export function findSensitiveNumbers(text: string, options: DetectionOptions = {}): SensitiveNumber[] {
  if (countDigits(text) < MIN_DIGITS) return [];
  const normalised = normaliseForDetection(text);
  const found: SensitiveNumber[] = [];
  for (const run of digitRuns(normalised)) {
    // Phone numbers are looked for only around a run that holds a candidate: a window
    // of the run and 16 characters either side (for `+86 (`, `0086 `, `(010) `), widened
    // so that it never cuts a word, is enough to see any phone number the candidate is in.
    let phones: Array<{ startsAt: number; endsAt: number }> | undefined;
    const insidePhone = (start: number, end: number, first: number) => {
      // With China as the default region, a phone number long enough to hold a candidate
      // (13+ digits) is international: `+…`, or `00…`/`86…` starting at an earlier group.
      // A candidate that starts a run without a `+` before it is no phone: skip the costly search.
      if (first === 0 && !precededByPlus(normalised, start)) return false;
      if (!phones) {
        let from = Math.max(0, run[0].start - PHONE_CONTEXT);
        let to = Math.min(normalised.length, run[run.length - 1].end + PHONE_CONTEXT);
        while (from > 0 && isWordCharacter(normalised[from - 1])) from--;
        while (to < normalised.length && isWordCharacter(normalised[to])) to++;
        // `extended` accepts possible (right-length) numbers, not only valid ones.
        phones = findPhoneNumbersInText(normalised.slice(from, to), {
          defaultCountry: 'CN',
          extended: options.phoneField === true,
        }).map((phone) => ({ startsAt: phone.startsAt + from, endsAt: phone.endsAt + from }));
      }
      return phones.some((phone) => phone.startsAt <= start && end <= phone.endsAt);
    };
    for (let first = 0; first < run.length; first++) {
      // The spans starting here that are short enough; a group ending in X closes any span.
      let value = '';
      const candidates: Array<{ last: number; value: string }> = [];
      for (let last = first; last < run.length; last++) {
        value += run[last].digits + (run[last].endsInX ? 'X' : '');
        if (value.length > MAX_DIGITS) break;
        if (value.length >= MIN_DIGITS) candidates.push({ last, value });
        if (run[last].endsInX) break;
      }
      for (const { last, value: candidate } of candidates.reverse()) {
        const kind: SensitiveKind | undefined = isPlausibleNationalId(candidate)
          ? 'NATIONAL_ID'
          : isPlausibleCardNumber(candidate)
            ? 'BANK_CARD'
            : undefined;
        if (!kind) continue;
        const start = run[first].start;
        const end = run[last].end;
        if (insidePhone(start, end, first)) continue;
        found.push({ kind, start, end });
        first = last;
        break;
      }
    }
  }
  return found;
}

/** Every digit (and a final X) of each span becomes `*` except the last four; separators stay. */
function maskSpans(text: string, spans: SensitiveNumber[]): string {
  const characters = text.split('');
  const normalised = normaliseForDetection(text);
  for (const { start, end } of spans) {
    let kept = 0;
    for (let index = end - 1; index >= start; index--) {
      if (!/[0-9Xx]/.test(normalised[index])) continue;
      if (kept < 4) kept++;
      else characters[index] = '*';
    }
  }
  return characters.join('');
}

/**
 * Masks every national ID and bank card number in `text`, keeping the
 * original separators and the last four digits (`6228 4804 2837 0453` →
 * `**** **** **** 0453`). Repeats until nothing is found, so the result holds
 * no detectable number and masking it again changes nothing.
 */
export function maskSensitiveText(
  text: string,
  options: DetectionOptions = {},
): { text: string; maskedCount: number } {
  let masked = text;
  let maskedCount = 0;
  // Each pass removes at least 9 digits per number found, so this ends quickly.
  for (let pass = 0; pass < 10; pass++) {
    const spans = findSensitiveNumbers(masked, options);
    if (spans.length === 0) break;
    masked = maskSpans(masked, spans);
    maskedCount += spans.length;
  }
  return { text: masked, maskedCount };
}

/** `maskSensitiveText(text).text`, for call sites that only need the text. */
export function maskSensitive(text: string, options: DetectionOptions = {}): string {
  return maskSensitiveText(text, options).text;
}
