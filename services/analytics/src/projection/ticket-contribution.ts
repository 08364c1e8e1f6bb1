import { localDateOf } from '../metrics/period';
import { RESOLVED_STATUSES, type TicketFields } from '../metrics/ticket-metrics';

/**
 * What one ticket adds to the daily aggregates, as a pure function of its
 * projection rows. The appliers subtract a ticket's contribution before an
 * event and add it back after, so a transfer, a reclassification, a merge
 * or a replacing rating moves the ticket between aggregate rows exactly,
 * and the aggregates always equal the sum of the current contributions.
 */
export type TicketState = TicketFields & {
  number: string | null;
  mergedInto: string | null;
  agents: string[];
  /** Every rating, oldest first (at, event id). */
  ratings: { satisfaction: string; repeatComplaint: boolean }[];
  clocks: { target: string; state: string }[];
  keywords: string[];
  visits: { completed: boolean; reached: boolean | null; satisfied: boolean | null }[];
  refusals: { agentId: string; phrases: string[] }[];
  /** Status changes in version order. */
  transitions: { at: Date; toStatus: string }[];
};

/**
 * Counter rows: `${day}|${queue}|${priority}|${channel}|${type}|${figure}|${key}` → count and sum (ms for
 * durations); the ticket's priority, channel and type feed the single-dimension grains (aggregate-grains.ts).
 */
export type CounterMap = Map<string, { n: number; total: number }>;
/** Backlog rows: `${queue}|${ageDay}|${changeDay}` → change of the open count. */
export type BacklogMap = Map<string, number>;

export interface Contribution {
  counters: CounterMap;
  /** Histogram rows: `${day}|${queue}|${priority}|${channel}|${type}|${figure}|${key}|${bucket}` → count and sum. */
  histograms: CounterMap;
  backlog: BacklogMap;
}

export const SEPARATOR = '|';
/** Joins an agent id and a phrase in one key (a unit separator never appears in either). */
export const KEY_JOIN = '\u001f';
const POSITIVE = new Set(['VERY_SATISFIED', 'SATISFIED']);
const COMPLAINT_ANSWER_MS = 48 * 3_600_000;
const UNKNOWN = '(unknown)';

/**
 * Log-scale histogram buckets: bucket b holds durations in [γ^b, γ^(b+1)) ms
 * with γ = 1.02; durations under 1 ms (and negative clock skew) share bucket
 * -1. Each bucket also keeps its sum, and a percentile reads the bucket mean,
 * which lies in the bucket: the relative error is below γ − 1 = 2 %, and 0
 * when a bucket holds equal values.
 */
export const HISTOGRAM_GAMMA = 1.02;
const LOG_GAMMA = Math.log(HISTOGRAM_GAMMA);

export function histogramBucket(ms: number): number {
  return ms < 1 ? -1 : Math.floor(Math.log(ms) / LOG_GAMMA + 1e-9);
}

const dayCache = new Map<string, string>();

