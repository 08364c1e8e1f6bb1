import type { Identity } from '@deskgraph/platform';
import type { DataSource } from 'typeorm';
import type { AnalyticsConfig } from '../environment';
import { activeGeneration } from '../events/consumers/projection.consumer';
import { generationSchema } from '../projection/projection-tables';
import { AnalyticsError, AnalyticsErrorCode } from '../analytics.errors';
import { bucketsBy, ratio, type MetricBucket } from './kpi-math';
import { evaluateTargets, type KpiTarget, type KpiTargetStatus } from './kpi-targets';
import {
  effectiveFilter,
  filterConditions,
  readableQueues,
  type EffectiveFilter,
  type MetricsFilter,
} from './metrics-filter';
import { previousWeek, resolvePeriod, today, type PeriodInput, type ResolvedPeriod } from './period';
import {
  backlogAt,
  cohortOfQueue,
  computeAgentMetrics,
  computeQueueMetrics,
  computeTicketMetrics,
  ticketFieldsOf,
  type ClockFact,
  type Cohort,
  type TicketFact,
  type TicketMetrics,
  type TicketRow,
} from './ticket-metrics';
import { buildWeeklyReview, type WeeklyReview } from './weekly-review';
import {
  agentFiguresFromCounters,
  emptyBacklog,
  metricsFromCounters,
  queueFiguresFromCounters,
  type Counters,
  type Quantiles,
  type ScopeCounters,
} from './aggregate-metrics';
import {
  backlogAtMidnight,
  backlogNow,
  dayRange,
  loadAgentCounters,
  loadQuantiles,
  loadScopeCounters,
  loadTopKeywords,
  type DayRange,
  type DimensionFilter,
  type QuantileGroup,
  type Run,
} from './aggregate-queries';
import {
  loadBacklogAt,
  loadCohortCounters,
  loadCohortKeywords,
  loadCohortQuantiles,
  openAtSql,
} from './cohort-queries';
import { attachDrills, memo } from './drill-down';
import { foldingRun } from './folded-run';
import { attachRateKeysets, CohortDrills } from './cohort-drills';
import type { KpiTargetService } from '../targets/kpi-target.service';

export interface LiveMetrics {
  at: Date;
  queueIds: string[];
  openBacklog: number;
  createdToday: number;
  resolvedToday: number;
  firstResponseMedianMs: number | null;
  resolutionMedianMs: number | null;
  slaAchievementRate: number | null;
  breachesToday: number;
  runningClocks: number;
  satisfactionRate: number | null;
  /** Visits past their due time without an outcome, now. */
  overdueVisits: number;
  overdueVisitsByQueue: MetricBucket[];
}

export type TicketMetricsWithTargets = TicketMetrics & { targets: KpiTargetStatus[] };

/**
 * Where a period's figures are summed: the daily aggregates (whole desk days,
 * a filter on queues at most) or PostgreSQL over the filtered projection
 * rows (cohort-queries.ts). Both return bounded rows in the same shapes.
 */
interface FigureSource {
  /** Counters summed over the scope and per queue; `breakdowns`: per queue only what byQueue shows. */
  counters(perQueue: 'all' | 'breakdowns'): Promise<ScopeCounters>;
  agentCounters(): Promise<Counters>;
  quantiles(group: QuantileGroup): Promise<Quantiles>;
  keywords(): Promise<MetricBucket[]>;
}

/** A generation and the runs reading it for one call (see fold()). */
interface Fold {
  schema: string;
  /** Folds the light statements of a turn into one (counters, keywords, targets). */
  run: Run;
  /** One statement each, concurrently on the pool: the heavy ones (quantiles, backlog, row path). */
  direct: Run;
}

const WEEK_MS = 7 * 86_400_000;
const ALL_TICKETS: EffectiveFilter = {
  queueIds: null,
  agentIds: null,
  types: null,
  categories: null,
  channels: null,
  priorities: null,
  customerTypes: null,
};

