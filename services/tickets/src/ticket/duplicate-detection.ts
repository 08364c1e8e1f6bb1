/** Character bigrams: work for Chinese (no spaces) and English alike. */
function bigrams(text: string): Set<string> {
  const normalized = text
    .toLowerCase()
    .replace(/[\s\p{P}]+/gu, ' ')
    .trim();
  const grams = new Set<string>();
  for (let index = 0; index < normalized.length - 1; index++) grams.add(normalized.slice(index, index + 2));
  if (grams.size === 0 && normalized) grams.add(normalized);
  return grams;
}

/** Dice coefficient of the two titles' bigrams, 0 (nothing shared) to 1 (same). */
export function titleSimilarity(a: string, b: string): number {
  const left = bigrams(a);
  const right = bigrams(b);
  if (left.size === 0 || right.size === 0) return 0;
  let shared = 0;
  for (const gram of left) if (right.has(gram)) shared++;
  return (2 * shared) / (left.size + right.size);
}

export const DUPLICATE_SIMILARITY = 0.6;

/** The most similar open ticket of the same customer, if similar enough to flag. */
export function findLikelyDuplicate<T extends { id: string; title: string }>(
  title: string,
  candidates: T[],
): T | null {
  let best: { candidate: T; score: number } | null = null;
  for (const candidate of candidates) {
    const score = titleSimilarity(title, candidate.title);
    if (score >= DUPLICATE_SIMILARITY && (!best || score > best.score)) best = { candidate, score };
  }
  return best?.candidate ?? null;
}