/** The desk-time-zone calendar day (YYYY-MM-DD) of an instant; cached per quarter hour (zone offsets are multiples of 15 min). */
export function deskDay(instant: Date, timeZone: string): string {
  const cacheKey = `${timeZone}${Math.floor(instant.getTime() / 900_000)}`;
  const cached = dayCache.get(cacheKey);
  if (cached !== undefined) return cached;
  const { year, month, day } = localDateOf(instant, timeZone);
  const text = `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
  if (dayCache.size > 200_000) dayCache.clear();
  dayCache.set(cacheKey, text);
  return text;
}

function add(map: CounterMap, key: string, n: number, total: number): void {
  const row = map.get(key);
  if (row) {
    row.n += n;
    row.total += total;
  } else map.set(key, { n, total });
}

/** The ticket's contribution, or an empty one while it is not (or no longer) in any cohort. */
export function ticketContribution(state: TicketState | undefined, timeZone: string): Contribution {
  const result: Contribution = { counters: new Map(), histograms: new Map(), backlog: new Map() };
  // Only tickets whose created event arrived count; merged duplicates count through their primary.
  if (!state || state.number === null || state.mergedInto !== null || state.createdAt === null) return result;
  const t = state;
  const createdAt = t.createdAt!;
  const day = deskDay(createdAt, timeZone);
  const queue = t.queueId ?? '';
  const dimensions = [t.priority ?? '', t.channel ?? '', t.type ?? ''];
  const prefix = [day, queue, ...dimensions, ''].join(SEPARATOR);
  const count = (figure: string, key = '', n = 1, total = 0) => {
    if (n !== 0 || total !== 0) add(result.counters, `${prefix}${figure}${SEPARATOR}${key}`, n, total);
  };
  const duration = (figure: string, key: string, ms: number | null) => {
    if (ms === null) return;
    count(figure, key, 1, ms);
    add(result.histograms, `${prefix}${figure}${SEPARATOR}${key}${SEPARATOR}${histogramBucket(ms)}`, 1, ms);
  };
  const since = (at: Date | null) => (at ? at.getTime() - createdAt.getTime() : null);
  const resolvedNow = RESOLVED_STATUSES.includes(t.status) && t.lastResolvedAt !== null;

  count('vol');
  count('vol.type', t.type ?? '');
  count('vol.cat', t.category ?? '(none)');
  count('vol.chan', t.channel ?? '');
  count('vol.prio', t.priority ?? '');
  count('vol.cust', t.customerType ?? UNKNOWN);
  for (const keyword of t.keywords) count('kw', keyword);

  const firstResponseMs = since(t.firstResponseAt);
  const finalMs = resolvedNow ? since(t.lastResolvedAt) : null;
  const finalBusinessMs = resolvedNow ? t.finalResolutionBusinessMs : null;
  duration('fr.cal', '', firstResponseMs);
  duration('fr.bus', '', t.firstResponseBusinessMs);
  duration('res1.cal', '', since(t.firstResolvedAt));
  duration('res1.bus', '', t.firstResolutionBusinessMs);
  duration('resN.cal', '', finalMs);
  duration('resN.bus', '', finalBusinessMs);

  let breached = 0;
  let firstResponseClock: 'ACHIEVED' | 'BREACHED' | null = null;
  for (const clock of t.clocks) {
    if (clock.state === 'ACHIEVED' || clock.state === 'BREACHED' || clock.state === 'RUNNING') {
      count(`sla.${clock.state}`, clock.target);
    }
    if (clock.state === 'BREACHED') breached++;
    if (clock.target === 'FIRST_RESPONSE' && (clock.state === 'ACHIEVED' || clock.state === 'BREACHED')) {
      // A breach anywhere makes the first reply late.
      if (firstResponseClock !== 'BREACHED') firstResponseClock = clock.state;
    }
  }
  count('breach.prio', t.priority ?? '', breached);

  // Satisfaction: the latest rating of a ticket counts (a new rating replaces the earlier one);
  // the first one is kept apart as first-contact satisfaction.
  const latest = t.ratings.at(-1);
  const first = t.ratings[0];
  const tier = t.customerTier ?? UNKNOWN;
  if (latest) {
    const positive = POSITIVE.has(latest.satisfaction) ? 1 : 0;
    count('sat.rated');
    count('sat.pos', '', positive);
    count('satTier.rated', tier);
    count('satTier.pos', tier, positive);
    count('satRegion.rated', t.customerRegion ?? UNKNOWN);
    count('satRegion.pos', t.customerRegion ?? UNKNOWN, positive);
    if (t.type === 'COMPLAINT') {
      count('satComplaintTier.rated', tier);
      count('satComplaintTier.pos', tier, positive);
    }
    for (const agent of t.agents) {
      count('agent.sat.rated', agent);
      count('agent.sat.pos', agent, positive);
    }
  }
  if (first) {
    count('satFirst.rated');
    count('satFirst.pos', '', POSITIVE.has(first.satisfaction) ? 1 : 0);
  }
  const repeats = t.ratings.filter((rating) => rating.repeatComplaint).length;
  count('ratings', '', t.ratings.length);
  count('resolutions', '', t.resolutionCount);
  count('repeats', '', repeats);
  count('originals', '', t.type === 'COMPLAINT' || repeats > 0 ? 1 : 0);

  if (t.firstResolvedAt !== null) {
    count('resolved');
    count('reopened', '', t.reopenCount > 0 ? 1 : 0);
    const oneTouch =
      t.publicAgentReplies <= 1 && t.reopenCount === 0 && t.transferCount === 0 && t.escalationCount === 0;
    count('oneTouch', '', oneTouch ? 1 : 0);
  }
  if (t.type === 'COMPLAINT') {
    count('complaints');
    count('complaints48', '', firstResponseMs !== null && firstResponseMs <= COMPLAINT_ANSWER_MS ? 1 : 0);
  }
  if (t.firstResponseAt !== null) {
    count('replied');
    if (firstResponseClock !== null) {
      count('repliedClock');
      count('repliedOnTime', '', firstResponseClock === 'ACHIEVED' ? 1 : 0);
    }
  }
  for (const visit of t.visits) {
    if (visit.completed && visit.reached && visit.satisfied !== null) {
      count('followUp.verdicts');
      count('followUp.satisfied', '', visit.satisfied ? 1 : 0);
    }
  }

  for (const agent of t.agents) {
    count('agent.handled', agent);
    duration('agent.fr.cal', agent, firstResponseMs);
    duration('agent.fr.bus', agent, t.firstResponseBusinessMs);
    duration('agent.resN.cal', agent, finalMs);
    duration('agent.resN.bus', agent, finalBusinessMs);
  }
  for (const refusal of t.refusals) {
    count('agent.refused', refusal.agentId);
    for (const phrase of refusal.phrases) count('agent.phrase', `${refusal.agentId}${KEY_JOIN}${phrase}`);
  }

  // Backlog: +1 when the ticket opens, −1 when it leaves for a resolved status, +1 when it comes back,
  // each on the desk day it happened. The age day is that of (created − 1 ms), so whole-day ages at a
  // day boundary bucket exactly as the millisecond ages do (see README "Backlog from daily counters").
  const ageDay = deskDay(new Date(createdAt.getTime() - 1), timeZone);
  const shift = (at: Date, delta: number) => {
    const key = `${queue}${SEPARATOR}${ageDay}${SEPARATOR}${deskDay(at, timeZone)}`;
    result.backlog.set(key, (result.backlog.get(key) ?? 0) + delta);
  };
  let open = true;
  shift(createdAt, 1);
  for (const transition of t.transitions) {
    const nowOpen = !RESOLVED_STATUSES.includes(transition.toStatus);
    if (nowOpen !== open) shift(transition.at, nowOpen ? 1 : -1);
    open = nowOpen;
  }
  return result;
}

/** after − before, without the rows that did not change. */
export function contributionDelta(before: Contribution, after: Contribution): Contribution {
  const diff = (a: CounterMap, b: CounterMap): CounterMap => {
    const out: CounterMap = new Map();
    for (const [key, value] of b) out.set(key, { n: value.n, total: value.total });
    for (const [key, value] of a) add(out, key, -value.n, -value.total);
    for (const [key, value] of out) if (value.n === 0 && value.total === 0) out.delete(key);
    return out;
  };
  const backlog: BacklogMap = new Map(after.backlog);
  for (const [key, delta] of before.backlog) backlog.set(key, (backlog.get(key) ?? 0) - delta);
  for (const [key, delta] of backlog) if (delta === 0) backlog.delete(key);
  return {
    counters: diff(before.counters, after.counters),
    histograms: diff(before.histograms, after.histograms),
    backlog,
  };
}

/** Adds b into a (several tickets' deltas of one batch become one write). */
export function mergeInto(a: Contribution, b: Contribution): void {
  for (const [key, value] of b.counters) add(a.counters, key, value.n, value.total);
  for (const [key, value] of b.histograms) add(a.histograms, key, value.n, value.total);
  for (const [key, delta] of b.backlog) a.backlog.set(key, (a.backlog.get(key) ?? 0) + delta);
}
