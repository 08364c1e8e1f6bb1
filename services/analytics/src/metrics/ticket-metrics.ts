import {
  ageBucket,
  AGE_BUCKETS,
  bucketsBy,
  durationStats,
  rate,
  uniqueSorted,
  type DurationSample,
  type DurationStats,
  type MetricBucket,
  type MetricRate,
} from './kpi-math';
import type { ResolvedPeriod } from './period';

/** One ticket as the projection folded it (see projection-tables.ts). */
export interface TicketFact {
  ticketId: string;
  createdAt: Date;
  type: string;
  category: string | null;
  channel: string;
  priority: string;
  queueId: string;
  customerType: string | null;
  /** From the created event (optional there): e.g. KEY (大客户), STANDARD. */
  customerTier: string | null;
  customerRegion: string | null;
  status: string;
  firstResponseAt: Date | null;
  firstResolvedAt: Date | null;
  lastResolvedAt: Date | null;
  resolutionCount: number;
  reopenCount: number;
  transferCount: number;
  escalationCount: number;
  publicAgentReplies: number;
  firstResponseBusinessMs: number | null;
  firstResolutionBusinessMs: number | null;
  finalResolutionBusinessMs: number | null;
}

/** A row of the projection's `tickets` table as pg returns it (BIGINT as text). */
export interface TicketRow {
  ticket_id: string;
  number: string | null;
  merged_into: string | null;
  created_at: Date | null;
  type: string | null;
  category: string | null;
  channel: string | null;
  priority: string | null;
  queue_id: string | null;
  customer_type: string | null;
  customer_tier: string | null;
  customer_region: string | null;
  status: string;
  first_response_at: Date | null;
  first_resolved_at: Date | null;
  last_resolved_at: Date | null;
  resolution_count: number;
  reopen_count: number;
  transfer_count: number;
  escalation_count: number;
  public_agent_replies: number;
  first_response_business_ms: string | null;
  first_resolution_business_ms: string | null;
  final_resolution_business_ms: string | null;
}

/** A ticket's fields before its created event arrived may be unknown (the row was made by a later event). */
export type TicketFields = Omit<TicketFact, 'createdAt' | 'type' | 'channel' | 'priority' | 'queueId'> & {
  createdAt: Date | null;
  type: string | null;
  channel: string | null;
  priority: string | null;
  queueId: string | null;
};

/**
 * The one conversion from a tickets row to the fields the figures read:
 * the figures from rows (loadCohort) and the aggregates' contributions
 * (loadTicketStates) both use it, so the two cannot drift.
 */
export function ticketFieldsOf(row: TicketRow): TicketFields {
  const ms = (value: string | null) => (value === null ? null : Number(value));
  return {
    ticketId: row.ticket_id,
    createdAt: row.created_at,
    type: row.type,
    category: row.category,
    channel: row.channel,
    priority: row.priority,
    queueId: row.queue_id,
    customerType: row.customer_type,
    customerTier: row.customer_tier,
    customerRegion: row.customer_region,
    status: row.status,
    firstResponseAt: row.first_response_at,
    firstResolvedAt: row.first_resolved_at,
    lastResolvedAt: row.last_resolved_at,
    resolutionCount: row.resolution_count,
    reopenCount: row.reopen_count,
    transferCount: row.transfer_count,
    escalationCount: row.escalation_count,
    publicAgentReplies: row.public_agent_replies,
    firstResponseBusinessMs: ms(row.first_response_business_ms),
    firstResolutionBusinessMs: ms(row.first_resolution_business_ms),
    finalResolutionBusinessMs: ms(row.final_resolution_business_ms),
  };
}

export interface RatingFact {
  ticketId: string;
  satisfaction: string;
  repeatComplaint: boolean;
}

export interface ClockFact {
  ticketId: string;
  target: string;
  state: 'RUNNING' | 'ACHIEVED' | 'BREACHED' | 'STOPPED';
}

/** A follow-up or tracking visit with an outcome (reached, satisfied) once completed. */
export interface VisitFact {
  ticketId: string;
  kind: string;
  completed: boolean;
  reached: boolean | null;
  satisfied: boolean | null;
}

/** A public reply refused for forbidden service language. */
export interface RefusalFact {
  ticketId: string;
  agentId: string;
  phrases: string[];
}

/** The tickets of a period (after filters) with what hangs off them. */
export interface Cohort {
  tickets: TicketFact[];
  agents: { ticketId: string; agentId: string }[];
  ratings: RatingFact[];
  clocks: ClockFact[];
  keywords: { ticketId: string; keyword: string }[];
  visits: VisitFact[];
  refusals: RefusalFact[];
}

