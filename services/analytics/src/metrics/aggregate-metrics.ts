import { KEY_JOIN } from '../projection/ticket-contribution';
import { AGE_BUCKETS, ratio, type DurationStats, type MetricBucket, type MetricRate } from './kpi-math';
import type { ResolvedPeriod } from './period';
import {
  SLA_TARGETS,
  type AgentMetrics,
  type DurationPair,
  type MetricsOptions,
  type QueueMetrics,
  type RateBucket,
  type TicketMetrics,
} from './ticket-metrics';

/**
 * The figures of a period from the daily aggregates (sums of days): the same
 * shapes as ticket-metrics.ts computes from the projection rows, whose
 * definitions they share (proven by the property test). Ticket ids are left
 * empty here: drill-downs are fetched apart, only when selected.
 */

/** Summed counters of a scope: `${figure}|${key}` → count and sum. */
export type Counters = Map<string, { n: number; total: number }>;

/** Order statistics read from merged histogram buckets: figure → { count, valueAt(rank) }. */
export interface Quantiles {
  /** Estimated value of the order statistic at 0-based rank, from its bucket's mean. */
  valueAt(figure: string, rank: number): number | null;
}

export const NO_QUANTILES: Quantiles = { valueAt: () => null };

function get(counters: Counters, figure: string, key = ''): number {
  return counters.get(`${figure}|${key}`)?.n ?? 0;
}

function sumOf(counters: Counters, figure: string, key = ''): number {
  return counters.get(`${figure}|${key}`)?.total ?? 0;
}

/** Keys of a figure with their counts, busiest first then by key (as bucketsBy). */
function keysOf(counters: Counters, figure: string): { key: string; n: number }[] {
  const prefix = `${figure}|`;
  const rows: { key: string; n: number }[] = [];
  for (const [compound, value] of counters) {
    if (compound.startsWith(prefix) && value.n !== 0)
      rows.push({ key: compound.slice(prefix.length), n: value.n });
  }
  return rows.sort((a, b) => b.n - a.n || a.key.localeCompare(b.key));
}

function buckets(counters: Counters, figure: string): MetricBucket[] {
  return keysOf(counters, figure).map(({ key, n }) => ({ key, count: n, ticketIds: [] }));
}

function rateOf(numerator: number, denominator: number): MetricRate {
  return { numerator, denominator, value: ratio(numerator, denominator), ticketIds: [], baseTicketIds: [] };
}

function stats(counters: Counters, quantiles: Quantiles, figure: string, key = ''): DurationStats {
  const count = get(counters, figure, key);
  const at = (q: number) => {
    if (count === 0) return null;
    // Linear interpolation between closest ranks, as kpi-math's quantile and percentile_cont.
    const position = (count - 1) * q;
    const lower = quantiles.valueAt(`${figure}|${key}`, Math.floor(position));
    const upper = quantiles.valueAt(`${figure}|${key}`, Math.ceil(position));
    if (lower === null || upper === null) return null;
    return lower + (upper - lower) * (position - Math.floor(position));
  };
  return {
    count,
    meanMs: count === 0 ? null : sumOf(counters, figure, key) / count,
    medianMs: at(0.5),
    p90Ms: at(0.9),
    ticketIds: [],
  };
}

function pair(counters: Counters, quantiles: Quantiles, figure: string, key = ''): DurationPair {
  return {
    calendar: stats(counters, quantiles, `${figure}.cal`, key),
    business: stats(counters, quantiles, `${figure}.bus`, key),
  };
}

function rateBuckets(counters: Counters, figure: string): RateBucket[] {
  return keysOf(counters, `${figure}.rated`)
    .map(({ key, n }) => ({ key, rate: rateOf(get(counters, `${figure}.pos`, key), n) }))
    .sort((a, b) => b.rate.denominator - a.rate.denominator || a.key.localeCompare(b.key));
}

function sumWhere(counters: Counters, figure: string, keys: (key: string) => boolean): number {
  return keysOf(counters, figure)
    .filter(({ key }) => keys(key))
    .reduce((sum, { n }) => sum + n, 0);
}

export interface ScopeCounters {
  /** All counters of the scope summed over its queues. */
  all: Counters;
  /** Per queue: volume and breaches for byQueue breakdowns. */
  perQueue: Map<string, Counters>;
}

export function emptyBacklog(): TicketMetrics['backlog'] {
  return { open: 0, ticketIds: [], byAge: AGE_BUCKETS.map((key) => ({ key, count: 0, ticketIds: [] })) };
}

