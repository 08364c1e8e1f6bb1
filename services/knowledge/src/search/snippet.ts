import { bigramsOfRun } from './text-analysis';

/** ts_headline is asked to wrap matches in these; stored text never contains them (input strips controls). */
export const MARK_START = '\u0002';
export const MARK_END = '\u0003';
const SNIPPET_LENGTH = 160;

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

function markTerms(escaped: string, terms: string[]): string {
  // CJK terms contain no HTML-special characters, so marking inside escaped text is safe.
  const unique = [...new Set(terms)].sort((a, b) => b.length - a.length);
  if (unique.length === 0) return escaped;
  const pattern = new RegExp(
    unique.map((term) => term.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'),
    'gu',
  );
  // Leave text already inside an English <mark> alone.
  return escaped
    .split(/(<mark>[^<]*<\/mark>)/)
    .map((part) => (part.startsWith('<mark>') ? part : part.replace(pattern, '<mark>$&</mark>')))
    .join('');
}

/** The CJK strings to highlight: each run if it occurs as typed, else its bigrams. */
function visibleCjkTerms(text: string, cjkTerms: string[]): string[] {
  return cjkTerms.flatMap((term) =>
    text.includes(term) ? [term] : bigramsOfRun(term).filter((gram) => text.includes(gram)),
  );
}

/**
 * An HTML-safe snippet: everything is escaped, then only `<mark>` is added.
 * `headline` is ts_headline's output for the English part (matches wrapped in
 * MARK_START/MARK_END); CJK matches are found here since PostgreSQL indexes
 * them as bigrams it cannot point back to.
 */
export function buildSnippet(input: { headline: string | null; text: string; cjkTerms: string[] }): string {
  const cjk = visibleCjkTerms(input.text, input.cjkTerms);
  if (input.headline && input.headline.includes(MARK_START)) {
    const escaped = escapeHtml(input.headline)
      .split(MARK_START)
      .join('<mark>')
      .split(MARK_END)
      .join('</mark>');
    return markTerms(escaped, cjk);
  }
  const characters = Array.from(input.text.replace(/\s+/g, ' ').trim());
  let start = 0;
  if (cjk.length > 0) {
    const flat = characters.join('');
    const at = Math.min(...cjk.map((term) => flat.indexOf(term)).filter((index) => index >= 0));
    start = Math.max(0, Array.from(flat.slice(0, at)).length - 40);
  }
  const window = characters.slice(start, start + SNIPPET_LENGTH).join('');
  const prefix = start > 0 ? '…' : '';
  const suffix = start + SNIPPET_LENGTH < characters.length ? '…' : '';
  return `${prefix}${markTerms(escapeHtml(window), cjk)}${suffix}`;
}
