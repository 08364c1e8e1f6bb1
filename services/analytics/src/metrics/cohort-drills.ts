import { attachKeyset, keysetOf, type KeysetDrill } from './drill-down';
import type { Run } from './aggregate-queries';
import { openAtSql } from './cohort-queries';
import { filterConditions, type EffectiveFilter } from './metrics-filter';
import type { ResolvedPeriod } from './period';
import { RESOLVED_STATUSES, type TicketMetrics } from './ticket-metrics';

/**
 * The tickets behind each figure of ticketMetrics, paged by PostgreSQL:
 * each figure is a condition on the cohort's tickets (alias `t`), and a page
 * is the tickets meeting it after the cursor in ticket-id order, LIMIT the
 * page. The conditions restate ticket-metrics.ts's id lists (the property
 * test walks every one against them); nothing loads the period's rows.
 */

/** A condition on `t`; `value` binds a parameter and returns its placeholder. */
type Condition = (value: (parameter: unknown) => string) => string;

const text = (values: readonly string[]) => `ARRAY[${values.map((v) => `'${v}'`).join(', ')}]::text[]`;
const POSITIVE = text(['VERY_SATISFIED', 'SATISFIED']);
const RESOLVED_NOW = `(t.status = ANY(${text(RESOLVED_STATUSES)}) AND t.last_resolved_at IS NOT NULL)`;
const RESOLVED = `t.first_resolved_at IS NOT NULL`;
const COMPLAINT = `t.type = 'COMPLAINT'`;
const RATED = `EXISTS (SELECT 1 FROM §.ratings r WHERE r.ticket_id = t.ticket_id)`;
const rating = (order: 'ASC' | 'DESC') =>
  `(SELECT r.satisfaction FROM §.ratings r WHERE r.ticket_id = t.ticket_id
     ORDER BY r.at ${order}, r.event_id ${order} LIMIT 1) = ANY(${POSITIVE})`;
const LATEST_POSITIVE = rating('DESC');
const FIRST_POSITIVE = rating('ASC');
const REPEAT = `EXISTS (SELECT 1 FROM §.ratings r WHERE r.ticket_id = t.ticket_id AND r.repeat_complaint)`;
const clock = (state: string, target?: string) =>
  `EXISTS (SELECT 1 FROM §.sla_clocks c WHERE c.ticket_id = t.ticket_id AND c.state = '${state}'${
    target ? ` AND c.target = '${target}'` : ''
  })`;
const FIRST_CLOCK_ENDED = `(${clock('ACHIEVED', 'FIRST_RESPONSE')} OR ${clock('BREACHED', 'FIRST_RESPONSE')})`;
const REPLIED = `t.first_response_at IS NOT NULL`;
const VERDICT = `vi.completed_at IS NOT NULL AND vi.reached IS TRUE AND vi.satisfied IS NOT NULL`;
const ONE_TOUCH = `(t.public_agent_replies <= 1 AND t.reopen_count = 0 AND t.transfer_count = 0
  AND t.escalation_count = 0)`;

/** Numerator and denominator tickets of each rate of ticketMetrics (see ticket-metrics.ts). */
function rateConditions(keyTiers: string[]): Record<string, [Condition, Condition]> {
  const key: Condition = (value) => `t.customer_tier = ANY(${value(keyTiers)}::text[])`;
  const and =
    (...parts: (string | Condition)[]): Condition =>
    (value) =>
      parts.map((part) => (typeof part === 'string' ? part : part(value))).join(' AND ');
  return {
    satisfactionRate: [and(LATEST_POSITIVE), and(RATED)],
    firstContactSatisfactionRate: [and(FIRST_POSITIVE), and(RATED)],
    keyCustomerSatisfactionRate: [and(key, LATEST_POSITIVE), and(key, RATED)],
    keyCustomerComplaintSatisfactionRate: [and(key, COMPLAINT, LATEST_POSITIVE), and(key, COMPLAINT, RATED)],
    followUpSatisfactionRate: [
      and(
        `EXISTS (SELECT 1 FROM §.visits vi WHERE vi.ticket_id = t.ticket_id AND ${VERDICT} AND vi.satisfied)`,
      ),
      and(`EXISTS (SELECT 1 FROM §.visits vi WHERE vi.ticket_id = t.ticket_id AND ${VERDICT})`),
    ],
    responseRate: [and(RATED), and(RESOLVED)],
    repeatComplaintRate: [and(REPEAT), and(`(${COMPLAINT} OR ${REPEAT})`)],
    reopenRate: [and(RESOLVED, 't.reopen_count > 0'), and(RESOLVED)],
    oneTouchResolutionRate: [and(RESOLVED, ONE_TOUCH), and(RESOLVED)],
    complaintAnsweredWithin48h: [
      and(COMPLAINT, `t.first_response_at - t.created_at <= interval '48 hours'`),
      and(COMPLAINT),
    ],
    replyRate: [and(REPLIED), and('true')],
    onTimeReplyRate: [
      and(REPLIED, clock('ACHIEVED', 'FIRST_RESPONSE'), `NOT ${clock('BREACHED', 'FIRST_RESPONSE')}`),
      and(REPLIED, FIRST_CLOCK_ENDED),
    ],
  };
}

