import { deskDay } from '../projection/ticket-contribution';
import { AGE_BUCKETS, type MetricBucket } from './kpi-math';
import type { Counters, Quantiles, ScopeCounters } from './aggregate-metrics';
import { RESOLVED_STATUSES, type TicketMetrics } from './ticket-metrics';
import { localDateOf, startOfLocalDay } from './period';
import {
  aggregateTable,
  DAY_DESK,
  DAY_DIMENSION,
  DAY_QUEUE,
  MONTH_DIMENSION,
  MONTH_DESK,
  MONTH_QUEUE,
  type AggregateKind,
  type Dimension,
  type Grain,
} from '../projection/aggregate-grains';

/**
 * A filter on one classification dimension (any of its values), answered by
 * the single-dimension grains desk-wide: not with a queue filter, and per
 * queue only the byQueue breakdown figures.
 */
export interface DimensionFilter {
  dimension: Dimension;
  values: string[];
}

/**
 * SQL over the daily aggregates. Every statement aggregates in PostgreSQL
 * and returns a bounded number of rows (figures × keys, a few histogram
 * buckets per figure), however many tickets the period holds.
 */
export type Run = <T>(sql: string, parameters: unknown[]) => Promise<T[]>;

export interface DayRange {
  /** First desk day (YYYY-MM-DD), inclusive. */
  from: string;
  /** Day after the last, exclusive. */
  to: string;
}

/** The desk days of [from, to) when both ends are desk midnights; null otherwise. */
export function dayRange(from: Date, to: Date, timeZone: string): DayRange | null {
  const aligned = (instant: Date) =>
    startOfLocalDay(localDateOf(instant, timeZone), timeZone).getTime() === instant.getTime();
  if (!aligned(from) || !aligned(to)) return null;
  return { from: deskDay(from, timeZone), to: deskDay(to, timeZone) };
}

/**
 * The rows of one aggregate kind over whole desk days, from the coarsest
 * grains that answer (aggregate-grains.ts): month rows for the whole months
 * inside the range, day rows for the days at its ends; desk-wide tables
 * unless the caller filters or groups by queue. `where` (on figure, key) is
 * pushed into each branch. Yields `queue_id` (null desk-wide), `figure`,
 * `key`, `bucket` (histograms), `n`, `total`.
 */
function aggregateSource(
  kind: AggregateKind,
  days: DayRange,
  queueIds: string[] | null,
  byQueue: boolean,
  parameters: unknown[],
  where = 'true',
  dimension: DimensionFilter | null = null,
): string {
  const perQueue = byQueue || queueIds !== null;
  if (dimension && queueIds !== null) throw new Error('a dimension grain is desk-wide: no queue filter');
  const dayGrain = dimension ? DAY_DIMENSION : perQueue ? DAY_QUEUE : DAY_DESK;
  const monthGrain = dimension ? MONTH_DIMENSION : perQueue ? MONTH_QUEUE : MONTH_DESK;
  let queues = queueCondition(queueIds, parameters);
  if (dimension) {
    parameters.push(dimension.dimension, dimension.values);
    queues = ` AND dimension = $${parameters.length - 1} AND value = ANY($${parameters.length}::text[])`;
  }
  const columns = `${perQueue ? 'queue_id' : 'NULL::text AS queue_id'}, figure, key, ${kind === 'histograms' ? 'bucket, ' : ''}n, total`;
  const branch = (grain: Grain, from: string, to: string) => {
    parameters.push(from, to);
    const range = `day >= $${parameters.length - 1}::date AND day < $${parameters.length}::date`;
    return `SELECT ${columns} FROM §.${aggregateTable(kind, grain)} WHERE ${range}${queues} AND (${where})`;
  };
  const spans = monthSpans(days);
  const branches = spans.days.map(([from, to]) => branch(dayGrain, from, to));
  if (spans.months) branches.push(branch(monthGrain, ...spans.months));
  return `(${branches.join(' UNION ALL ')})`;
}

