import { analyzeText, bigramsOfRun, foldText } from './text-analysis';

/** totalCountCap: matches are counted exactly up to this many, then reported as capped. */
export const SEARCH_LIMITS = { queryLength: 200, pageSize: 50, totalCountCap: 1_000 };

/** A user's query split into what each text-search configuration understands. */
export interface ParsedSearchQuery {
  /** Input for websearch_to_tsquery('english', …): stems, quotes, OR and -negation (analysed, see text-analysis.ts). */
  englishText: string | null;
  /** Input for to_tsquery('simple', …): every bigram of every CJK run must match. */
  cjkTsQuery: string | null;
  /** The CJK runs (folded), for highlighting. */
  cjkTerms: string[];
  /** Folded, whitespace-collapsed query used to count zero-result searches. */
  normalized: string;
}

export function normalizeQuery(raw: string): string {
  return foldText(raw).trim().replace(/\s+/g, ' ');
}

/** A mixed query such as `iPhone订单` means all of its parts: `iphone` and `订单`. */
export function parseSearchQuery(raw: string): ParsedSearchQuery {
  const analyzed = analyzeText(raw);
  const cjkTerms = analyzed.cjkRuns;
  const english = analyzed.words;
  const cjkParts = cjkTerms.map((run) => {
    const grams = bigramsOfRun(run);
    // One character: any gram starting with it (it may sit at the start of a longer run).
    if (Array.from(run).length === 1) return `( ${run} | ${run}:* )`;
    return `( ${grams.join(' & ')} )`;
  });
  return {
    englishText: /[\p{L}\p{N}]/u.test(english) ? english : null,
    cjkTsQuery: cjkParts.length > 0 ? cjkParts.join(' & ') : null,
    cjkTerms,
    normalized: normalizeQuery(raw),
  };
}

/**
 * SQL for the combined tsquery, with `$n` placeholders starting at `firstParameter`.
 * Returns null when nothing in the query is searchable (punctuation only).
 */
export function tsQuerySql(
  query: Pick<ParsedSearchQuery, 'englishText' | 'cjkTsQuery'>,
  firstParameter: number,
): { sql: string; parameters: string[] } | null {
  const parts: string[] = [];
  const parameters: string[] = [];
  if (query.englishText) {
    parameters.push(query.englishText);
    parts.push(`websearch_to_tsquery('english', $${firstParameter + parameters.length - 1})`);
  }
  if (query.cjkTsQuery) {
    parameters.push(query.cjkTsQuery);
    parts.push(`to_tsquery('simple', $${firstParameter + parameters.length - 1})`);
  }
  if (parts.length === 0) return null;
  return { sql: `(${parts.join(' && ')})`, parameters };
}

/** Relay cursor over (score, id): stable while the ranking inputs do not change. */
export function encodeCursor(score: string, id: string): string {
  return Buffer.from(JSON.stringify([score, id])).toString('base64url');
}

export function decodeCursor(cursor: string): { score: string; id: string } | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      typeof value[0] === 'string' &&
      /^-?[0-9]+(\.[0-9]+)?$/.test(value[0]) &&
      typeof value[1] === 'string' &&
      /^[0-9a-f-]{36}$/i.test(value[1])
    ) {
      return { score: value[0], id: value[1] };
    }
    return null;
  } catch {
    return null;
  }
}