export class CohortDrills {
  constructor(
    private readonly run: Run,
    private readonly period: ResolvedPeriod,
    private readonly filter: EffectiveFilter,
  ) {}

  /** The cohort's tickets meeting a condition, paged; `count` when the figure already is their number. */
  drill(condition: Condition, count?: number): KeysetDrill {
    const where = (parameters: unknown[]) => {
      parameters.push(this.period.from, this.period.to);
      const conditions = [
        filterConditions(this.filter, parameters),
        't.created_at >= $1',
        't.created_at < $2',
      ];
      conditions.push(
        condition((value) => {
          parameters.push(value);
          return `$${parameters.length}`;
        }),
      );
      return conditions.join(' AND ');
    };
    // The condition with its period, filter and values: what the tickets are, to bind the cursors to.
    const probe: unknown[] = [];
    const scope = `cohort:${where(probe)}:${JSON.stringify(probe)}`;
    return {
      scope,
      count:
        count ??
        (async () => {
          const parameters: unknown[] = [];
          const sql = `SELECT count(*)::int AS n FROM §.tickets t WHERE ${where(parameters)}`;
          const [row] = await this.run<{ n: number }>(sql, parameters);
          return row.n;
        }),
      ids: async (after, limit) => {
        const parameters: unknown[] = [];
        const conditions = [where(parameters)];
        if (after !== null) {
          parameters.push(after);
          conditions.push(`t.ticket_id::text > $${parameters.length}::text`);
        }
        parameters.push(limit);
        const rows = await this.run<{ ticket_id: string }>(
          `SELECT t.ticket_id FROM §.tickets t WHERE ${conditions.join(' AND ')}
            ORDER BY t.ticket_id LIMIT $${parameters.length}`,
          parameters,
        );
        return rows.map((row) => row.ticket_id);
      },
    };
  }