/** A filter the aggregate grains answer: on queues at most. */
function queuesOnly(filter: EffectiveFilter): boolean {
  return Object.entries(filter).every(([field, value]) => field === 'queueIds' || value === null);
}

/**
 * A filter on exactly one of priority, channel or type (any number of its
 * values) and nothing else: the single-dimension grains answer it.
 */
function singleDimension(filter: EffectiveFilter): DimensionFilter | null {
  const named = Object.entries(filter).filter(([, value]) => value !== null);
  if (named.length !== 1) return null;
  const [field, values] = named[0] as [string, string[]];
  const dimension = ({ priorities: 'priority', channels: 'channel', types: 'type' } as const)[
    field as 'priorities' | 'channels' | 'types'
  ];
  return dimension ? { dimension, values } : null;
}

/** Figures of exactly one queue are held to that queue's targets; anything wider to the desk-wide ones. */
export function targetScope(filter: EffectiveFilter): string | null {
  return filter.queueIds?.length === 1 ? filter.queueIds[0] : null;
}
const MAX_LIVE_QUEUES = 100;

/** What a call's figures are about, the root of their drill scopes (cursors are bound to it). */
function callScope(call: string, period: ResolvedPeriod, filter: EffectiveFilter | null): string {
  return `${call}:${JSON.stringify([period.from, period.to, filter])}`;
}

/** Cohort rows: tickets whose created event arrived (filterConditions), so their classification is known. */
function toFact(row: TicketRow): TicketFact {
  return ticketFieldsOf(row) as TicketFact;
}

/**
 * Answers every figure from the active projection generation. Loading is
 * SQL (the cohort of a period and what hangs off it); the arithmetic is the
 * pure functions in ticket-metrics.ts and kpi-math.ts.
 */