/** A rate per key (e.g. satisfaction per customer tier). */
export interface RateBucket {
  key: string;
  rate: MetricRate;
}

export interface DurationPair {
  calendar: DurationStats;
  business: DurationStats;
}

export interface SlaAchievement {
  target: string;
  achieved: number;
  breached: number;
  rate: number | null;
  running: number;
  achievedTicketIds: string[];
  breachedTicketIds: string[];
  runningTicketIds: string[];
}

export interface TicketMetrics {
  period: ResolvedPeriod;
  volume: {
    total: number;
    ticketIds: string[];
    byType: MetricBucket[];
    byCategory: MetricBucket[];
    byChannel: MetricBucket[];
    byPriority: MetricBucket[];
    byQueue: MetricBucket[];
    byAgent: MetricBucket[];
    byCustomerType: MetricBucket[];
  };
  backlog: { open: number; ticketIds: string[]; byAge: MetricBucket[] };
  firstResponse: DurationPair;
  firstResolution: DurationPair;
  finalResolution: DurationPair;
  sla: SlaAchievement[];
  breaches: { total: number; ticketIds: string[]; byQueue: MetricBucket[]; byPriority: MetricBucket[] };
  satisfactionRate: MetricRate;
  /** The same over each ticket's first rating (first-contact satisfaction). */
  firstContactSatisfactionRate: MetricRate;
  satisfactionByTier: RateBucket[];
  satisfactionByRegion: RateBucket[];
  keyCustomerSatisfactionRate: MetricRate;
  keyCustomerComplaintSatisfactionRate: MetricRate;
  followUpSatisfactionRate: MetricRate;
  responseRate: MetricRate;
  repeatComplaintRate: MetricRate;
  reopenRate: MetricRate;
  oneTouchResolutionRate: MetricRate;
  complaintAnsweredWithin48h: MetricRate;
  replyRate: MetricRate;
  onTimeReplyRate: MetricRate;
  topCategories: MetricBucket[];
  topKeywords: MetricBucket[];
}

export interface AgentMetrics {
  agentId: string;
  handled: number;
  ticketIds: string[];
  firstResponse: DurationPair;
  finalResolution: DurationPair;
  satisfactionRate: MetricRate;
  /** Public replies of this agent refused for forbidden service language. */
  refusedReplies: number;
  refusedReplyTicketIds: string[];
  refusedPhrases: MetricBucket[];
}

export interface QueueMetrics extends Omit<
  AgentMetrics,
  'agentId' | 'refusedReplies' | 'refusedReplyTicketIds' | 'refusedPhrases'
> {
  queueId: string;
  breaches: number;
}

export const SLA_TARGETS = ['FIRST_RESPONSE', 'NEXT_RESPONSE', 'RESOLUTION'] as const;
export const RESOLVED_STATUSES = ['RESOLVED', 'CLOSED', 'ARCHIVED'];
const POSITIVE = new Set(['VERY_SATISFIED', 'SATISFIED']);
/** Options of the figures that depend on desk configuration. */
export interface MetricsOptions {
  /** Customer tiers that count as key customers (大客户), e.g. ['KEY']. */
  keyCustomerTiers: string[];
}

export const DEFAULT_METRICS_OPTIONS: MetricsOptions = { keyCustomerTiers: ['KEY'] };
const UNKNOWN = '(unknown)';
const COMPLAINT_ANSWER_MS = 48 * 3_600_000;
const TOP = 10;

function samples(tickets: TicketFact[], measure: (ticket: TicketFact) => number | null): DurationSample[] {
  const result: DurationSample[] = [];
  for (const ticket of tickets) {
    const ms = measure(ticket);
    if (ms !== null) result.push({ ticketId: ticket.ticketId, ms });
  }
  return result;
}

function between(from: Date, to: Date | null): number | null {
  return to ? to.getTime() - from.getTime() : null;
}

function isResolvedNow(ticket: TicketFact): boolean {
  return RESOLVED_STATUSES.includes(ticket.status) && ticket.lastResolvedAt !== null;
}

export function firstResponseTimes(tickets: TicketFact[]): DurationPair {
  return {
    calendar: durationStats(samples(tickets, (t) => between(t.createdAt, t.firstResponseAt))),
    business: durationStats(samples(tickets, (t) => t.firstResponseBusinessMs)),
  };
}

export function finalResolutionTimes(tickets: TicketFact[]): DurationPair {
  const resolved = tickets.filter(isResolvedNow);
  return {
    calendar: durationStats(samples(resolved, (t) => between(t.createdAt, t.lastResolvedAt))),
    business: durationStats(samples(resolved, (t) => t.finalResolutionBusinessMs)),
  };
}