  /** Keyset drills on every figure of ticketMetrics but the backlog. */
  attach(metrics: TicketMetrics, keyTiers: string[]): void {
    const { volume } = metrics;
    attachKeyset(
      volume,
      this.drill(() => 'true', volume.total),
    );
    const keyed: [{ key: string; count: number }[], (placeholder: string) => string][] = [
      [volume.byType, (p) => `t.type = ${p}`],
      [volume.byCategory, (p) => `COALESCE(t.category, '(none)') = ${p}`],
      [volume.byChannel, (p) => `t.channel = ${p}`],
      [volume.byPriority, (p) => `t.priority = ${p}`],
      [volume.byQueue, (p) => `t.queue_id = ${p}`],
      [volume.byCustomerType, (p) => `COALESCE(t.customer_type, '(unknown)') = ${p}`],
      // Led by agent_id: ticket_agents_agent_idx.
      [
        volume.byAgent,
        (p) =>
          `EXISTS (SELECT 1 FROM §.ticket_agents a WHERE a.agent_id = ${p} AND a.ticket_id = t.ticket_id)`,
      ],
      [metrics.topCategories, (p) => `t.category = ${p}`],
      [
        metrics.topKeywords,
        (p) =>
          `EXISTS (SELECT 1 FROM §.ticket_keywords k WHERE k.keyword = ${p} AND k.ticket_id = t.ticket_id)`,
      ],
    ];
    for (const [buckets, sql] of keyed) {
      for (const bucket of buckets)
        attachKeyset(
          bucket,
          this.drill((value) => sql(value(bucket.key)), bucket.count),
        );
    }
    // One sample per ticket, so a duration's count is its number of tickets.
    const durations: [keyof TicketMetrics, string, string][] = [
      ['firstResponse', REPLIED, 't.first_response_business_ms IS NOT NULL'],
      ['firstResolution', RESOLVED, 't.first_resolution_business_ms IS NOT NULL'],
      ['finalResolution', RESOLVED_NOW, `${RESOLVED_NOW} AND t.final_resolution_business_ms IS NOT NULL`],
    ];
    for (const [name, calendar, business] of durations) {
      const pair = metrics[name] as TicketMetrics['firstResponse'];
      attachKeyset(
        pair.calendar,
        this.drill(() => calendar, pair.calendar.count),
      );
      attachKeyset(
        pair.business,
        this.drill(() => business, pair.business.count),
      );
    }
    for (const sla of metrics.sla) {
      for (const state of ['ACHIEVED', 'BREACHED', 'RUNNING']) {
        const field = `${state.toLowerCase()}TicketIds`;
        attachKeyset(
          sla,
          this.drill(() => clock(state, sla.target)),
          field,
        );
      }
    }
    const breached = clock('BREACHED');
    attachKeyset(
      metrics.breaches,
      this.drill(() => breached),
    );
    for (const bucket of metrics.breaches.byQueue) {
      attachKeyset(
        bucket,
        this.drill((value) => `${breached} AND t.queue_id = ${value(bucket.key)}`),
      );
    }
    for (const bucket of metrics.breaches.byPriority) {
      attachKeyset(
        bucket,
        this.drill((value) => `${breached} AND t.priority = ${value(bucket.key)}`),
      );
    }
    const rates = rateConditions(keyTiers);
    for (const [kpi, [numerator, base]] of Object.entries(rates)) {
      const rate = metrics[kpi as keyof TicketMetrics] as object;
      attachKeyset(rate, this.drill(numerator));
      attachKeyset(rate, this.drill(base), 'baseTicketIds');
    }
    const byKey: [TicketMetrics['satisfactionByTier'], string][] = [
      [metrics.satisfactionByTier, 'customer_tier'],
      [metrics.satisfactionByRegion, 'customer_region'],
    ];
    for (const [buckets, column] of byKey) {
      for (const { key, rate } of buckets) {
        const own = (value: (parameter: unknown) => string) =>
          `COALESCE(t.${column}, '(unknown)') = ${value(key)}`;
        attachKeyset(
          rate,
          this.drill((value) => `${own(value)} AND ${LATEST_POSITIVE}`),
        );
        attachKeyset(
          rate,
          this.drill((value) => `${own(value)} AND ${RATED}`),
          'baseTicketIds',
        );
      }
    }
  }

  /** The backlog's tickets: open at the moment, by age bucket. */
  attachBacklog(backlog: TicketMetrics['backlog'], at: Date): void {
    const scopeParameters: unknown[] = [];
    const scopeSql = openAtSql(at, this.filter, scopeParameters);
    const open = (bucket: string | null, count: number): KeysetDrill => ({
      scope: `backlog:${bucket}:${scopeSql}:${JSON.stringify(scopeParameters)}`,
      count,
      ids: async (after, limit) => {
        const parameters: unknown[] = [];
        const conditions = ['true'];
        const source = openAtSql(at, this.filter, parameters);
        if (bucket !== null) conditions.push(`${AGE_CASE} = '${bucket}'`);
        if (after !== null) {
          parameters.push(after);
          conditions.push(`b.ticket_id::text > $${parameters.length}::text`);
        }
        parameters.push(limit);
        const rows = await this.run<{ ticket_id: string }>(
          `SELECT b.ticket_id FROM (${source}) b WHERE ${conditions.join(' AND ')}
            ORDER BY b.ticket_id LIMIT $${parameters.length}`,
          parameters,
        );
        return rows.map((row) => row.ticket_id);
      },
    });
    attachKeyset(backlog, open(null, backlog.open));
    for (const bucket of backlog.byAge) attachKeyset(bucket, open(bucket.key, bucket.count));
  }
}

/** Age buckets of the backlog at the moment ($1 of openAtSql), as kpi-math's ageBucket. */
export const AGE_CASE = `CASE WHEN $1::timestamptz - b.created_at < interval '24 hours' THEN '<1d'
  WHEN $1::timestamptz - b.created_at < interval '72 hours' THEN '1-3d'
  WHEN $1::timestamptz - b.created_at < interval '168 hours' THEN '3-7d' ELSE '>7d' END`;

/** A target status pages the tickets of the rate it judges. */
export function attachRateKeysets(status: object, rate: object): void {
  for (const field of ['ticketIds', 'baseTicketIds']) {
    const drill = keysetOf(rate, field);
    if (drill) attachKeyset(status, drill, field);
  }
}
