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

/** What a tsquery (in PostgreSQL's text form) asks for, as far as choosing candidates goes. */
export interface QueryTerms {
  /** Every lexeme the query names (prefixes included). */
  lexemes: string[];
  /** Lexemes every matching article must hold; empty when no single lexeme is required (OR, NOT, prefixes only). */
  required: string[];
  /** Only plain lexemes joined by `&`: an article matches exactly when it holds all of them. */
  conjunction: boolean;
}

/**
 * Reads `tsquery::text` ('a' & ( 'b' | !'c' ), 'x' <-> 'y', 'p':*, 'w':AB).
 * Precedence as PostgreSQL's: `!`, then `<->`/`<N>`, then `&`, then `|`.
 */
export function queryTerms(text: string): QueryTerms {
  const tokens: ({ lexeme: string; prefix: boolean; weighted: boolean } | string)[] = [];
  for (let index = 0; index < text.length;) {
    const character = text[index];
    if (/\s/.test(character)) {
      index++;
    } else if (character === "'") {
      let lexeme = '';
      for (index++; index < text.length; index++) {
        if (text[index] === '\\') lexeme += text[++index];
        else if (text[index] === "'" && text[index + 1] === "'") lexeme += text[index++];
        else if (text[index] === "'") break;
        else lexeme += text[index];
      }
      index++;
      const flags = /^:[*A-D]+/.exec(text.slice(index))?.[0] ?? '';
      index += flags.length;
      tokens.push({ lexeme, prefix: flags.includes('*'), weighted: /[A-D]/.test(flags) });
    } else if (character === '<') {
      const end = text.indexOf('>', index);
      tokens.push('<>');
      index = end + 1;
    } else {
      tokens.push(character);
      index++;
    }
  }
  let position = 0;
  let conjunction = true;
  const lexemes = new Set<string>();
  const or = (): Set<string> => {
    let required = and();
    while (tokens[position] === '|') {
      position++;
      conjunction = false;
      const right = and();
      required = new Set([...required].filter((lexeme) => right.has(lexeme)));
    }
    return required;
  };
  const and = (): Set<string> => {
    const required = phrase();
    while (tokens[position] === '&') {
      position++;
      for (const lexeme of phrase()) required.add(lexeme);
    }
    return required;
  };
  const phrase = (): Set<string> => {
    const required = unary();
    while (tokens[position] === '<>') {
      position++;
      conjunction = false;
      for (const lexeme of unary()) required.add(lexeme);
    }
    return required;
  };
  const unary = (): Set<string> => {
    const token = tokens[position++];
    if (token === '!') {
      conjunction = false;
      unary();
      return new Set();
    }
    if (token === '(') {
      const required = or();
      position++; // ')'
      return required;
    }
    if (token === undefined || typeof token === 'string') return new Set();
    lexemes.add(token.lexeme);
    // A prefix also matches longer lexemes; a weight restricts which fields count.
    if (token.prefix || token.weighted) conjunction = false;
    return token.prefix ? new Set() : new Set([token.lexeme]);
  };
  const required = tokens.length > 0 ? or() : new Set<string>();
  return { lexemes: [...lexemes], required: [...required], conjunction: conjunction && lexemes.size > 0 };
}