/**
 * Each ticket's latest rating (ratings come oldest first): a rating after a
 * reopen replaces the earlier one, which stays in the ratings history.
 */
export function latestRatings(ratings: RatingFact[]): RatingFact[] {
  return [...new Map(ratings.map((rating) => [rating.ticketId, rating])).values()];
}

/** Each ticket's first rating: first-contact satisfaction. */
export function firstRatings(ratings: RatingFact[]): RatingFact[] {
  return latestRatings([...ratings].reverse());
}

export function satisfactionRate(ratings: RatingFact[]): MetricRate {
  const positive = ratings.filter((rating) => POSITIVE.has(rating.satisfaction));
  return rate(
    positive.length,
    ratings.length,
    positive.map((rating) => rating.ticketId),
    ratings.map((rating) => rating.ticketId),
  );
}

/** Satisfaction per key of the rated ticket (tier, region …); ratings of tickets outside the cohort are skipped. */
export function satisfactionBy(
  ratings: RatingFact[],
  byId: Map<string, TicketFact>,
  keyOf: (ticket: TicketFact) => string | null,
): RateBucket[] {
  const groups = new Map<string, RatingFact[]>();
  for (const rating of ratings) {
    const ticket = byId.get(rating.ticketId);
    if (!ticket) continue;
    const key = keyOf(ticket) ?? UNKNOWN;
    groups.set(key, [...(groups.get(key) ?? []), rating]);
  }
  return [...groups]
    .map(([key, group]) => ({ key, rate: satisfactionRate(group) }))
    .sort((a, b) => b.rate.denominator - a.rate.denominator || a.key.localeCompare(b.key));
}

/**
 * Follow-up satisfaction (回访满意度): completed visits where the customer was
 * reached and gave a verdict; satisfied ones over those. Kept apart from the
 * rating-based satisfaction rate, which stays the handbook's definition.
 */
export function followUpSatisfactionRate(visits: VisitFact[]): MetricRate {
  const verdicts = visits.filter((visit) => visit.completed && visit.reached && visit.satisfied !== null);
  const satisfied = verdicts.filter((visit) => visit.satisfied === true);
  return rate(
    satisfied.length,
    verdicts.length,
    satisfied.map((visit) => visit.ticketId),
    verdicts.map((visit) => visit.ticketId),
  );
}

function slaAchievement(target: string, clocks: ClockFact[]): SlaAchievement {
  const of = (state: ClockFact['state']) => clocks.filter((c) => c.target === target && c.state === state);
  const achieved = of('ACHIEVED');
  const breached = of('BREACHED');
  const running = of('RUNNING');
  const ended = achieved.length + breached.length;
  return {
    target,
    achieved: achieved.length,
    breached: breached.length,
    rate: ended === 0 ? null : achieved.length / ended,
    running: running.length,
    achievedTicketIds: uniqueSorted(achieved.map((c) => c.ticketId)),
    breachedTicketIds: uniqueSorted(breached.map((c) => c.ticketId)),
    runningTicketIds: uniqueSorted(running.map((c) => c.ticketId)),
  };
}

/** Open tickets at a moment, bucketed by their age then. */
export function backlogAt(open: { ticketId: string; createdAt: Date }[], at: Date): TicketMetrics['backlog'] {
  const buckets = bucketsBy(
    open,
    (ticket) => ageBucket(at.getTime() - ticket.createdAt.getTime()),
    (ticket) => ticket.ticketId,
  );
  return {
    open: open.length,
    ticketIds: uniqueSorted(open.map((ticket) => ticket.ticketId)),
    // Every age bucket appears, in age order, so dashboards draw a stable axis.
    byAge: AGE_BUCKETS.map(
      (key) => buckets.find((bucket) => bucket.key === key) ?? { key, count: 0, ticketIds: [] },
    ),
  };
}