/** [from, to) split into whole calendar months (if any) and the days left at either end. */
export function monthSpans(days: DayRange): { days: [string, string][]; months: [string, string] | null } {
  const firstWhole = days.from.endsWith('-01') ? days.from : nextMonth(days.from);
  const lastWhole = `${days.to.slice(0, 8)}01`;
  if (firstWhole >= lastWhole) return { days: [[days.from, days.to]], months: null };
  const ends: [string, string][] = [
    [days.from, firstWhole],
    [lastWhole, days.to],
  ];
  return { days: ends.filter(([from, to]) => from < to), months: [firstWhole, lastWhole] };
}

function nextMonth(day: string): string {
  const year = Number(day.slice(0, 4));
  const month = Number(day.slice(5, 7));
  return month === 12
    ? `${String(year + 1).padStart(4, '0')}-01-01`
    : `${day.slice(0, 5)}${String(month + 1).padStart(2, '0')}-01`;
}

function queueCondition(queueIds: string[] | null, parameters: unknown[]): string {
  if (!queueIds) return '';
  parameters.push(queueIds);
  return ` AND queue_id = ANY($${parameters.length}::text[])`;
}

const SCOPE_FIGURES = `figure <> 'kw' AND (figure NOT LIKE 'agent.%' OR figure = 'agent.handled')`;
/**
 * The figures of byQueue breakdowns (volume and breaches): all a desk-wide ticketMetrics needs per queue.
 * The dimension grains keep these per queue (keepsQueue in aggregate-grains.ts).
 */
const BREAKDOWN_FIGURES = `(figure = 'vol' AND key = '') OR figure = 'sla.BREACHED'`;

/**
 * Counters summed over the scope, and per queue; agent figures other than
 * `agent.handled` are left out. `perQueue: 'breakdowns'` keeps per queue only
 * what byQueue breakdowns show, so a desk-wide scope reads the desk-wide
 * grains for the rest.
 */
export async function loadScopeCounters(
  run: Run,
  days: DayRange,
  queueIds: string[] | null,
  perQueue: 'all' | 'breakdowns' = 'all',
  dimension: DimensionFilter | null = null,
): Promise<ScopeCounters> {
  // The dimension grains keep per queue only the breakdown figures.
  if (dimension && perQueue === 'all') throw new Error('a dimension grain has no per-queue figures');
  type Row = { queue_id: string | null; figure: string; key: string; n: number; total: number };
  const grouped = (byQueue: boolean, where: string) => {
    const parameters: unknown[] = [];
    const source = aggregateSource('counters', days, queueIds, byQueue, parameters, where, dimension);
    return run<Row>(
      `SELECT queue_id, figure, key, sum(n)::float8 AS n, sum(total)::float8 AS total FROM ${source} s
        GROUP BY queue_id, figure, key HAVING sum(n) <> 0 OR sum(total) <> 0`,
      parameters,
    );
  };
  const apart = perQueue === 'breakdowns' && queueIds === null;
  const [rows, deskRows] = await Promise.all([
    grouped(true, apart ? BREAKDOWN_FIGURES : SCOPE_FIGURES),
    apart ? grouped(false, SCOPE_FIGURES) : Promise.resolve(null),
  ]);
  const all: Counters = new Map();
  const perQueueCounters = new Map<string, Counters>();
  for (const row of rows) {
    const compound = `${row.figure}|${row.key}`;
    if (!deskRows) {
      const sum = all.get(compound) ?? { n: 0, total: 0 };
      all.set(compound, { n: sum.n + row.n, total: sum.total + row.total });
    }
    const queue = perQueueCounters.get(row.queue_id!) ?? new Map();
    queue.set(compound, { n: row.n, total: row.total });
    perQueueCounters.set(row.queue_id!, queue);
  }
  for (const row of deskRows ?? []) all.set(`${row.figure}|${row.key}`, { n: row.n, total: row.total });
  return { all, perQueue: perQueueCounters };
}

