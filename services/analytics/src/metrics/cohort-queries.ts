import { AGE_BUCKETS, type MetricBucket } from './kpi-math';
import type { Counters, Quantiles, ScopeCounters } from './aggregate-metrics';
import { topTenKeywords, type QuantileGroup, type Run } from './aggregate-queries';
import { filterConditions, type EffectiveFilter } from './metrics-filter';
import { RESOLVED_STATUSES, type TicketMetrics } from './ticket-metrics';

/**
 * The figures of a cohort no aggregate grain answers (filters on agents,
 * types, categories, channels, priorities or customer types; ranges that
 * start or end inside a desk day), aggregated by PostgreSQL over the
 * projection rows. Each statement returns the same shapes the daily
 * aggregates give (counters per queue × figure × key, the order statistics
 * of medians and p90s, the top keywords), so aggregate-metrics.ts turns
 * both into figures; nothing returns a row per ticket.
 *
 * The SQL mirrors ticketContribution() (ticket-contribution.ts) summed over
 * the cohort; the property test checks both against ticket-metrics.ts over
 * the raw rows. Percentiles here are exact (the true order statistics), not
 * bucket estimates.
 */

export interface Cohort {
  from: Date;
  to: Date;
  filter: EffectiveFilter;
}

/** The cohort's tickets with the per-ticket values the figures read ($1, $2: the range; $3: resolved statuses). */
function cohortSql(cohort: Cohort, parameters: unknown[]): string {
  parameters.push(cohort.from, cohort.to, RESOLVED_STATUSES);
  const conditions = filterConditions(cohort.filter, parameters);
  const ms = (from: string, to: string) => `(EXTRACT(EPOCH FROM (${to} - ${from})) * 1000)::float8`;
  const resolvedNow = `t.status = ANY($3::text[]) AND t.last_resolved_at IS NOT NULL`;
  return `c AS MATERIALIZED (
    SELECT t.ticket_id, COALESCE(t.queue_id, '') AS q, t.type, t.category, t.channel, t.priority,
           t.customer_type, t.customer_tier, t.customer_region, t.resolution_count,
           ${ms('t.created_at', 't.first_response_at')} AS fr_cal,
           t.first_response_business_ms::float8 AS fr_bus,
           ${ms('t.created_at', 't.first_resolved_at')} AS res1_cal,
           t.first_resolution_business_ms::float8 AS res1_bus,
           CASE WHEN ${resolvedNow} THEN ${ms('t.created_at', 't.last_resolved_at')} END AS resn_cal,
           CASE WHEN ${resolvedNow} THEN t.final_resolution_business_ms::float8 END AS resn_bus,
           t.first_resolved_at IS NOT NULL AS resolved,
           t.reopen_count > 0 AS reopened,
           (t.public_agent_replies <= 1 AND t.reopen_count = 0 AND t.transfer_count = 0
             AND t.escalation_count = 0) AS one_touch,
           t.first_response_at IS NOT NULL AS replied
      FROM §.tickets t WHERE ${conditions} AND t.created_at >= $1 AND t.created_at < $2)`;
}

const POSITIVE = `('VERY_SATISFIED', 'SATISFIED')`;
/** Per rated ticket: every rating counts as a response, the latest for satisfaction, the first for first contact. */
const RATINGS = `r AS (
    SELECT ticket_id, count(*) AS ratings, count(*) FILTER (WHERE repeat_complaint) AS repeats,
           (array_agg(satisfaction ORDER BY at DESC, event_id DESC))[1] IN ${POSITIVE} AS latest_pos,
           (array_agg(satisfaction ORDER BY at, event_id))[1] IN ${POSITIVE} AS first_pos
      FROM §.ratings WHERE ticket_id IN (SELECT ticket_id FROM c) GROUP BY ticket_id)`;
/**
 * The cohort's clocks read once: per ticket, target and state (`kc`, for the SLA counters), and per ticket
 * (`k`): breached clocks, and the first-response clock's end (a breach anywhere makes it late).
 */
const CLOCKS = `kc AS (
    SELECT ticket_id, target, state, count(*) AS n
      FROM §.sla_clocks WHERE ticket_id IN (SELECT ticket_id FROM c) GROUP BY 1, 2, 3),
  k AS (
    SELECT ticket_id, COALESCE(sum(n) FILTER (WHERE state = 'BREACHED'), 0) AS breached,
           CASE WHEN bool_or(target = 'FIRST_RESPONSE' AND state = 'BREACHED') THEN 'BREACHED'
                WHEN bool_or(target = 'FIRST_RESPONSE' AND state = 'ACHIEVED') THEN 'ACHIEVED' END AS fr_clock
      FROM kc GROUP BY ticket_id)`;