export class MetricsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly config: AnalyticsConfig,
    private readonly targets: KpiTargetService,
  ) {}

  /** The pure figures with the desk's configuration (key-customer tiers). */
  private compute(...[period, cohort, backlog]: Parameters<typeof computeTicketMetrics>): TicketMetrics {
    return computeTicketMetrics(period, cohort, backlog, { keyCustomerTiers: this.config.keyCustomerTiers });
  }

  get timeZone(): string {
    return this.config.timeZone;
  }

  /** The active generation, read once per figure so a concurrent rebuild switch never mixes two. */
  private async activeSchema(): Promise<string> {
    return generationSchema(await activeGeneration(this.dataSource.manager));
  }

  private query<T>(schema: string, sql: string, parameters: unknown[]): Promise<T[]> {
    return this.dataSource.query(sql.replaceAll('§', `"${schema}"`), parameters);
  }

  async loadCohort(schema: string, period: ResolvedPeriod, filter: EffectiveFilter): Promise<Cohort> {
    const parameters: unknown[] = [period.from, period.to];
    const conditions = filterConditions(filter, parameters);
    const rows = await this.query<TicketRow>(
      schema,
      `SELECT t.* FROM §.tickets t WHERE ${conditions} AND t.created_at >= $1 AND t.created_at < $2
        ORDER BY t.created_at, t.ticket_id`,
      parameters,
    );
    const ids = rows.map((row) => row.ticket_id);
    const [agents, ratings, clocks, keywords, visits, refusals] = await Promise.all([
      this.query<{ ticket_id: string; agent_id: string }>(
        schema,
        `SELECT ticket_id, agent_id FROM §.ticket_agents WHERE ticket_id = ANY($1::uuid[]) ORDER BY ticket_id, agent_id`,
        [ids],
      ),
      this.query<{ ticket_id: string; satisfaction: string; repeat_complaint: boolean }>(
        schema,
        `SELECT ticket_id, satisfaction, repeat_complaint FROM §.ratings WHERE ticket_id = ANY($1::uuid[])
          ORDER BY at, event_id`,
        [ids],
      ),
      this.query<{ ticket_id: string; target: string; state: ClockFact['state'] }>(
        schema,
        `SELECT ticket_id, target, state FROM §.sla_clocks WHERE ticket_id = ANY($1::uuid[]) ORDER BY clock_id, cycle`,
        [ids],
      ),
      this.query<{ ticket_id: string; keyword: string }>(
        schema,
        `SELECT ticket_id, keyword FROM §.ticket_keywords WHERE ticket_id = ANY($1::uuid[]) ORDER BY ticket_id, keyword`,
        [ids],
      ),
      this.query<{
        ticket_id: string;
        kind: string;
        completed_at: Date | null;
        reached: boolean | null;
        satisfied: boolean | null;
      }>(
        schema,
        `SELECT ticket_id, kind, completed_at, reached, satisfied FROM §.visits WHERE ticket_id = ANY($1::uuid[])
          ORDER BY visit_id`,
        [ids],
      ),
      this.query<{ ticket_id: string; agent_id: string; phrases: string[] }>(
        schema,
        `SELECT ticket_id, agent_id, phrases FROM §.reply_refusals WHERE ticket_id = ANY($1::uuid[])
          ORDER BY at, event_id`,
        [ids],
      ),
    ]);
    return {
      tickets: rows.map(toFact),
      agents: agents.map((row) => ({ ticketId: row.ticket_id, agentId: row.agent_id })),
      ratings: ratings.map((row) => ({
        ticketId: row.ticket_id,
        satisfaction: row.satisfaction,
        repeatComplaint: row.repeat_complaint,
      })),
      clocks: clocks.map((row) => ({ ticketId: row.ticket_id, target: row.target, state: row.state })),
      keywords: keywords.map((row) => ({ ticketId: row.ticket_id, keyword: row.keyword })),
      visits: visits.map((row) => ({
        ticketId: row.ticket_id,
        kind: row.kind,
        completed: row.completed_at !== null,
        reached: row.reached,
        satisfied: row.satisfied,
      })),
      refusals: refusals.map((row) => ({
        ticketId: row.ticket_id,
        agentId: row.agent_id,
        phrases: row.phrases,
      })),
    };
  }

  /**
   * Tickets open at a moment: created before it, and their last status change before it was not a resolution.
   * Only the backlog's drill-down lists them; its counts are summed in PostgreSQL (loadBacklogAt).
   */
  async openTicketsAt(
    schema: string,
    at: Date,
    filter: EffectiveFilter,
  ): Promise<{ ticketId: string; createdAt: Date }[]> {
    const parameters: unknown[] = [];
    const rows = await this.query<{ ticket_id: string; created_at: Date }>(
      schema,
      `SELECT * FROM (${openAtSql(at, filter, parameters)}) b ORDER BY b.created_at, b.ticket_id`,
      parameters,
    );
    return rows.map((row) => ({ ticketId: row.ticket_id, createdAt: row.created_at }));
  }

  private run(schema: string): Run {
    return (sql, parameters) => this.query(schema, sql, parameters);
  }

  /**
   * The active generation, a run that folds the light statements issued in one
   * turn into one round trip (folded-run.ts), and a direct run for the heavy
   * ones. A folded statement runs in one backend, one part after the other:
   * folding the quantile windows and the backlog sums too made calls slower
   * on the 2-core box (they no longer ran side by side), so those keep their
   * own connection and run concurrently with the fold. A call costs the
   * generation read, then at most one fold plus its heavy statements at once.
   */
  private async fold(): Promise<Fold> {
    const schema = await this.activeSchema();
    const direct = this.run(schema);
    return { schema, run: foldingRun(direct), direct };
  }

  /**
   * The daily aggregates answer periods of whole desk days whose filter names
   * at most queues, or only one of priority, channel and type (the dimension
   * grains); other filters (agents, categories, combinations …) and ranges that
   * start or end inside a day are summed by PostgreSQL over the projection rows.
   */
  private aggregateDays(period: ResolvedPeriod, filter: EffectiveFilter): DayRange | null {
    if (!queuesOnly(filter) && !singleDimension(filter)) return null;
    return dayRange(period.from, period.to, this.timeZone);
  }

  private source({ run, direct }: Fold, period: ResolvedPeriod, filter: EffectiveFilter): FigureSource {
    const days = this.aggregateDays(period, filter);
    const cohort = { from: period.from, to: period.to, filter };
    // One statement gives every counter of the cohort, per queue and summed.
    // Each row-path statement scans the cohort: one connection each, side by side.
    const counters = memo(() => loadCohortCounters(direct, cohort));
    const rows: FigureSource = {
      counters,
      agentCounters: async () => (await counters()).all,
      quantiles: (group) => loadCohortQuantiles(direct, cohort, group),
      keywords: () => loadCohortKeywords(direct, cohort),
    };
    if (!days) return rows;
    const dimension = singleDimension(filter);
    if (dimension) {
      // Desk-wide grains per dimension value; per-queue figures (queueMetrics) other than the
      // breakdowns are not kept there and come from the rows.
      return {
        counters: (perQueue) =>
          perQueue === 'breakdowns'
            ? loadScopeCounters(run, days, null, perQueue, dimension)
            : rows.counters(perQueue),
        agentCounters: () => loadAgentCounters(run, days, null, dimension),
        quantiles: (group) =>
          group === 'queue' ? rows.quantiles(group) : loadQuantiles(direct, days, null, group, dimension),
        keywords: () => loadTopKeywords(run, days, null, dimension),
      };
    }
    return {
      counters: (perQueue) => loadScopeCounters(run, days, filter.queueIds, perQueue),
      agentCounters: () => loadAgentCounters(run, days, filter.queueIds),
      quantiles: (group) => loadQuantiles(direct, days, filter.queueIds, group),
      keywords: () => loadTopKeywords(run, days, filter.queueIds),
    };
  }

  /** The period's figures from the projection rows (the brute-force definition, and the drill-down). */
  private async rowMetrics(schema: string, period: ResolvedPeriod, filter: EffectiveFilter) {
    return this.compute(period, await this.loadCohort(schema, period, filter), backlogAt([], period.to));
  }

  /** The backlog at a moment: from the open/close counters when the filter names at most queues. */
  private async backlog(
    run: Run,
    moment: Date,
    now: Date,
    filter: EffectiveFilter,
  ): Promise<TicketMetrics['backlog']> {
    if (queuesOnly(filter) && moment.getTime() === now.getTime()) {
      return backlogNow(run, now, filter.queueIds, this.timeZone);
    }
    if (queuesOnly(filter) && dayRange(moment, moment, this.timeZone)) {
      return backlogAtMidnight(run, moment, filter.queueIds, this.timeZone);
    }
    return loadBacklogAt(run, moment, filter);
  }

  async metricsFor(
    period: ResolvedPeriod,
    filter: EffectiveFilter,
    now = new Date(),
    targets?: KpiTarget[] | Promise<KpiTarget[]>,
    folded?: Fold,
  ): Promise<TicketMetricsWithTargets> {
    const backlogMoment = new Date(Math.min(period.to.getTime(), now.getTime()));
    const fold = folded ?? (await this.fold());
    const { schema, run } = fold;
    const source = this.source(fold, period, filter);
    const [counters, quantiles, keywords, backlog, allTargets] = await Promise.all([
      source.counters('breakdowns'),
      source.quantiles('none'),
      source.keywords(),
      this.backlog(fold.direct, backlogMoment, now, filter),
      targets ?? this.targets.allVia(run),
    ]);
    const metrics = metricsFromCounters(period, counters, quantiles, backlog, keywords, {
      keyCustomerTiers: this.config.keyCustomerTiers,
    });
    // Deprecated id arrays resolve from the rows; every paginated connection pages in PostgreSQL.
    const rows = memo(() => this.rowMetrics(schema, period, filter));
    const root = callScope('ticketMetrics', period, filter);
    attachDrills(metrics, rows, root);
    const drills = new CohortDrills(this.run(schema), period, filter);
    drills.attach(metrics, this.config.keyCustomerTiers);
    // The backlog's tickets are those open at the moment, not the cohort's.
    attachDrills(
      metrics.backlog,
      memo(async () => backlogAt(await this.openTicketsAt(schema, backlogMoment, filter), backlogMoment)),
      `${root}.backlog@${backlogMoment.toISOString()}`,
    );
    drills.attachBacklog(metrics.backlog, backlogMoment);
    const statuses = evaluateTargets(metrics, allTargets, targetScope(filter));
    for (const status of statuses) {
      attachDrills(status, async () => (await rows())[status.kpi], `${root}.targets[${status.kpi}]`);
      attachRateKeysets(status, metrics[status.kpi]);
    }
    return { ...metrics, targets: statuses };
  }

  /**
   * Today's KPIs against their targets for each scope (a queue, or null for
   * the whole desk), on the tickets created today: what the live dashboard
   * shows and what the metrics signal checks for crossings. From the day's
   * aggregates: one grouped read, whatever the day's volume.
   */
  async todayTargetStatuses(scopes: (string | null)[], now = new Date()): Promise<KpiTargetStatus[]> {
    if (scopes.length === 0) return [];
    const day = today(this.timeZone, now);
    const queues = scopes.filter((scope): scope is string => scope !== null);
    const desk = scopes.includes(null);
    const filter = { ...ALL_TICKETS, queueIds: desk ? null : queues };
    const { schema, run } = await this.fold();
    const days = dayRange(day.from, day.to, this.timeZone)!;
    const [counters, targets] = await Promise.all([
      loadScopeCounters(run, days, filter.queueIds),
      this.targets.allVia(run),
    ]);
    const empty = emptyBacklog();
    const options = { keyCustomerTiers: this.config.keyCustomerTiers };
    const rows = memo(() => this.loadCohort(schema, day, filter));
    return scopes.flatMap((scope) => {
      const scoped: ScopeCounters =
        scope === null ? counters : { all: counters.perQueue.get(scope) ?? new Map(), perQueue: new Map() };
      // Rates only: durations and keywords are not KPIs with targets.
      const metrics = metricsFromCounters(day, scoped, { valueAt: () => null }, empty, [], options);
      const statuses = evaluateTargets(metrics, targets, scope);
      for (const status of statuses) {
        attachDrills(
          status,
          async () => {
            const cohort = await rows();
            const own = scope === null ? cohort : cohortOfQueue(cohort, scope);
            return this.compute(day, own, empty)[status.kpi];
          },
          `${callScope('todayTargets', day, null)}[${JSON.stringify(scope)}].targets[${status.kpi}]`,
        );
      }
      return statuses;
    });
  }

  async ticketMetrics(identity: Identity, period: PeriodInput, filter?: MetricsFilter | null) {
    const effective = effectiveFilter(identity, filter);
    return this.metricsFor(resolvePeriod(period, this.timeZone), effective);
  }

  async agentMetrics(identity: Identity, period: PeriodInput, filter?: MetricsFilter | null) {
    const effective = effectiveFilter(identity, filter);
    const resolved = resolvePeriod(period, this.timeZone);
    const fold = await this.fold();
    const { schema } = fold;
    const source = this.source(fold, resolved, effective);
    const [counters, quantiles] = await Promise.all([source.agentCounters(), source.quantiles('agent')]);
    // An agent filter picks the tickets those agents worked; the other agents on them are not asked for.
    const agents = agentFiguresFromCounters(counters, quantiles).filter(
      (agent) => !effective.agentIds || effective.agentIds.includes(agent.agentId),
    );
    // Supervisors drill from an agent's refused replies to the phrases and tickets.
    attachDrills(
      agents,
      memo(async () => computeAgentMetrics(await this.loadCohort(schema, resolved, effective))),
      callScope('agentMetrics', resolved, effective),
    );
    return agents;
  }

  async queueMetrics(identity: Identity, period: PeriodInput, filter?: MetricsFilter | null) {
    const effective = effectiveFilter(identity, filter);
    const resolved = resolvePeriod(period, this.timeZone);
    const fold = await this.fold();
    const { schema, run } = fold;
    const empty = backlogAt([], resolved.to);
    const source = this.source(fold, resolved, effective);
    const [counters, quantiles, targets] = await Promise.all([
      source.counters('all'),
      source.quantiles('queue'),
      this.targets.allVia(run),
    ]);
    const options = { keyCustomerTiers: this.config.keyCustomerTiers };
    const cohort = memo(() => this.loadCohort(schema, resolved, effective));
    const drill = memo(async () => computeQueueMetrics(await cohort()));
    const queues = queueFiguresFromCounters(counters.perQueue, quantiles).map((queue) => {
      const own = { all: counters.perQueue.get(queue.queueId)!, perQueue: new Map() };
      const metrics = metricsFromCounters(resolved, own, { valueAt: () => null }, empty, [], options);
      const statuses = evaluateTargets(metrics, targets, queue.queueId);
      const result = { ...queue, targets: statuses };
      const scope = `${callScope('queueMetrics', resolved, effective)}[${JSON.stringify(queue.queueId)}]`;
      attachDrills(result, async () => (await drill()).find((q) => q.queueId === queue.queueId), scope);
      // Each target's drill-down is its queue's rate, computed from the rows.
      for (const status of statuses) {
        attachDrills(
          status,
          async () => {
            const rows = cohortOfQueue(await cohort(), queue.queueId);
            return this.compute(resolved, rows, empty)[status.kpi];
          },
          `${scope}.targets[${status.kpi}]`,
        );
      }
      return result;
    });
    return queues;
  }

  /** The ISO week containing weekOf (default: the last full week) against the week before. */
  async weeklyReview(
    identity: Identity,
    weekOf?: Date | null,
    filter?: MetricsFilter | null,
  ): Promise<WeeklyReview> {
    const effective = effectiveFilter(identity, filter);
    const now = new Date();
    const week = resolvePeriod(
      { kind: 'WEEK', anchor: weekOf ?? new Date(now.getTime() - WEEK_MS) },
      this.timeZone,
    );
    const previous = previousWeek(week);
    // Both weeks and the targets in one folded statement, on one generation.
    const folded = await this.fold();
    const targets = this.targets.allVia(folded.run);
    const [current, before] = await Promise.all([
      this.metricsFor(week, effective, now, targets, folded),
      this.metricsFor(previous, effective, now, targets, folded),
    ]);
    return buildWeeklyReview(current, before, current.targets);
  }

  /** Today's figures (desk time zone) for dashboards; what metricsUpdated pushes. */
  async liveMetrics(identity: Identity, queueIds: string[], now = new Date()): Promise<LiveMetrics> {
    if (queueIds.length === 0 || queueIds.length > MAX_LIVE_QUEUES) {
      throw new AnalyticsError(
        AnalyticsErrorCode.InvalidFilter,
        `liveMetrics needs between 1 and ${MAX_LIVE_QUEUES} queueIds.`,
      );
    }
    const queues = readableQueues(identity, [...new Set(queueIds)]) as string[];
    const day = today(this.timeZone, now);
    const range = [day.from, day.to, queues];
    const { run } = await this.fold();
    // Medians by percentile_cont (kpi-math's quantile is the same interpolation): a busy day's rows stay in PostgreSQL.
    const [[counts], [firstResponses], [resolutions], [clocks], [ratings], overdue] = await Promise.all([
      run<{ open: number; created: number }>(
        // Open now from the open/close counters (every change so far); created today by the creation index.
        `SELECT (SELECT COALESCE(sum(b.delta), 0) FROM §.agg_backlog b WHERE b.queue_id = ANY($3::text[]))::int AS open,
                (SELECT count(*) FROM §.tickets t WHERE t.created_at >= $1 AND t.created_at < $2
                    AND t.number IS NOT NULL AND t.merged_into IS NULL AND t.queue_id = ANY($3::text[]))::int AS created`,
        range,
      ),
      run<{ median: number | null }>(
        `SELECT percentile_cont(0.5) WITHIN GROUP
                  (ORDER BY (EXTRACT(EPOCH FROM (t.first_response_at - t.created_at)) * 1000)::float8) AS median
           FROM §.tickets t WHERE t.number IS NOT NULL AND t.merged_into IS NULL AND t.queue_id = ANY($3::text[])
            AND t.first_response_at >= $1 AND t.first_response_at < $2`,
        range,
      ),
      run<{ resolved: number; median: number | null }>(
        `SELECT count(DISTINCT tr.ticket_id)::int AS resolved,
                percentile_cont(0.5) WITHIN GROUP (ORDER BY (EXTRACT(EPOCH FROM (tr.at - t.created_at)) * 1000)::float8)
                  AS median
           FROM §.ticket_transitions tr JOIN §.tickets t ON t.ticket_id = tr.ticket_id
          WHERE t.number IS NOT NULL AND t.merged_into IS NULL AND t.queue_id = ANY($3::text[])
            AND tr.to_status = 'RESOLVED' AND tr.at >= $1 AND tr.at < $2`,
        range,
      ),
      run<{ achieved: number; breached: number; breaches_today: number; running: number }>(
        `SELECT count(*) FILTER (WHERE c.state = 'ACHIEVED' AND c.ended_at >= $1 AND c.ended_at < $2)::int AS achieved,
                count(*) FILTER (WHERE c.state = 'BREACHED' AND c.ended_at >= $1 AND c.ended_at < $2)::int AS breached,
                count(*) FILTER (WHERE c.breached_at >= $1 AND c.breached_at < $2)::int AS breaches_today,
                count(*) FILTER (WHERE c.state = 'RUNNING')::int AS running
           FROM §.sla_clocks c LEFT JOIN §.tickets t ON t.ticket_id = c.ticket_id
          WHERE COALESCE(t.queue_id, c.queue_id) = ANY($3::text[]) AND t.merged_into IS NULL`,
        range,
      ),
      run<{ positive: number; total: number }>(
        `SELECT count(*) FILTER (WHERE r.satisfaction IN ('VERY_SATISFIED', 'SATISFIED'))::int AS positive,
                count(*)::int AS total
           FROM §.ratings r JOIN §.tickets t ON t.ticket_id = r.ticket_id
          WHERE t.merged_into IS NULL AND t.queue_id = ANY($3::text[]) AND r.at >= $1 AND r.at < $2`,
        range,
      ),
      // A visit counts in the ticket's current queue (the visit's own queue if the ticket is unknown).
      run<{ queue_id: string; ticket_id: string }>(
        `SELECT COALESCE(t.queue_id, v.queue_id) AS queue_id, v.ticket_id
           FROM §.visits v LEFT JOIN §.tickets t ON t.ticket_id = v.ticket_id
          WHERE v.overdue_at IS NOT NULL AND v.completed_at IS NULL
            AND COALESCE(t.queue_id, v.queue_id) = ANY($1::text[])
          ORDER BY v.visit_id`,
        [queues],
      ),
    ]);
    return {
      at: now,
      queueIds: [...queues].sort(),
      openBacklog: counts.open,
      createdToday: counts.created,
      resolvedToday: resolutions.resolved,
      firstResponseMedianMs: firstResponses.median,
      resolutionMedianMs: resolutions.median,
      slaAchievementRate: ratio(clocks.achieved, clocks.achieved + clocks.breached),
      breachesToday: clocks.breaches_today,
      runningClocks: clocks.running,
      satisfactionRate: ratio(ratings.positive, ratings.total),
      overdueVisits: overdue.length,
      overdueVisitsByQueue: bucketsBy(
        overdue,
        (row) => row.queue_id,
        (row) => row.ticket_id,
      ),
    };
  }
}
