// One analysis for every text the knowledge base searches: article fields when
// they are indexed, a user's query, a ticket's text for suggestions and the
// recorded misses behind content gaps. If two of these analysed text
// differently, a word could be indexed one way and looked up another.
//
// PostgreSQL's parser sees letters of every script as one word, so
// `您的iPhone订单` would be a single token and `iphone` never found. Here
// text is folded first (NFKC turns `ｉＰｈｏｎｅ` into `iPhone` and `１２３` into
// `123`; then lower case) and cut at every boundary between scripts:
// - Han, kana and Hangul runs have no spaces between words, so they become
//   overlapping bigrams (indexed with the `simple` configuration), which
//   makes any two or more consecutive characters findable;
// - Latin (and other alphabetic) words and digit runs are separated from
//   each other and from CJK, and left to the `english` configuration, which
//   stems words (`refunding` → `refund`) and keeps numbers as they are.

const CJK_CLASS = '\\p{Script=Han}\\p{Script=Hiragana}\\p{Script=Katakana}\\p{Script=Hangul}\\u30FC';
const CJK_RUN = new RegExp(`[${CJK_CLASS}]+`, 'gu');
const CJK_CHARACTER = new RegExp(`[${CJK_CLASS}]`, 'u');
// Between a letter and a digit, in either order (CJK is already gone by then).
const LETTER_DIGIT_BOUNDARY = /(?<=[\p{L}\p{M}])(?=\p{Nd})|(?<=\p{Nd})(?=[\p{L}\p{M}])/gu;
const WORD_OR_NUMBER = /[\p{L}\p{M}]+|\p{Nd}+/gu;

export interface AnalyzedText {
  /**
   * The folded text without CJK, a space at every letter/digit boundary and
   * whitespace collapsed: the input of to_tsvector('english', …) and of
   * websearch_to_tsquery('english', …), whose quotes, `or` and `-word` it keeps.
   */
  words: string;
  /** The folded CJK runs, in order. */
  cjkRuns: string[];
  /** Overlapping bigrams of every CJK run (a one-character run is its own gram). */
  cjkGrams: string[];
}

/** NFKC (full-width and other compatibility forms to their plain form), then lower case. */
export function foldText(text: string): string {
  return text.normalize('NFKC').toLowerCase();
}

export function analyzeText(text: string): AnalyzedText {
  const folded = foldText(text);
  const cjkRuns = folded.match(CJK_RUN) ?? [];
  const words = folded.replace(CJK_RUN, ' ').replace(LETTER_DIGIT_BOUNDARY, ' ').replace(/\s+/g, ' ').trim();
  return { words, cjkRuns, cjkGrams: cjkRuns.flatMap(bigramsOfRun) };
}

/** The alphabetic words and digit runs of analysed text, each on its own (no punctuation). */
export function wordTokens(analyzed: AnalyzedText): string[] {
  return analyzed.words.match(WORD_OR_NUMBER) ?? [];
}

/** Overlapping two-character grams of one run; a one-character run is its own gram. */
export function bigramsOfRun(run: string): string[] {
  const characters = Array.from(run);
  if (characters.length === 1) return characters;
  const grams: string[] = [];
  for (let index = 0; index < characters.length - 1; index++) {
    grams.push(characters[index] + characters[index + 1]);
  }
  return grams;
}

export function containsCjk(text: string): boolean {
  return CJK_CHARACTER.test(text);
}

/** The derived columns an article's `search_vector` and `head_vector` are generated from (see the migrations). */
export interface ArticleSearchColumns {
  /** english, weight A */
  titleWords: string;
  /** simple, weight A */
  titleNgrams: string;
  /** english, weight B: summary and tags */
  summaryWords: string;
  /** simple, weight B: summary and tags */
  summaryNgrams: string;
  /** english, weight C */
  bodyWords: string;
  /** simple, weight C */
  bodyNgrams: string;
}

export function articleSearchColumns(article: {
  title: string;
  summary: string;
  body: string;
  tags: string[];
}): ArticleSearchColumns {
  const title = analyzeText(article.title);
  const summary = analyzeText(`${article.summary} ${article.tags.join(' ')}`);
  const body = analyzeText(article.body);
  return {
    titleWords: title.words,
    titleNgrams: title.cjkGrams.join(' '),
    summaryWords: summary.words,
    summaryNgrams: summary.cjkGrams.join(' '),
    bodyWords: body.words,
    bodyNgrams: body.cjkGrams.join(' '),
  };
}
