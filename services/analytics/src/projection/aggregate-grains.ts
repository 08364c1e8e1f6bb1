/**
 * The grains the aggregates are kept at (issue #14). The appliers write every
 * counter and histogram delta four times: per desk day and per calendar month
 * of creation, each per current queue and desk-wide. A month row is the sum
 * of its day rows, a desk-wide row the sum of its queues' rows, so a query
 * reads the coarsest grain that answers its period and filter: a year is 12
 * month rows (plus the days of partial months at its ends) instead of 365
 * day rows, and an unfiltered figure reads no queue rows. Rows read then
 * grow with the distinct keys and buckets of a span, which saturate, not
 * with the tickets.
 */
export interface Grain {
  /** Table names: `agg_counters${suffix}`, `agg_histograms${suffix}`. */
  suffix: '' | '_month' | '_desk' | '_desk_month' | '_dim' | '_dim_month';
  /** Rows per calendar month (column `day` holds its first day) instead of per day. */
  month: boolean;
  /** Rows per queue (column `queue_id`); desk-wide tables have no queue column. */
  queue: boolean;
  /** Rows per ticket dimension and value (columns `dimension`, `value`; see DIMENSIONS). */
  dimension?: boolean;
}

export const DAY_QUEUE: Grain = { suffix: '', month: false, queue: true };
export const MONTH_QUEUE: Grain = { suffix: '_month', month: true, queue: true };
export const DAY_DESK: Grain = { suffix: '_desk', month: false, queue: false };
export const MONTH_DESK: Grain = { suffix: '_desk_month', month: true, queue: false };
/** The base grain first: the others are its sums. */
export const GRAINS: Grain[] = [DAY_QUEUE, MONTH_QUEUE, DAY_DESK, MONTH_DESK];
export const ROLLUPS: Grain[] = GRAINS.filter((grain) => grain !== DAY_QUEUE);

/**
 * Single-dimension grains: desk-wide sums per day / month of creation and
 * per value of one classification dimension, so a filter on one of them over
 * a long period reads month rows too. Priority, channel and type: the filters
 * whose values the event contract fixes (a handful each, so the rows stay few:
 * values × figures × keys); categories and customer types are free text and
 * agents are many and not one per ticket, so those filters stay with the rows.
 * Every ticket counts once under each dimension (its value, '' when unknown).
 * Only the figures of the byQueue breakdowns (`keepsQueue`) keep their queue,
 * so a desk-wide figure filtered by a dimension has its per-queue volume and
 * breaches; the rest are written with queue '' (a dimension with a queue
 * filter is not answered here).
 */
export const DAY_DIMENSION: Grain = { suffix: '_dim', month: false, queue: true, dimension: true };
export const MONTH_DIMENSION: Grain = { suffix: '_dim_month', month: true, queue: true, dimension: true };
export const DIMENSION_GRAINS: Grain[] = [DAY_DIMENSION, MONTH_DIMENSION];
export const DIMENSIONS = ['priority', 'channel', 'type'] as const;
export type Dimension = (typeof DIMENSIONS)[number];

/** Figures kept per queue in the dimension grains: those byQueue breakdowns show (aggregate-queries.ts). */
export function keepsQueue(figure: string, key: string): boolean {
  return (figure === 'vol' && key === '') || figure === 'sla.BREACHED';
}

export type AggregateKind = 'counters' | 'histograms';

export function aggregateTable(kind: AggregateKind, grain: Grain): string {
  return `agg_${kind}${grain.suffix}`;
}

/** The key columns of a grain's table, in primary-key order, with their SQL types. */
export function keyColumns(kind: AggregateKind, grain: Grain): [string, string][] {
  return [
    ['day', 'date'],
    ...(grain.dimension
      ? [['dimension', 'text'] as [string, string], ['value', 'text'] as [string, string]]
      : []),
    ...(grain.queue ? [['queue_id', 'text'] as [string, string]] : []),
    ['figure', 'text'],
    ['key', 'text'],
    ...(kind === 'histograms' ? [['bucket', 'int'] as [string, string]] : []),
  ];
}

/** The first day (YYYY-MM-DD) of the grain's span holding a desk day. */
export function spanStart(day: string, grain: Grain): string {
  return grain.month ? `${day.slice(0, 8)}01` : day;
}

/** Every aggregate table with its key columns (comma-separated): what a rebuild or backfill must reproduce. */
export function aggregateTables(): [string, string][] {
  return [
    ...[...GRAINS, ...DIMENSION_GRAINS].flatMap((grain) =>
      (['counters', 'histograms'] as const).map((kind): [string, string] => [
        aggregateTable(kind, grain),
        keyColumns(kind, grain)
          .map(([column]) => column)
          .join(', '),
      ]),
    ),
    ['agg_backlog', 'queue_id, age_day, change_day'],
  ];
}