/** The handbook's KPIs over one cohort of tickets (see DESIGN.md "Metric definitions"). */
export function computeTicketMetrics(
  period: ResolvedPeriod,
  cohort: Cohort,
  backlog: TicketMetrics['backlog'],
  options: MetricsOptions = DEFAULT_METRICS_OPTIONS,
): TicketMetrics {
  const { tickets, ratings, clocks } = cohort;
  // Satisfaction counts each ticket's latest rating; response and repeat figures count every rating.
  const latest = latestRatings(ratings);
  const isKey = (ticket: TicketFact | undefined) =>
    ticket?.customerTier != null && options.keyCustomerTiers.includes(ticket.customerTier);
  const byId = new Map(tickets.map((ticket) => [ticket.ticketId, ticket]));
  const id = (ticket: { ticketId: string }) => ticket.ticketId;
  const ids = (list: { ticketId: string }[]) => list.map(id);

  const resolved = tickets.filter((t) => t.firstResolvedAt !== null);
  const reopened = resolved.filter((t) => t.reopenCount > 0);
  const oneTouch = resolved.filter(
    (t) =>
      t.publicAgentReplies <= 1 && t.reopenCount === 0 && t.transferCount === 0 && t.escalationCount === 0,
  );
  const replied = tickets.filter((t) => t.firstResponseAt !== null);
  const complaints = tickets.filter((t) => t.type === 'COMPLAINT');
  const answeredIn48h = complaints.filter((t) => {
    const ms = between(t.createdAt, t.firstResponseAt);
    return ms !== null && ms <= COMPLAINT_ANSWER_MS;
  });

  // Repeats per the handbook: each repeat adds a complaint, so complaints − repeats are the originals.
  const repeats = ratings.filter((r) => r.repeatComplaint);
  const originals = uniqueSorted([...ids(complaints), ...ids(repeats)]);

  // 回复及时率: first replies whose first-response clock ended achieved, over those whose clock ended.
  const firstResponseEnded = new Map<string, ClockFact['state']>();
  for (const clock of clocks) {
    if (clock.target !== 'FIRST_RESPONSE') continue;
    if (clock.state === 'ACHIEVED' || clock.state === 'BREACHED') {
      // A breach anywhere makes the first reply late.
      if (firstResponseEnded.get(clock.ticketId) !== 'BREACHED')
        firstResponseEnded.set(clock.ticketId, clock.state);
    }
  }
  const repliedWithClock = replied.filter((t) => firstResponseEnded.has(t.ticketId));
  const repliedOnTime = repliedWithClock.filter((t) => firstResponseEnded.get(t.ticketId) === 'ACHIEVED');

  const breached = clocks.filter((clock) => clock.state === 'BREACHED' && byId.has(clock.ticketId));
  const resolutionsAsked = tickets.reduce((sum, t) => sum + t.resolutionCount, 0);

  return {
    period,
    volume: {
      total: tickets.length,
      ticketIds: uniqueSorted(ids(tickets)),
      byType: bucketsBy(tickets, (t) => t.type, id),
      byCategory: bucketsBy(tickets, (t) => t.category ?? '(none)', id),
      byChannel: bucketsBy(tickets, (t) => t.channel, id),
      byPriority: bucketsBy(tickets, (t) => t.priority, id),
      byQueue: bucketsBy(tickets, (t) => t.queueId, id),
      byAgent: bucketsBy(cohort.agents, (a) => a.agentId, id),
      byCustomerType: bucketsBy(tickets, (t) => t.customerType ?? '(unknown)', id),
    },
    backlog,
    firstResponse: firstResponseTimes(tickets),
    firstResolution: {
      calendar: durationStats(samples(tickets, (t) => between(t.createdAt, t.firstResolvedAt))),
      business: durationStats(samples(tickets, (t) => t.firstResolutionBusinessMs)),
    },
    finalResolution: finalResolutionTimes(tickets),
    sla: SLA_TARGETS.map((target) => slaAchievement(target, clocks)),
    breaches: {
      total: breached.length,
      ticketIds: uniqueSorted(ids(breached)),
      byQueue: bucketsBy(breached, (c) => byId.get(c.ticketId)!.queueId, id),
      byPriority: bucketsBy(breached, (c) => byId.get(c.ticketId)!.priority, id),
    },
    satisfactionRate: satisfactionRate(latest),
    firstContactSatisfactionRate: satisfactionRate(firstRatings(ratings)),
    satisfactionByTier: satisfactionBy(latest, byId, (t) => t.customerTier),
    satisfactionByRegion: satisfactionBy(latest, byId, (t) => t.customerRegion),
    keyCustomerSatisfactionRate: satisfactionRate(latest.filter((r) => isKey(byId.get(r.ticketId)))),
    keyCustomerComplaintSatisfactionRate: satisfactionRate(
      latest.filter((r) => isKey(byId.get(r.ticketId)) && byId.get(r.ticketId)!.type === 'COMPLAINT'),
    ),
    followUpSatisfactionRate: followUpSatisfactionRate(cohort.visits.filter((v) => byId.has(v.ticketId))),
    responseRate: rate(ratings.length, resolutionsAsked, ids(ratings), ids(resolved)),
    repeatComplaintRate: rate(repeats.length, originals.length, ids(repeats), originals),
    reopenRate: rate(reopened.length, resolved.length, ids(reopened), ids(resolved)),
    oneTouchResolutionRate: rate(oneTouch.length, resolved.length, ids(oneTouch), ids(resolved)),
    complaintAnsweredWithin48h: rate(
      answeredIn48h.length,
      complaints.length,
      ids(answeredIn48h),
      ids(complaints),
    ),
    replyRate: rate(replied.length, tickets.length, ids(replied), ids(tickets)),
    onTimeReplyRate: rate(
      repliedOnTime.length,
      repliedWithClock.length,
      ids(repliedOnTime),
      ids(repliedWithClock),
    ),
    topCategories: bucketsBy(
      tickets.filter((t) => t.category !== null),
      (t) => t.category!,
      id,
    ).slice(0, TOP),
    topKeywords: bucketsBy(cohort.keywords, (k) => k.keyword, id).slice(0, TOP),
  };
}

