const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK_CHARS = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];

/** GB 11643 resident ID: 17 digits, a MOD 11-2 check character and a real birth date. */
export function isValidMainlandId(id: string): boolean {
  if (!/^\d{17}[\dXx]$/.test(id)) return false;
  const sum = ID_WEIGHTS.reduce((total, weight, index) => total + weight * Number(id[index]), 0);
  if (ID_CHECK_CHARS[sum % 11] !== id[17].toUpperCase()) return false;
  const year = Number(id.slice(6, 10));
  const month = Number(id.slice(10, 12));
  const day = Number(id.slice(12, 14));
  const birth = new Date(Date.UTC(year, month - 1, day));
  return (
    year >= 1900 &&
    year <= new Date().getUTCFullYear() &&
    birth.getUTCFullYear() === year &&
    birth.getUTCMonth() === month - 1 &&
    birth.getUTCDate() === day
  );
}

export function passesLuhn(digits: string): boolean {
  if (!/^\d+$/.test(digits)) return false;
  let sum = 0;
  for (let index = 0; index < digits.length; index++) {
    let digit = Number(digits[digits.length - 1 - index]);
    if (index % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}

/** Keeps the last four characters and separators; every other digit becomes '*'. */
function maskKeepingLastFour(value: string): string {
  let kept = 0;
  const characters = [...value];
  for (let index = characters.length - 1; index >= 0; index--) {
    if (!/[\dXx]/.test(characters[index])) continue;
    if (kept < 4) kept++;
    else characters[index] = '*';
  }
  return characters.join('');
}

// Not preceded/followed by another digit, so parts of longer numbers never match.
const ID_PATTERN = /(?<!\d)\d{17}[\dXx](?![\dXx])/g;
// A maximal run of digit groups joined by single spaces or hyphens.
const DIGIT_RUN = /\d+(?:[ -]\d+)*/g;

/**
 * Masks card numbers inside one run of digit groups: the longest span of
 * whole groups holding 13–19 digits that passes Luhn, scanning left to right,
 * so a card written next to another number ("13800138000 4111 …") is found.
 */
function maskCardsInRun(run: string): { text: string; count: number } {
  const groups = run.split(/([ -])/);
  const digitGroups = groups.filter((_, index) => index % 2 === 0);
  const masked = [...digitGroups];
  let count = 0;
  for (let start = 0; start < digitGroups.length; start++) {
    for (let end = digitGroups.length; end > start; end--) {
      const digits = digitGroups.slice(start, end).join('');
      if (digits.length < 13 || digits.length > 19 || !passesLuhn(digits)) continue;
      const span = maskKeepingLastFour(digitGroups.slice(start, end).join('\u0000')).split('\u0000');
      span.forEach((group, offset) => (masked[start + offset] = group));
      count++;
      start = end - 1;
      break;
    }
  }
  return { text: groups.map((part, index) => (index % 2 === 0 ? masked[index / 2] : part)).join(''), count };
}

/**
 * Masks national ID and bank card numbers in free text before it is stored
 * or emitted. Digit runs that fail the checksums (phone or order numbers)
 * are left alone.
 */
export function maskSensitiveText(text: string): { text: string; maskedCount: number } {
  let maskedCount = 0;
  const withoutIds = text.replace(ID_PATTERN, (match) => {
    if (!isValidMainlandId(match)) return match;
    maskedCount++;
    return maskKeepingLastFour(match);
  });
  // Repeat until nothing changes: masking one span can leave the rest of a run
  // looking like another card; when in doubt, privacy wins over readability.
  let masked = withoutIds;
  for (let pass = 0; pass < 10; pass++) {
    let found = 0;
    masked = masked.replace(DIGIT_RUN, (run) => {
      const { text: result, count } = maskCardsInRun(run);
      found += count;
      return result;
    });
    maskedCount += found;
    if (found === 0) break;
  }
  return { text: masked, maskedCount };
}