export function metricsFromCounters(
  period: ResolvedPeriod,
  scope: ScopeCounters,
  quantiles: Quantiles,
  backlog: TicketMetrics['backlog'],
  topKeywords: MetricBucket[],
  options: MetricsOptions,
): TicketMetrics {
  const c = scope.all;
  const queues = [...scope.perQueue];
  const byQueue = (figure: string, key?: string) =>
    queues
      .map(([queueId, counters]) => ({
        key: queueId,
        count: key === undefined ? sumWhere(counters, figure, () => true) : get(counters, figure, key),
        ticketIds: [] as string[],
      }))
      .filter((bucket) => bucket.count !== 0)
      .sort((a, b) => b.count - a.count || a.key.localeCompare(b.key));
  const isKey = (tier: string) => options.keyCustomerTiers.includes(tier);
  const breached = sumWhere(c, 'sla.BREACHED', () => true);
  return {
    period,
    volume: {
      total: get(c, 'vol'),
      ticketIds: [],
      byType: buckets(c, 'vol.type'),
      byCategory: buckets(c, 'vol.cat'),
      byChannel: buckets(c, 'vol.chan'),
      byPriority: buckets(c, 'vol.prio'),
      byQueue: byQueue('vol', ''),
      byAgent: buckets(c, 'agent.handled'),
      byCustomerType: buckets(c, 'vol.cust'),
    },
    backlog,
    firstResponse: pair(c, quantiles, 'fr'),
    firstResolution: pair(c, quantiles, 'res1'),
    finalResolution: pair(c, quantiles, 'resN'),
    sla: SLA_TARGETS.map((target) => {
      const achieved = get(c, 'sla.ACHIEVED', target);
      const breachedClocks = get(c, 'sla.BREACHED', target);
      return {
        target,
        achieved,
        breached: breachedClocks,
        rate: ratio(achieved, achieved + breachedClocks),
        running: get(c, 'sla.RUNNING', target),
        achievedTicketIds: [],
        breachedTicketIds: [],
        runningTicketIds: [],
      };
    }),
    breaches: {
      total: breached,
      ticketIds: [],
      byQueue: byQueue('sla.BREACHED'),
      byPriority: buckets(c, 'breach.prio'),
    },
    satisfactionRate: rateOf(get(c, 'sat.pos'), get(c, 'sat.rated')),
    firstContactSatisfactionRate: rateOf(get(c, 'satFirst.pos'), get(c, 'satFirst.rated')),
    satisfactionByTier: rateBuckets(c, 'satTier'),
    satisfactionByRegion: rateBuckets(c, 'satRegion'),
    keyCustomerSatisfactionRate: rateOf(
      sumWhere(c, 'satTier.pos', isKey),
      sumWhere(c, 'satTier.rated', isKey),
    ),
    keyCustomerComplaintSatisfactionRate: rateOf(
      sumWhere(c, 'satComplaintTier.pos', isKey),
      sumWhere(c, 'satComplaintTier.rated', isKey),
    ),
    followUpSatisfactionRate: rateOf(get(c, 'followUp.satisfied'), get(c, 'followUp.verdicts')),
    responseRate: rateOf(get(c, 'ratings'), get(c, 'resolutions')),
    repeatComplaintRate: rateOf(get(c, 'repeats'), get(c, 'originals')),
    reopenRate: rateOf(get(c, 'reopened'), get(c, 'resolved')),
    oneTouchResolutionRate: rateOf(get(c, 'oneTouch'), get(c, 'resolved')),
    complaintAnsweredWithin48h: rateOf(get(c, 'complaints48'), get(c, 'complaints')),
    replyRate: rateOf(get(c, 'replied'), get(c, 'vol')),
    onTimeReplyRate: rateOf(get(c, 'repliedOnTime'), get(c, 'repliedClock')),
    topCategories: buckets(c, 'vol.cat')
      .filter((bucket) => bucket.key !== '(none)')
      .slice(0, 10),
    topKeywords,
  };
}

/** Per-queue figures (queueMetrics) from each queue's counters. */
export function queueFiguresFromCounters(
  perQueue: Map<string, Counters>,
  quantiles: Quantiles,
): Omit<QueueMetrics, 'targets'>[] {
  return [...perQueue]
    .filter(([, counters]) => get(counters, 'vol') !== 0)
    .map(([queueId, counters]) => {
      const scoped: Quantiles = {
        valueAt: (figure, rank) => quantiles.valueAt(`${queueId}|${figure}`, rank),
      };
      return {
        queueId,
        handled: get(counters, 'vol'),
        ticketIds: [],
        firstResponse: pair(counters, scoped, 'fr'),
        finalResolution: pair(counters, scoped, 'resN'),
        satisfactionRate: rateOf(get(counters, 'sat.pos'), get(counters, 'sat.rated')),
        breaches: sumWhere(counters, 'sla.BREACHED', () => true),
      };
    })
    .sort((a, b) => b.handled - a.handled || a.queueId.localeCompare(b.queueId));
}

/** Per-agent figures (agentMetrics) from the `agent.*` counters keyed by agent id. */
export function agentFiguresFromCounters(counters: Counters, quantiles: Quantiles): AgentMetrics[] {
  const agents = new Set([
    ...keysOf(counters, 'agent.handled').map(({ key }) => key),
    ...keysOf(counters, 'agent.refused').map(({ key }) => key),
  ]);
  const phrasesOf = new Map<string, MetricBucket[]>();
  for (const { key, n } of keysOf(counters, 'agent.phrase')) {
    const [agentId, phrase] = key.split(KEY_JOIN);
    phrasesOf.set(agentId, [...(phrasesOf.get(agentId) ?? []), { key: phrase, count: n, ticketIds: [] }]);
  }
  return [...agents]
    .map((agentId) => ({
      agentId,
      handled: get(counters, 'agent.handled', agentId),
      ticketIds: [],
      firstResponse: pair(counters, quantiles, 'agent.fr', agentId),
      finalResolution: pair(counters, quantiles, 'agent.resN', agentId),
      satisfactionRate: rateOf(
        get(counters, 'agent.sat.pos', agentId),
        get(counters, 'agent.sat.rated', agentId),
      ),
      refusedReplies: get(counters, 'agent.refused', agentId),
      refusedReplyTicketIds: [],
      refusedPhrases: phrasesOf.get(agentId) ?? [],
    }))
    .sort((a, b) => b.handled - a.handled || a.agentId.localeCompare(b.agentId));
}