/** The `agent.*` counters summed per agent (key) over the scope. */
export async function loadAgentCounters(
  run: Run,
  days: DayRange,
  queueIds: string[] | null,
  dimension: DimensionFilter | null = null,
): Promise<Counters> {
  const parameters: unknown[] = [];
  const agents = `figure LIKE 'agent.%'`;
  const source = aggregateSource('counters', days, queueIds, false, parameters, agents, dimension);
  const rows = await run<{ figure: string; key: string; n: number; total: number }>(
    `SELECT figure, key, sum(n)::float8 AS n, sum(total)::float8 AS total FROM ${source} s
      GROUP BY figure, key HAVING sum(n) <> 0 OR sum(total) <> 0`,
    parameters,
  );
  return new Map(rows.map((row) => [`${row.figure}|${row.key}`, { n: row.n, total: row.total }]));
}

/** The ten most frequent keywords; ties at the tenth place are all fetched and ordered as bucketsBy does. */
export async function loadTopKeywords(
  run: Run,
  days: DayRange,
  queueIds: string[] | null,
  dimension: DimensionFilter | null = null,
): Promise<MetricBucket[]> {
  const parameters: unknown[] = [];
  const source = aggregateSource('counters', days, queueIds, false, parameters, `figure = 'kw'`, dimension);
  const rows = await run<{ key: string; n: number }>(
    `WITH k AS (SELECT key, sum(n)::float8 AS n FROM ${source} s GROUP BY key HAVING sum(n) > 0)
     SELECT key, n FROM k WHERE n >= COALESCE((SELECT n FROM k ORDER BY n DESC OFFSET 9 LIMIT 1), 0)`,
    parameters,
  );
  return topTenKeywords(rows);
}

/** The ten most frequent keywords, ties at the tenth place ordered as bucketsBy does. */
export function topTenKeywords(rows: { key: string; n: number }[]): MetricBucket[] {
  return rows
    .sort((a, b) => b.n - a.n || a.key.localeCompare(b.key))
    .slice(0, 10)
    .map((row) => ({ key: row.key, count: row.n, ticketIds: [] }));
}

export type QuantileGroup = 'none' | 'queue' | 'agent';

/**
 * The histogram buckets that hold the order statistics needed for medians
 * and p90s (ranks floor/ceil of (n−1)·q), at most four per figure and group:
 * the cumulative counts are computed by PostgreSQL over the merged buckets.
 */
export async function loadQuantiles(
  run: Run,
  days: DayRange,
  queueIds: string[] | null,
  group: QuantileGroup,
  dimension: DimensionFilter | null = null,
): Promise<Quantiles> {
  if (dimension && group === 'queue') throw new Error('a dimension grain has no per-queue histograms');
  const parameters: unknown[] = [];
  const groupBy = group === 'none' ? `''` : group === 'queue' ? 'queue_id' : 'key';
  const figures = group === 'agent' ? `figure LIKE 'agent.%'` : `figure NOT LIKE 'agent.%'`;
  const source = aggregateSource(
    'histograms',
    days,
    queueIds,
    group === 'queue',
    parameters,
    figures,
    dimension,
  );
  const rows = await run<{ g: string; figure: string; key: string; below: number; n: number; total: number }>(
    `WITH h AS (
       SELECT ${groupBy} AS g, figure, key, bucket, sum(n)::float8 AS n, sum(total)::float8 AS total
         FROM ${source} s GROUP BY 1, 2, 3, 4 HAVING sum(n) > 0),
     c AS (
       SELECT h.*, sum(n) OVER (PARTITION BY g, figure, key ORDER BY bucket) - n AS below,
              sum(n) OVER (PARTITION BY g, figure, key) AS count FROM h)
     SELECT g, figure, key, below, n, total FROM c
      WHERE EXISTS (SELECT 1 FROM unnest(ARRAY[floor((count - 1) * 0.5), ceil((count - 1) * 0.5),
                                               floor((count - 1) * 0.9), ceil((count - 1) * 0.9)]) AS rank
                     WHERE rank >= below AND rank < below + n)`,
    parameters,
  );
  const byFigure = new Map<string, { below: number; n: number; mean: number }[]>();
  for (const row of rows) {
    // Scopes: 'figure|key' (none), 'queue|figure|key' (queue), 'figure|agent' (agent).
    const name = group === 'queue' ? `${row.g}|${row.figure}|${row.key}` : `${row.figure}|${row.key}`;
    byFigure.set(name, [
      ...(byFigure.get(name) ?? []),
      { below: row.below, n: row.n, mean: row.total / row.n },
    ]);
  }
  return {
    valueAt(figure, rank) {
      const bucket = byFigure.get(figure)?.find((b) => rank >= b.below && rank < b.below + b.n);
      return bucket ? bucket.mean : null;
    },
  };
}