function groupFigures(tickets: TicketFact[], ratings: RatingFact[]) {
  const ticketIds = new Set(tickets.map((t) => t.ticketId));
  return {
    handled: tickets.length,
    ticketIds: uniqueSorted([...ticketIds]),
    firstResponse: firstResponseTimes(tickets),
    finalResolution: finalResolutionTimes(tickets),
    satisfactionRate: satisfactionRate(
      latestRatings(ratings).filter((rating) => ticketIds.has(rating.ticketId)),
    ),
  };
}

/** Every agent who worked a ticket is credited with it, not only the last assignee. */
export function computeAgentMetrics(cohort: Cohort): AgentMetrics[] {
  const byId = new Map(cohort.tickets.map((ticket) => [ticket.ticketId, ticket]));
  const ticketsOf = new Map<string, TicketFact[]>();
  for (const { ticketId, agentId } of cohort.agents) {
    const ticket = byId.get(ticketId);
    if (!ticket) continue;
    ticketsOf.set(agentId, [...(ticketsOf.get(agentId) ?? []), ticket]);
  }
  const refusalsOf = new Map<string, RefusalFact[]>();
  for (const refusal of cohort.refusals) {
    if (!byId.has(refusal.ticketId)) continue;
    refusalsOf.set(refusal.agentId, [...(refusalsOf.get(refusal.agentId) ?? []), refusal]);
    // An agent whose every reply was refused still shows up, with what they were refused for.
    if (!ticketsOf.has(refusal.agentId)) ticketsOf.set(refusal.agentId, []);
  }
  return [...ticketsOf]
    .map(([agentId, tickets]) => {
      const refusals = refusalsOf.get(agentId) ?? [];
      return {
        agentId,
        ...groupFigures(tickets, cohort.ratings),
        refusedReplies: refusals.length,
        refusedReplyTicketIds: uniqueSorted(refusals.map((r) => r.ticketId)),
        refusedPhrases: bucketsBy(
          refusals.flatMap((r) => r.phrases.map((phrase) => ({ phrase, ticketId: r.ticketId }))),
          (p) => p.phrase,
          (p) => p.ticketId,
        ),
      };
    })
    .sort((a, b) => b.handled - a.handled || a.agentId.localeCompare(b.agentId));
}

export function computeQueueMetrics(cohort: Cohort): QueueMetrics[] {
  const ticketsOf = new Map<string, TicketFact[]>();
  for (const ticket of cohort.tickets) {
    ticketsOf.set(ticket.queueId, [...(ticketsOf.get(ticket.queueId) ?? []), ticket]);
  }
  return [...ticketsOf]
    .map(([queueId, tickets]) => {
      const own = new Set(tickets.map((t) => t.ticketId));
      return {
        queueId,
        ...groupFigures(tickets, cohort.ratings),
        breaches: cohort.clocks.filter((c) => c.state === 'BREACHED' && own.has(c.ticketId)).length,
      };
    })
    .sort((a, b) => b.handled - a.handled || a.queueId.localeCompare(b.queueId));
}

/** The part of a cohort that belongs to one queue (tickets by their current queue). */
export function cohortOfQueue(cohort: Cohort, queueId: string): Cohort {
  const tickets = cohort.tickets.filter((ticket) => ticket.queueId === queueId);
  const ids = new Set(tickets.map((ticket) => ticket.ticketId));
  const own = <T extends { ticketId: string }>(list: T[]) => list.filter((item) => ids.has(item.ticketId));
  return {
    tickets,
    agents: own(cohort.agents),
    ratings: own(cohort.ratings),
    clocks: own(cohort.clocks),
    keywords: own(cohort.keywords),
    visits: own(cohort.visits),
    refusals: own(cohort.refusals),
  };
}
