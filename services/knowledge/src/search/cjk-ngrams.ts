// Han, kana and Hangul have no spaces between words, so PostgreSQL's parser
// sees a whole sentence as one token. Overlapping bigrams make any two or
// more consecutive characters findable inside it.
const CJK_RUN = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]+/gu;

export function cjkRuns(text: string): string[] {
  return text.match(CJK_RUN) ?? [];
}

export function containsCjk(text: string): boolean {
  return cjkRuns(text).length > 0;
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

/** The text PostgreSQL indexes with the `simple` configuration next to the English vector. */
export function cjkNgramText(text: string): string {
  return cjkRuns(text).flatMap(bigramsOfRun).join(' ');
}

/** Removes CJK runs, leaving what the English configuration should parse. */
export function withoutCjk(text: string): string {
  return text.replace(CJK_RUN, ' ');
}