const DURATIONS = [
  ['fr.cal', 'fr_cal'],
  ['fr.bus', 'fr_bus'],
  ['res1.cal', 'res1_cal'],
  ['res1.bus', 'res1_bus'],
  ['resN.cal', 'resn_cal'],
  ['resN.bus', 'resn_bus'],
] as const;
/** The durations credited to each agent of a ticket. */
const AGENT_DURATIONS = DURATIONS.filter(([figure]) => !figure.startsWith('res1'));

/**
 * Counters of the cohort per queue (figure × key → count and sum), as the
 * aggregate tables hold them: tickets are first grouped by every key a
 * figure is broken down by (a bounded number of groups), then unpivoted.
 */
export async function loadCohortCounters(run: Run, cohort: Cohort): Promise<ScopeCounters> {
  const parameters: unknown[] = [];
  const c = cohortSql(cohort, parameters);
  const complaint = (value: string) => `CASE WHEN g.type = 'COMPLAINT' THEN ${value} ELSE 0 END`;
  const tier = `COALESCE(g.customer_tier, '(unknown)')`;
  const region = `COALESCE(g.customer_region, '(unknown)')`;
  const rows = await run<{ queue_id: string; figure: string; key: string; n: number; total: number }>(
    `WITH ${c}, ${RATINGS}, ${CLOCKS},
     g AS (
       SELECT c.q, c.type, c.category, c.channel, c.priority, c.customer_type, c.customer_tier, c.customer_region,
              count(*) AS vol,
              ${DURATIONS.map(([, column]) => `count(c.${column}) AS ${column}_n, COALESCE(sum(c.${column}), 0) AS ${column}_s`).join(', ')},
              COALESCE(sum(k.breached), 0) AS breached,
              count(r.ticket_id) AS rated, count(*) FILTER (WHERE r.latest_pos) AS pos,
              count(*) FILTER (WHERE r.first_pos) AS first_pos,
              COALESCE(sum(r.ratings), 0) AS ratings, COALESCE(sum(r.repeats), 0) AS repeats,
              count(*) FILTER (WHERE c.type = 'COMPLAINT' OR r.repeats > 0) AS originals,
              sum(c.resolution_count) AS resolutions,
              count(*) FILTER (WHERE c.resolved) AS resolved,
              count(*) FILTER (WHERE c.resolved AND c.reopened) AS reopened,
              count(*) FILTER (WHERE c.resolved AND c.one_touch) AS one_touch,
              count(*) FILTER (WHERE c.fr_cal <= 48 * 3600000) AS within48,
              count(*) FILTER (WHERE c.replied) AS replied,
              count(*) FILTER (WHERE c.replied AND k.fr_clock IS NOT NULL) AS replied_clock,
              count(*) FILTER (WHERE c.replied AND k.fr_clock = 'ACHIEVED') AS replied_on_time
         FROM c LEFT JOIN r ON r.ticket_id = c.ticket_id LEFT JOIN k ON k.ticket_id = c.ticket_id
        GROUP BY 1, 2, 3, 4, 5, 6, 7, 8),
     agents AS (
       SELECT c.q, a.agent_id, count(*) AS handled,
              ${AGENT_DURATIONS.map(([, column]) => `count(c.${column}) AS ${column}_n, COALESCE(sum(c.${column}), 0) AS ${column}_s`).join(', ')},
              count(r.ticket_id) AS rated, count(*) FILTER (WHERE r.latest_pos) AS pos
         FROM c JOIN §.ticket_agents a ON a.ticket_id = c.ticket_id LEFT JOIN r ON r.ticket_id = c.ticket_id
        GROUP BY 1, 2),
     x AS (
       SELECT g.q, v.figure, v.key, v.n::float8 AS n, v.total::float8 AS total FROM g CROSS JOIN LATERAL (VALUES
         ('vol', '', g.vol, 0),
         ('vol.type', COALESCE(g.type, ''), g.vol, 0),
         ('vol.cat', COALESCE(g.category, '(none)'), g.vol, 0),
         ('vol.chan', COALESCE(g.channel, ''), g.vol, 0),
         ('vol.prio', COALESCE(g.priority, ''), g.vol, 0),
         ('vol.cust', COALESCE(g.customer_type, '(unknown)'), g.vol, 0),
         ${DURATIONS.map(([figure, column]) => `('${figure}', '', g.${column}_n, g.${column}_s)`).join(',\n         ')},
         ('breach.prio', COALESCE(g.priority, ''), g.breached, 0),
         ('sat.rated', '', g.rated, 0), ('sat.pos', '', g.pos, 0),
         ('satTier.rated', ${tier}, g.rated, 0), ('satTier.pos', ${tier}, g.pos, 0),
         ('satRegion.rated', ${region}, g.rated, 0), ('satRegion.pos', ${region}, g.pos, 0),
         ('satComplaintTier.rated', ${tier}, ${complaint('g.rated')}, 0),
         ('satComplaintTier.pos', ${tier}, ${complaint('g.pos')}, 0),
         ('satFirst.rated', '', g.rated, 0), ('satFirst.pos', '', g.first_pos, 0),
         ('ratings', '', g.ratings, 0), ('resolutions', '', g.resolutions, 0),
         ('repeats', '', g.repeats, 0), ('originals', '', g.originals, 0),
         ('resolved', '', g.resolved, 0), ('reopened', '', g.reopened, 0), ('oneTouch', '', g.one_touch, 0),
         ('complaints', '', ${complaint('g.vol')}, 0), ('complaints48', '', ${complaint('g.within48')}, 0),
         ('replied', '', g.replied, 0), ('repliedClock', '', g.replied_clock, 0),
         ('repliedOnTime', '', g.replied_on_time, 0)
       ) AS v(figure, key, n, total)
       UNION ALL
       SELECT a.q, v.figure, a.agent_id, v.n::float8, v.total::float8 FROM agents a CROSS JOIN LATERAL (VALUES
         ('agent.handled', a.handled, 0),
         ${AGENT_DURATIONS.map(([figure, column]) => `('agent.${figure}', a.${column}_n, a.${column}_s)`).join(',\n         ')},
         ('agent.sat.rated', a.rated, 0), ('agent.sat.pos', a.pos, 0)
       ) AS v(figure, n, total)
       UNION ALL
       SELECT c.q, 'sla.' || s.state, s.target, sum(s.n)::float8, 0
         FROM c JOIN kc s ON s.ticket_id = c.ticket_id
        WHERE s.state IN ('ACHIEVED', 'BREACHED', 'RUNNING') GROUP BY 1, 2, 3
       UNION ALL
       SELECT c.q, 'agent.refused', f.agent_id, count(*)::float8, 0
         FROM c JOIN §.reply_refusals f ON f.ticket_id = c.ticket_id GROUP BY 1, 2, 3
       UNION ALL
       SELECT c.q, 'agent.phrase', f.agent_id || chr(31) || p.phrase, count(*)::float8, 0
         FROM c JOIN §.reply_refusals f ON f.ticket_id = c.ticket_id CROSS JOIN unnest(f.phrases) AS p(phrase)
        GROUP BY 1, 2, 3
       UNION ALL
       SELECT c.q, v.figure, '', count(*)::float8, 0
         FROM c JOIN §.visits vi ON vi.ticket_id = c.ticket_id
         CROSS JOIN LATERAL (VALUES ('followUp.verdicts', true), ('followUp.satisfied', vi.satisfied)) AS v(figure, counted)
        WHERE vi.completed_at IS NOT NULL AND vi.reached IS TRUE AND vi.satisfied IS NOT NULL AND v.counted
        GROUP BY 1, 2)
     SELECT q AS queue_id, figure, key, sum(n)::float8 AS n, sum(total)::float8 AS total FROM x
      GROUP BY 1, 2, 3 HAVING sum(n) <> 0 OR sum(total) <> 0`,
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

/**
 * The exact order statistics medians and p90s need (ranks floor/ceil of
 * (n−1)·q, interpolated by aggregate-metrics as percentile_cont does): at
 * most four values per figure and group, picked by PostgreSQL. `n` is the
 * group's size: over the ordered window, count(*) would be a running count.
 */
export async function loadCohortQuantiles(
  run: Run,
  cohort: Cohort,
  group: QuantileGroup,
): Promise<Quantiles> {
  const parameters: unknown[] = [];
  const c = cohortSql(cohort, parameters);
  const durations = group === 'agent' ? AGENT_DURATIONS : DURATIONS;
  const prefix = group === 'agent' ? 'agent.' : '';
  const samples = durations.map(([figure, column]) => `('${prefix}${figure}', c.${column})`);
  const source = group === 'agent' ? `c JOIN §.ticket_agents a ON a.ticket_id = c.ticket_id` : `c`;
  const [g, key] = group === 'agent' ? [`''`, 'a.agent_id'] : [group === 'queue' ? 'c.q' : `''`, `''`];
  const rows = await run<{ g: string; figure: string; key: string; rank: number; ms: number }>(
    `WITH ${c},
     s AS (SELECT ${g} AS g, v.figure, ${key} AS key, v.ms FROM ${source}
             CROSS JOIN LATERAL (VALUES ${samples.join(', ')}) AS v(figure, ms) WHERE v.ms IS NOT NULL),
     o AS (SELECT g, figure, key, ms, (row_number() OVER w - 1)::float8 AS rank, count(*) OVER p AS n
             FROM s WINDOW p AS (PARTITION BY g, figure, key), w AS (p ORDER BY ms))
     SELECT g, figure, key, rank, ms FROM o
      WHERE rank IN (floor((n - 1) * 0.5), ceil((n - 1) * 0.5), floor((n - 1) * 0.9), ceil((n - 1) * 0.9))`,
    parameters,
  );
  const byRank = new Map<string, number>();
  for (const row of rows) {
    // Scopes as loadQuantiles names them: 'figure|key', or 'queue|figure|key' per queue.
    const name = group === 'queue' ? `${row.g}|${row.figure}|${row.key}` : `${row.figure}|${row.key}`;
    byRank.set(`${name}#${row.rank}`, row.ms);
  }
  return { valueAt: (figure, rank) => byRank.get(`${figure}#${rank}`) ?? null };
}

/** The ten most frequent keywords of the cohort; ties at the tenth place ordered as bucketsBy does. */
export async function loadCohortKeywords(run: Run, cohort: Cohort): Promise<MetricBucket[]> {
  const parameters: unknown[] = [];
  const c = cohortSql(cohort, parameters);
  const rows = await run<{ key: string; n: number }>(
    `WITH ${c},
     k AS (SELECT w.keyword AS key, count(*)::float8 AS n FROM c JOIN §.ticket_keywords w ON w.ticket_id = c.ticket_id
            GROUP BY 1)
     SELECT key, n FROM k WHERE n >= COALESCE((SELECT n FROM k ORDER BY n DESC OFFSET 9 LIMIT 1), 0)`,
    parameters,
  );
  return topTenKeywords(rows);
}

/**
 * Tickets open at a moment that match a filter: created before it, and their
 * last status change before it (by version) was not a resolution. A ticket
 * not changed since the moment stands as it stands now, so only two kinds
 * can be open then: tickets open now and unchanged since (open then too), and
 * tickets changed since (the transitions' time index finds them), for which
 * the definition is evaluated. A ticket resolved now and unchanged since was
 * resolved then. So the work follows the backlog and the activity since the
 * moment, not the whole history.
 */
export function openAtSql(at: Date, filter: EffectiveFilter, parameters: unknown[]): string {
  parameters.push(at, RESOLVED_STATUSES);
  const [moment, resolved] = [`$${parameters.length - 1}::timestamptz`, `$${parameters.length}::text[]`];
  const changedSince = `SELECT 1 FROM §.ticket_transitions tr WHERE tr.ticket_id = t.ticket_id AND tr.at >= ${moment}`;
  return `SELECT t.ticket_id, t.created_at FROM §.tickets t
     WHERE ${filterConditions(filter, parameters)} AND t.created_at < ${moment}
       AND t.status <> ALL(${resolved}) AND NOT EXISTS (${changedSince})
     UNION ALL
     SELECT t.ticket_id, t.created_at FROM §.tickets t
     WHERE ${filterConditions(filter, parameters)} AND t.created_at < ${moment}
       AND t.ticket_id IN (SELECT tr.ticket_id FROM §.ticket_transitions tr WHERE tr.at >= ${moment})
       AND COALESCE((SELECT tr.to_status FROM §.ticket_transitions tr
                      WHERE tr.ticket_id = t.ticket_id AND tr.at < ${moment}
                      ORDER BY tr.version DESC, tr.at DESC LIMIT 1), 'NEW') <> ALL(${resolved})`;
}

/** The backlog at a moment for any filter, counted by age bucket in PostgreSQL. */
export async function loadBacklogAt(
  run: Run,
  at: Date,
  filter: EffectiveFilter,
): Promise<TicketMetrics['backlog']> {
  const parameters: unknown[] = [];
  const open = openAtSql(at, filter, parameters);
  const moment = '$1::timestamptz';
  const rows = await run<{ bucket: string; open: number }>(
    `SELECT CASE WHEN ${moment} - created_at < interval '24 hours' THEN '<1d'
                 WHEN ${moment} - created_at < interval '72 hours' THEN '1-3d'
                 WHEN ${moment} - created_at < interval '168 hours' THEN '3-7d' ELSE '>7d' END AS bucket,
            count(*)::int AS open
       FROM (${open}) b GROUP BY 1`,
    parameters,
  );
  const counts = new Map(rows.map((row) => [row.bucket, row.open]));
  const byAge = AGE_BUCKETS.map((key) => ({ key, count: counts.get(key) ?? 0, ticketIds: [] as string[] }));
  return { open: byAge.reduce((sum, bucket) => sum + bucket.count, 0), ticketIds: [], byAge };
}
