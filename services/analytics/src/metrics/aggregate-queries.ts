import { deskDay } from '../projection/ticket-contribution';
import { AGE_BUCKETS, type MetricBucket } from './kpi-math';
import type { Counters, Quantiles, ScopeCounters } from './aggregate-metrics';
import { RESOLVED_STATUSES, type TicketMetrics } from './ticket-metrics';
import { localDateOf, startOfLocalDay } from './period';

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

function queueCondition(queueIds: string[] | null, parameters: unknown[]): string {
  if (!queueIds) return '';
  parameters.push(queueIds);
  return ` AND queue_id = ANY($${parameters.length}::text[])`;
}

/** Counters per queue and summed over the scope; agent figures other than `agent.handled` are left out. */
export async function loadScopeCounters(
  run: Run,
  days: DayRange,
  queueIds: string[] | null,
): Promise<ScopeCounters> {
  const parameters: unknown[] = [days.from, days.to];
  const queues = queueCondition(queueIds, parameters);
  const rows = await run<{ queue_id: string; figure: string; key: string; n: number; total: number }>(
    `SELECT queue_id, figure, key, sum(n)::float8 AS n, sum(total)::float8 AS total FROM §.agg_counters
      WHERE day >= $1::date AND day < $2::date${queues}
        AND figure <> 'kw' AND (figure NOT LIKE 'agent.%' OR figure = 'agent.handled')
      GROUP BY queue_id, figure, key HAVING sum(n) <> 0 OR sum(total) <> 0`,
    parameters,
  );
  const all: Counters = new Map();
  const perQueue = new Map<string, Counters>();
  for (const row of rows) {
    const compound = `${row.figure}|${row.key}`;
    const sum = all.get(compound) ?? { n: 0, total: 0 };
    all.set(compound, { n: sum.n + row.n, total: sum.total + row.total });
    const queue = perQueue.get(row.queue_id) ?? new Map();
    queue.set(compound, { n: row.n, total: row.total });
    perQueue.set(row.queue_id, queue);
  }
  return { all, perQueue };
}

/** The `agent.*` counters summed per agent (key) over the scope. */
export async function loadAgentCounters(
  run: Run,
  days: DayRange,
  queueIds: string[] | null,
): Promise<Counters> {
  const parameters: unknown[] = [days.from, days.to];
  const queues = queueCondition(queueIds, parameters);
  const rows = await run<{ figure: string; key: string; n: number; total: number }>(
    `SELECT figure, key, sum(n)::float8 AS n, sum(total)::float8 AS total FROM §.agg_counters
      WHERE day >= $1::date AND day < $2::date${queues} AND figure LIKE 'agent.%'
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
): Promise<MetricBucket[]> {
  const parameters: unknown[] = [days.from, days.to];
  const queues = queueCondition(queueIds, parameters);
  const rows = await run<{ key: string; n: number }>(
    `WITH k AS (SELECT key, sum(n)::float8 AS n FROM §.agg_counters
                 WHERE day >= $1::date AND day < $2::date${queues} AND figure = 'kw'
                 GROUP BY key HAVING sum(n) > 0)
     SELECT key, n FROM k WHERE n >= COALESCE((SELECT n FROM k ORDER BY n DESC OFFSET 9 LIMIT 1), 0)`,
    parameters,
  );
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
): Promise<Quantiles> {
  const parameters: unknown[] = [days.from, days.to];
  const queues = queueCondition(queueIds, parameters);
  const groupBy = group === 'none' ? `''` : group === 'queue' ? 'queue_id' : 'key';
  const figures = group === 'agent' ? `figure LIKE 'agent.%'` : `figure NOT LIKE 'agent.%'`;
  const rows = await run<{ g: string; figure: string; key: string; below: number; n: number; total: number }>(
    `WITH h AS (
       SELECT ${groupBy} AS g, figure, key, bucket, sum(n)::float8 AS n, sum(total)::float8 AS total
         FROM §.agg_histograms WHERE day >= $1::date AND day < $2::date${queues} AND ${figures}
        GROUP BY 1, 2, 3, 4 HAVING sum(n) > 0),
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