/**
 * The backlog at a desk midnight `at` from the daily open/close counters:
 * changes before that day, by whole days of age (exact, see README).
 */
export async function backlogAtMidnight(
  run: Run,
  at: Date,
  queueIds: string[] | null,
  timeZone: string,
): Promise<TicketMetrics['backlog']> {
  const parameters: unknown[] = [deskDay(at, timeZone)];
  const queues = queueCondition(queueIds, parameters);
  const rows = await run<{ bucket: string; open: number }>(
    `SELECT CASE WHEN $1::date - age_day <= 1 THEN '<1d' WHEN $1::date - age_day <= 3 THEN '1-3d'
                 WHEN $1::date - age_day <= 7 THEN '3-7d' ELSE '>7d' END AS bucket, sum(delta)::int AS open
       FROM §.agg_backlog WHERE change_day < $1::date${queues} GROUP BY 1`,
    parameters,
  );
  return backlogOf(new Map(rows.map((row) => [row.bucket, row.open])));
}

/**
 * The backlog now: the counters of tickets at least 8 days old (all `>7d`)
 * plus the open tickets of the last 8 days, bucketed by their exact age.
 */
export async function backlogNow(
  run: Run,
  now: Date,
  queueIds: string[] | null,
  timeZone: string,
): Promise<TicketMetrics['backlog']> {
  const today = localDateOf(now, timeZone);
  const cutoff = startOfLocalDay({ ...today, day: today.day - 8 }, timeZone);
  const oldParameters: unknown[] = [deskDay(cutoff, timeZone)];
  const oldQueues = queueCondition(queueIds, oldParameters);
  const recentParameters: unknown[] = [cutoff, now, RESOLVED_STATUSES];
  const recentQueues = queueCondition(queueIds, recentParameters);
  const [[old], recent] = await Promise.all([
    run<{ open: number }>(
      `SELECT COALESCE(sum(delta), 0)::int AS open FROM §.agg_backlog WHERE age_day < $1::date${oldQueues}`,
      oldParameters,
    ),
    run<{ bucket: string; open: number }>(
      `SELECT CASE WHEN $2 - created_at < interval '24 hours' THEN '<1d'
                   WHEN $2 - created_at < interval '72 hours' THEN '1-3d'
                   WHEN $2 - created_at < interval '168 hours' THEN '3-7d' ELSE '>7d' END AS bucket,
              count(*)::int AS open
         FROM §.tickets
        WHERE created_at > $1 AND created_at < $2 AND number IS NOT NULL AND merged_into IS NULL
          AND status <> ALL($3::text[])${recentQueues} GROUP BY 1`,
      recentParameters,
    ),
  ]);
  const counts = new Map<string, number>([['>7d', old.open]]);
  for (const row of recent) counts.set(row.bucket, (counts.get(row.bucket) ?? 0) + row.open);
  return backlogOf(counts);
}

function backlogOf(counts: Map<string, number>): TicketMetrics['backlog'] {
  const byAge = AGE_BUCKETS.map((key) => ({ key, count: counts.get(key) ?? 0, ticketIds: [] as string[] }));
  return { open: byAge.reduce((sum, bucket) => sum + bucket.count, 0), ticketIds: [], byAge };
}
