/** Pure arithmetic behind every figure: no database, no clock. */

export interface MetricBucket {
  key: string;
  count: number;
  ticketIds: string[];
}

export interface MetricRate {
  numerator: number;
  denominator: number;
  value: number | null;
  ticketIds: string[];
  baseTicketIds: string[];
}

export interface DurationStats {
  count: number;
  meanMs: number | null;
  medianMs: number | null;
  p90Ms: number | null;
  ticketIds: string[];
}

export interface DurationSample {
  ticketId: string;
  ms: number;
}

/**
 * Quantile with linear interpolation between closest ranks, as PostgreSQL's
 * percentile_cont: the median of [1, 2, 3, 4] is 2.5, its p90 is 3.7.
 */
export function quantile(values: number[], q: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const position = (sorted.length - 1) * q;
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  return sorted[lower] + (sorted[upper] - sorted[lower]) * (position - lower);
}

export function mean(values: number[]): number | null {
  if (values.length === 0) return null;
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}

export function durationStats(samples: DurationSample[]): DurationStats {
  const values = samples.map((sample) => sample.ms);
  return {
    count: samples.length,
    meanMs: mean(values),
    medianMs: quantile(values, 0.5),
    p90Ms: quantile(values, 0.9),
    ticketIds: uniqueSorted(samples.map((sample) => sample.ticketId)),
  };
}

/** A ratio; null when nothing was counted in the denominator (no 0 % for "no data"). */
export function ratio(numerator: number, denominator: number): number | null {
  return denominator === 0 ? null : numerator / denominator;
}

export function rate(
  numerator: number,
  denominator: number,
  ticketIds: string[],
  baseTicketIds: string[],
): MetricRate {
  return {
    numerator,
    denominator,
    value: ratio(numerator, denominator),
    ticketIds: uniqueSorted(ticketIds),
    baseTicketIds: uniqueSorted(baseTicketIds),
  };
}

/** Counts tickets per key; busiest first, then by key, so output is stable across rebuilds. */
export function bucketsBy<T>(
  items: T[],
  keyOf: (item: T) => string,
  ticketIdOf: (item: T) => string,
): MetricBucket[] {
  const groups = new Map<string, string[]>();
  for (const item of items) {
    const key = keyOf(item);
    const ids = groups.get(key) ?? [];
    ids.push(ticketIdOf(item));
    groups.set(key, ids);
  }
  return [...groups]
    .map(([key, ids]) => ({ key, count: ids.length, ticketIds: uniqueSorted(ids) }))
    .sort((a, b) => b.count - a.count || a.key.localeCompare(b.key));
}

export function uniqueSorted(ids: string[]): string[] {
  return [...new Set(ids)].sort();
}

const HOUR_MS = 3_600_000;
export const AGE_BUCKETS = ['<1d', '1-3d', '3-7d', '>7d'] as const;

export function ageBucket(ageMs: number): (typeof AGE_BUCKETS)[number] {
  if (ageMs < 24 * HOUR_MS) return '<1d';
  if (ageMs < 72 * HOUR_MS) return '1-3d';
  if (ageMs < 168 * HOUR_MS) return '3-7d';
  return '>7d';
}

const STOP_WORDS = new Set([
  'the',
  'and',
  'for',
  'with',
  'not',
  'was',
  'are',
  'but',
  'from',
  'has',
  'have',
  'this',
  'that',
  'you',
  'your',
  'our',
  'can',
  'cannot',
  'after',
  'again',
  'please',
  'about',
  'into',
  'when',
  '我的',
  '一个',
  '没有',
  '什么',
  '怎么',
  '为什么',
  '已经',
  '还是',
  '可以',
  '但是',
  '因为',
  '所以',
  '这个',
  '那个',
]);

const segmenter = new Intl.Segmenter('zh', { granularity: 'word' });

/**
 * Keywords of a ticket title: ICU word segmentation handles Chinese and
 * English alike; one-character words, numbers and stop words carry no topic.
 */
export function extractKeywords(text: string): string[] {
  const words = new Set<string>();
  for (const segment of segmenter.segment(text.toLowerCase())) {
    if (!segment.isWordLike) continue;
    const word = segment.segment.trim();
    if ([...word].length < 2 || /^\d+$/.test(word) || STOP_WORDS.has(word)) continue;
    words.add(word);
  }
  return [...words].sort();
}
