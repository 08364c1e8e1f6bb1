import { randomUUID } from 'node:crypto';
import {
  buildEvent,
  deadLetterTopic,
  KnowledgeArticlePublishedV1,
  namespaced,
  SlaClockBreachedV1,
  SlaClockFulfilledV1,
  SlaClockPausedV1,
  SlaClockResumedV1,
  SlaClockStartedV1,
  SlaClockStoppedV1,
  TicketAssignedV1,
  TicketCreatedV1,
  TicketEscalatedV1,
  TicketMergedV1,
  TicketRatedV1,
  TicketRepliedV1,
  TicketStatusChangedV1,
  TicketTransferredV1,
  TOPICS,
  type DeskgraphEvent,
} from '@deskgraph/events';
import { type Identity } from '@deskgraph/platform';
import { eventually } from '@deskgraph/infra';
import { PROJECTION_GROUP } from '../../src/events/consumers/projection.consumer';
import { AnalyticsHarness } from './analytics-harness';
import { aggregateTables } from '../../src/projection/aggregate-grains';

// A scripted week of tickets produced straight onto the topics, as the ticket
// and SLA services would publish them, against real PostgreSQL and Kafka.
// Week under review: Mon 2026-11-02 00:00 – Mon 2026-11-09 00:00 Asia/Shanghai
// = [2026-11-01T16:00Z, 2026-11-08T16:00Z).

const HOUR = 3_600_000;
const AGENT: Identity = { userId: 'ann', roles: ['agent'], queueIds: ['q-a'], customerId: null };
const WEEK = { kind: 'WEEK', anchor: '2026-11-04T04:00:00Z' };

const TICKETS_SOURCE = '/deskgraph/tickets';
const SLA_SOURCE = '/deskgraph/sla';

const METRICS_QUERY = `query($period: PeriodInput!, $filter: MetricsFilter) {
  ticketMetrics(period: $period, filter: $filter) {
    period { kind from to timeZone }
    volume { total ticketIds byType { key count ticketIds } byQueue { key count } byAgent { key count }
             byChannel { key count } byCategory { key count } byPriority { key count } byCustomerType { key count } }
    backlog { open ticketIds byAge { key count ticketIds } }
    firstResponse { calendar { count meanMs medianMs p90Ms ticketIds } business { count meanMs medianMs p90Ms } }
    firstResolution { calendar { count meanMs medianMs p90Ms } business { count meanMs medianMs p90Ms } }
    finalResolution { calendar { count meanMs medianMs p90Ms } business { count meanMs medianMs p90Ms } }
    sla { target achieved breached rate running achievedTicketIds breachedTicketIds runningTicketIds }
    breaches { total ticketIds byQueue { key count } byPriority { key count } }
    satisfactionRate { numerator denominator value ticketIds baseTicketIds }
    firstContactSatisfactionRate { numerator denominator ticketIds }
    responseRate { numerator denominator value }
    repeatComplaintRate { numerator denominator value ticketIds }
    reopenRate { numerator denominator value ticketIds }
    oneTouchResolutionRate { numerator denominator value ticketIds }
    complaintAnsweredWithin48h { numerator denominator value }
    replyRate { numerator denominator value }
    onTimeReplyRate { numerator denominator value }
    topCategories { key count ticketIds }
    topKeywords { key count }
  }
}`;

function at(iso: string, plusHours = 0): string {
  return new Date(new Date(iso).getTime() + plusHours * HOUR).toISOString();
}

/** Builds the scripted events with fixed ids and times, so a replay sends byte-identical messages. */
class Script {
  readonly tickets: DeskgraphEvent[] = [];
  readonly sla: DeskgraphEvent[] = [];
  private version = new Map<string, number>();

  private next(ticketId: string): number {
    const version = (this.version.get(ticketId) ?? 0) + 1;
    this.version.set(ticketId, version);
    return version;
  }

  created(input: {
    id: string;
    number: string;
    createdAt: string;
    title: string;
    type: 'COMPLAINT' | 'CONSULTATION' | 'FAULT_REPORT' | 'OTHER';
    category: string | null;
    channel: 'CHAT' | 'PHONE' | 'EMAIL' | 'APP';
    priority: 'P0' | 'P1' | 'P2' | 'P3';
    queueId: string;
  }) {
    this.tickets.push(
      buildEvent(TicketCreatedV1, {
        source: TICKETS_SOURCE,
        subject: input.id,
        time: new Date(input.createdAt),
        data: {
          ticketId: input.id,
          number: input.number,
          version: this.next(input.id),
          title: input.title,
          channel: input.channel,
          type: input.type,
          category: input.category,
          priority: input.priority,
          queueId: input.queueId,
          customerId: 'c-1',
          customerType: 'INDIVIDUAL',
          createdAt: input.createdAt,
        },
      }),
    );
  }

  private change(ticketId: string, queueId: string, when: string, actorId = 'system') {
    return {
      ticketId,
      version: this.next(ticketId),
      queueId,
      actor: { id: actorId, role: actorId === 'system' ? ('system' as const) : ('agent' as const) },
      at: when,
    };
  }

  assigned(ticketId: string, queueId: string, when: string, agentId: string) {
    this.tickets.push(
      buildEvent(TicketAssignedV1, {
        source: TICKETS_SOURCE,
        subject: ticketId,
        time: new Date(when),
        data: {
          ...this.change(ticketId, queueId, when),
          assigneeId: agentId,
          previousAssigneeId: null,
          mode: 'MANUAL',
        },
      }),
    );
  }

  replied(ticketId: string, queueId: string, when: string, agentId: string, firstResponse: boolean) {
    this.tickets.push(
      buildEvent(TicketRepliedV1, {
        source: TICKETS_SOURCE,
        subject: ticketId,
        time: new Date(when),
        data: {
          ...this.change(ticketId, queueId, when, agentId),
          messageId: randomUUID(),
          author: 'AGENT',
          visibility: 'PUBLIC',
          channel: 'CHAT',
          firstResponse,
          createdAt: when,
          body: 'We are on it.',
        },
      }),
    );
  }

  status(ticketId: string, queueId: string, when: string, from: string, to: string, reopened = false) {
    this.tickets.push(
      buildEvent(TicketStatusChangedV1, {
        source: TICKETS_SOURCE,
        subject: ticketId,
        time: new Date(when),
        data: {
          ...this.change(ticketId, queueId, when),
          from: from as 'NEW',
          to: to as 'NEW',
          reason: null,
          automatic: false,
          reopened,
        },
      }),
    );
  }

  rated(
    ticketId: string,
    queueId: string,
    when: string,
    satisfaction: 'SATISFIED' | 'UNSATISFIED' | 'VERY_SATISFIED',
    repeatComplaint = false,
  ) {
    this.tickets.push(
      buildEvent(TicketRatedV1, {
        source: TICKETS_SOURCE,
        subject: ticketId,
        time: new Date(when),
        data: { ...this.change(ticketId, queueId, when), satisfaction, repeatComplaint },
      }),
    );
  }

  escalated(ticketId: string, queueId: string, when: string) {
    this.tickets.push(
      buildEvent(TicketEscalatedV1, {
        source: TICKETS_SOURCE,
        subject: ticketId,
        time: new Date(when),
        data: {
          ...this.change(ticketId, queueId, when),
          direction: 'VERTICAL',
          tier: 'SUPERVISOR',
          leadQueueId: queueId,
          helperQueueIds: [],
          reason: 'SLA breached',
          automatic: true,
        },
      }),
    );
  }

  transferred(ticketId: string, fromQueueId: string, toQueueId: string, when: string) {
    this.tickets.push(
      buildEvent(TicketTransferredV1, {
        source: TICKETS_SOURCE,
        subject: ticketId,
        time: new Date(when),
        data: { ...this.change(ticketId, toQueueId, when), fromQueueId, reason: 'wrong team' },
      }),
    );
  }

  merged(ticketId: string, queueId: string, when: string, primaryTicketId: string) {
    this.tickets.push(
      buildEvent(TicketMergedV1, {
        source: TICKETS_SOURCE,
        subject: ticketId,
        time: new Date(when),
        data: { ...this.change(ticketId, queueId, when), primaryTicketId },
      }),
    );
  }

  /** Starts a clock and returns a handle to end it. */
  clock(
    ticketId: string,
    queueId: string,
    target: 'FIRST_RESPONSE' | 'RESOLUTION',
    startedAt: string,
    businessTime: boolean,
  ) {
    const clockId = randomUUID();
    const base = { clockId, ticketId, queueId, target, cycle: 1 };
    this.sla.push(
      buildEvent(SlaClockStartedV1, {
        source: SLA_SOURCE,
        subject: ticketId,
        time: new Date(startedAt),
        data: {
          clockId,
          ticketId,
          queueId,
          target,
          priority: 'P2',
          startedAt,
          dueAt: at(startedAt, 4),
          businessTime,
          cycle: 1,
        },
      }),
    );
    const push = (event: DeskgraphEvent) => this.sla.push(event);
    return {
      paused: (when: string) =>
        push(
          buildEvent(SlaClockPausedV1, {
            source: SLA_SOURCE,
            subject: ticketId,
            time: new Date(when),
            data: { ...base, at: when, reason: 'WAITING_ON_CUSTOMER' },
          }),
        ),
      resumed: (when: string, pausedMs: number) =>
        push(
          buildEvent(SlaClockResumedV1, {
            source: SLA_SOURCE,
            subject: ticketId,
            time: new Date(when),
            data: { ...base, at: when, dueAt: at(startedAt, 5), pausedMs },
          }),
        ),
      breached: (when: string) =>
        push(
          buildEvent(SlaClockBreachedV1, {
            source: SLA_SOURCE,
            subject: ticketId,
            time: new Date(when),
            data: { ...base, at: when, dueAt: when, priority: 'P2', late: false, lateMs: 0 },
          }),
        ),
      fulfilled: (when: string, elapsedMs: number, breached = false) =>
        push(
          buildEvent(SlaClockFulfilledV1, {
            source: SLA_SOURCE,
            subject: ticketId,
            time: new Date(when),
            data: { ...base, at: when, dueAt: at(startedAt, 4), breached, elapsedMs, businessTime },
          }),
        ),
      stopped: (when: string) =>
        push(
          buildEvent(SlaClockStoppedV1, {
            source: SLA_SOURCE,
            subject: ticketId,
            time: new Date(when),
            data: { ...base, at: when },
          }),
        ),
    };
  }
}

const T1 = randomUUID();
const T2 = randomUUID();
const T3 = randomUUID();
const T4 = randomUUID();
const T5 = randomUUID();
const T6 = randomUUID();
const T7 = randomUUID();

/**
 * The week, in UTC (local Shanghai = UTC+8):
 * T1 complaint P2 CHAT q-a "delivery": created Mon 02:00, ann assigned, ann replies 03:00 (first reply 1 h),
 *    paused 04:00–05:00, resolved 06:00 (4 h calendar, 3 h business), rated SATISFIED, closed.
 * T2 complaint P1 PHONE q-a "delivery": created Tue 01:00, bob assigned, first-response clock breached 02:00,
 *    escalated, ann replies 02:30 (1.5 h, late), resolved 05:00 (4 h), rated UNSATISFIED (repeat), reopened,
 *    bob replies 07:00, resolved again 09:00 (8 h calendar final; second resolution clock 3 h), rated VERY_SATISFIED.
 * T3 consultation P3 EMAIL q-b "product": created Wed 03:00, ann replies 05:00 (2 h), resolved 08:00 (5 h), not rated.
 * T4 fault P2 APP created in q-a Thu 02:00, transferred to q-b, first-response clock breached 06:00, still open.
 * T5 duplicate of T1 (Thu 04:00), merged into T1: counted nowhere.
 * T6 created Mon after the week (excluded); T7 created Sunday 23:30 local before the week (excluded, open).
 */
function scriptedWeek(): Script {
  const s = new Script();
  s.created({
    id: T1,
    number: '202611-001',
    createdAt: '2026-11-02T02:00:00Z',
    title: 'delivery late 快递',
    type: 'COMPLAINT',
    category: 'delivery',
    channel: 'CHAT',
    priority: 'P2',
    queueId: 'q-a',
  });
  s.assigned(T1, 'q-a', '2026-11-02T02:05:00Z', 'ann');
  const t1Response = s.clock(T1, 'q-a', 'FIRST_RESPONSE', '2026-11-02T02:00:00Z', true);
  const t1Resolution = s.clock(T1, 'q-a', 'RESOLUTION', '2026-11-02T02:00:00Z', true);
  s.replied(T1, 'q-a', '2026-11-02T03:00:00Z', 'ann', true);
  t1Response.fulfilled('2026-11-02T03:00:00Z', 1 * HOUR);
  s.status(T1, 'q-a', '2026-11-02T04:00:00Z', 'ASSIGNED', 'PENDING_CUSTOMER');
  t1Resolution.paused('2026-11-02T04:00:00Z');
  s.status(T1, 'q-a', '2026-11-02T05:00:00Z', 'PENDING_CUSTOMER', 'IN_PROGRESS');
  t1Resolution.resumed('2026-11-02T05:00:00Z', HOUR);
  s.status(T1, 'q-a', '2026-11-02T06:00:00Z', 'IN_PROGRESS', 'RESOLVED');
  t1Resolution.fulfilled('2026-11-02T06:00:00Z', 3 * HOUR);
  s.rated(T1, 'q-a', '2026-11-02T07:00:00Z', 'SATISFIED');
  s.status(T1, 'q-a', '2026-11-02T07:00:00Z', 'RESOLVED', 'CLOSED');

  s.created({
    id: T2,
    number: '202611-002',
    createdAt: '2026-11-03T01:00:00Z',
    title: 'delivery refund 退款',
    type: 'COMPLAINT',
    category: 'delivery',
    channel: 'PHONE',
    priority: 'P1',
    queueId: 'q-a',
  });
  s.assigned(T2, 'q-a', '2026-11-03T01:01:00Z', 'bob');
  const t2Response = s.clock(T2, 'q-a', 'FIRST_RESPONSE', '2026-11-03T01:00:00Z', false);
  const t2Resolution = s.clock(T2, 'q-a', 'RESOLUTION', '2026-11-03T01:00:00Z', false);
  t2Response.breached('2026-11-03T02:00:00Z');
  s.escalated(T2, 'q-a', '2026-11-03T02:00:00Z');
  s.replied(T2, 'q-a', '2026-11-03T02:30:00Z', 'ann', true);
  t2Response.fulfilled('2026-11-03T02:30:00Z', 1.5 * HOUR, true);
  s.status(T2, 'q-a', '2026-11-03T05:00:00Z', 'IN_PROGRESS', 'RESOLVED');
  t2Resolution.fulfilled('2026-11-03T05:00:00Z', 4 * HOUR);
  s.rated(T2, 'q-a', '2026-11-03T06:00:00Z', 'UNSATISFIED', true);
  s.status(T2, 'q-a', '2026-11-03T06:00:00Z', 'RESOLVED', 'IN_PROGRESS', true);
  const t2Again = s.clock(T2, 'q-a', 'RESOLUTION', '2026-11-03T06:00:00Z', false);
  s.replied(T2, 'q-a', '2026-11-03T07:00:00Z', 'bob', false);
  s.status(T2, 'q-a', '2026-11-03T09:00:00Z', 'IN_PROGRESS', 'RESOLVED');
  t2Again.fulfilled('2026-11-03T09:00:00Z', 3 * HOUR);
  s.rated(T2, 'q-a', '2026-11-03T10:00:00Z', 'VERY_SATISFIED');

  s.created({
    id: T3,
    number: '202611-003',
    createdAt: '2026-11-04T03:00:00Z',
    title: 'product question 产品',
    type: 'CONSULTATION',
    category: 'product',
    channel: 'EMAIL',
    priority: 'P3',
    queueId: 'q-b',
  });
  s.assigned(T3, 'q-b', '2026-11-04T03:00:00Z', 'ann');
  const t3Response = s.clock(T3, 'q-b', 'FIRST_RESPONSE', '2026-11-04T03:00:00Z', true);
  const t3Resolution = s.clock(T3, 'q-b', 'RESOLUTION', '2026-11-04T03:00:00Z', true);
  s.replied(T3, 'q-b', '2026-11-04T05:00:00Z', 'ann', true);
  t3Response.fulfilled('2026-11-04T05:00:00Z', 2 * HOUR);
  s.status(T3, 'q-b', '2026-11-04T08:00:00Z', 'IN_PROGRESS', 'RESOLVED');
  t3Resolution.fulfilled('2026-11-04T08:00:00Z', 5 * HOUR);

  s.created({
    id: T4,
    number: '202611-004',
    createdAt: '2026-11-05T02:00:00Z',
    title: 'app crash 闪退',
    type: 'FAULT_REPORT',
    category: 'technical',
    channel: 'APP',
    priority: 'P2',
    queueId: 'q-a',
  });
  s.transferred(T4, 'q-a', 'q-b', '2026-11-05T03:00:00Z');
  const t4Response = s.clock(T4, 'q-b', 'FIRST_RESPONSE', '2026-11-05T02:00:00Z', true);
  s.clock(T4, 'q-b', 'RESOLUTION', '2026-11-05T02:00:00Z', true);
  t4Response.breached('2026-11-05T06:00:00Z');

  s.created({
    id: T5,
    number: '202611-005',
    createdAt: '2026-11-05T04:00:00Z',
    title: 'delivery late again',
    type: 'COMPLAINT',
    category: 'delivery',
    channel: 'CHAT',
    priority: 'P2',
    queueId: 'q-a',
  });
  const t5Response = s.clock(T5, 'q-a', 'FIRST_RESPONSE', '2026-11-05T04:00:00Z', true);
  s.merged(T5, 'q-a', '2026-11-05T05:00:00Z', T1);
  t5Response.stopped('2026-11-05T05:00:00Z');

  s.created({
    id: T6,
    number: '202611-006',
    createdAt: '2026-11-09T02:00:00Z',
    title: 'next week',
    type: 'OTHER',
    category: null,
    channel: 'PHONE',
    priority: 'P3',
    queueId: 'q-a',
  });
  s.created({
    id: T7,
    number: '202611-007',
    createdAt: '2026-11-01T15:30:00Z',
    title: 'hello',
    type: 'OTHER',
    category: null,
    channel: 'PHONE',
    priority: 'P3',
    queueId: 'q-b',
  });
  return s;
}

describe('analytics: KPIs rebuilt from the event streams', () => {
  const harness = new AnalyticsHarness({
    namespacePrefix: 'a',
    databasePrefix: 'deskgraph_analytics',
    clientId: 'analytics-test',
  });
  const script = scriptedWeek();

  beforeAll(() => harness.start(), 180_000);
  afterAll(() => harness.stop(), 60_000);

  async function publishWeek() {
    await harness.publish(TOPICS.tickets, script.tickets);
    await harness.publish(TOPICS.sla, script.sla);
  }

  const weekMetrics = async (filter?: Record<string, unknown>) =>
    (await harness.ok(METRICS_QUERY, { period: WEEK, filter })).ticketMetrics;

  it('should produce exactly the hand-computed KPIs when the scripted week is consumed', async () => {
    await publishWeek();
    await harness.settled();
    const m = await weekMetrics();

    expect(m.period).toEqual({
      kind: 'WEEK',
      from: '2026-11-01T16:00:00.000Z',
      to: '2026-11-08T16:00:00.000Z',
      timeZone: 'Asia/Shanghai',
    });
    // T1..T4: T5 is merged into T1, T6 and T7 lie outside the week.
    expect(m.volume.total).toBe(4);
    expect(m.volume.ticketIds).toEqual([T1, T2, T3, T4].sort());
    expect(m.volume.byType.map((b: { key: string; count: number }) => [b.key, b.count])).toEqual([
      ['COMPLAINT', 2],
      ['CONSULTATION', 1],
      ['FAULT_REPORT', 1],
    ]);
    // T4 was transferred to q-b: it counts there.
    expect(m.volume.byQueue).toEqual([
      { key: 'q-a', count: 2 },
      { key: 'q-b', count: 2 },
    ]);
    // ann worked T1, T2 (a reply) and T3; bob T2 (assignee): both credited for T2.
    expect(m.volume.byAgent).toEqual([
      { key: 'ann', count: 3 },
      { key: 'bob', count: 1 },
    ]);
    // Open at the week's end (2026-11-08T16:00Z): T4 (3 d 14 h old) and T7 (7 d 0.5 h old).
    expect(m.backlog.open).toBe(2);
    expect(m.backlog.byAge).toEqual([
      { key: '<1d', count: 0, ticketIds: [] },
      { key: '1-3d', count: 0, ticketIds: [] },
      { key: '3-7d', count: 1, ticketIds: [T4] },
      { key: '>7d', count: 1, ticketIds: [T7] },
    ]);
    // First response: T1 1 h, T2 1.5 h, T3 2 h → mean 1.5 h, median 1.5 h, p90 = 1.5 + 0.8 × 0.5 = 1.9 h.
    expect(m.firstResponse.calendar).toMatchObject({
      count: 3,
      meanMs: 1.5 * HOUR,
      medianMs: 1.5 * HOUR,
      p90Ms: 1.9 * HOUR,
    });
    expect(m.firstResponse.business).toMatchObject({
      count: 3,
      meanMs: 1.5 * HOUR,
      medianMs: 1.5 * HOUR,
      p90Ms: 1.9 * HOUR,
    });
    // First resolution calendar: 4, 4, 5 h → mean 13/3 h, median 4 h, p90 4.8 h.
    expect(m.firstResolution.calendar.count).toBe(3);
    expect(m.firstResolution.calendar.meanMs).toBeCloseTo((13 / 3) * HOUR);
    expect(m.firstResolution.calendar.medianMs).toBe(4 * HOUR);
    expect(m.firstResolution.calendar.p90Ms).toBeCloseTo(4.8 * HOUR);
    // Business: T1 3 h (the 1 h pause excluded), T2 4 h, T3 5 h → mean 4 h, median 4 h, p90 4.8 h.
    expect(m.firstResolution.business).toMatchObject({ count: 3, meanMs: 4 * HOUR, medianMs: 4 * HOUR });
    expect(m.firstResolution.business.p90Ms).toBeCloseTo(4.8 * HOUR);
    // Final resolution calendar: T1 4 h, T2 8 h (second resolution), T3 5 h → mean 17/3 h, median 5 h, p90 7.4 h.
    expect(m.finalResolution.calendar.meanMs).toBeCloseTo((17 / 3) * HOUR);
    expect(m.finalResolution.calendar.medianMs).toBe(5 * HOUR);
    expect(m.finalResolution.calendar.p90Ms).toBeCloseTo(7.4 * HOUR);
    // Final business: T1 3 h, T2 3 h (the second resolution clock), T3 5 h → mean 11/3 h, median 3 h, p90 4.6 h.
    expect(m.finalResolution.business.meanMs).toBeCloseTo((11 / 3) * HOUR);
    expect(m.finalResolution.business.medianMs).toBe(3 * HOUR);
    expect(m.finalResolution.business.p90Ms).toBeCloseTo(4.6 * HOUR);
    // First response: T1, T3 achieved; T2, T4 breached → 2 / 4. Resolution: T1, T2 ×2, T3 achieved, T4 running.
    expect(m.sla).toEqual([
      {
        target: 'FIRST_RESPONSE',
        achieved: 2,
        breached: 2,
        rate: 0.5,
        running: 0,
        achievedTicketIds: [T1, T3].sort(),
        breachedTicketIds: [T2, T4].sort(),
        runningTicketIds: [],
      },
      {
        target: 'NEXT_RESPONSE',
        achieved: 0,
        breached: 0,
        rate: null,
        running: 0,
        achievedTicketIds: [],
        breachedTicketIds: [],
        runningTicketIds: [],
      },
      {
        target: 'RESOLUTION',
        achieved: 4,
        breached: 0,
        rate: 1,
        running: 1,
        achievedTicketIds: [T1, T2, T3].sort(),
        breachedTicketIds: [],
        runningTicketIds: [T4],
      },
    ]);
    expect(m.breaches.total).toBe(2);
    expect(m.breaches.byQueue).toEqual([
      { key: 'q-a', count: 1 },
      { key: 'q-b', count: 1 },
    ]);
    expect(m.breaches.byPriority).toEqual([
      { key: 'P1', count: 1 },
      { key: 'P2', count: 1 },
    ]);
    // Ratings: T1 SATISFIED, T2 UNSATISFIED then (after the reopen) VERY_SATISFIED. The latest rating of a
    // ticket counts (issue #17): T1 and T2 satisfied → 2 / 2, and the drill-down lists exactly those tickets.
    expect(m.satisfactionRate).toMatchObject({
      numerator: 2,
      denominator: 2,
      ticketIds: [T1, T2].sort(),
      baseTicketIds: [T1, T2].sort(),
    });
    // First-contact satisfaction keeps the first ratings: T1 SATISFIED, T2 UNSATISFIED → 1 / 2.
    expect(m.firstContactSatisfactionRate).toMatchObject({ numerator: 1, denominator: 2, ticketIds: [T1] });
    // 3 ratings over 4 resolutions (T1 once, T2 twice, T3 once).
    expect(m.responseRate).toEqual({ numerator: 3, denominator: 4, value: 0.75 });
    // Repeats 1 (T2); complaints = 2 originals + 1 repeat; 1 / (3 − 1) = 0.5.
    expect(m.repeatComplaintRate).toEqual({ numerator: 1, denominator: 2, value: 0.5, ticketIds: [T2] });
    // Resolved: T1, T2, T3; reopened: T2.
    expect(m.reopenRate).toMatchObject({ numerator: 1, denominator: 3, ticketIds: [T2] });
    // One touch: T1 and T3 (one reply, no reopen, transfer or escalation); T2 was escalated and reopened.
    expect(m.oneTouchResolutionRate).toMatchObject({
      numerator: 2,
      denominator: 3,
      ticketIds: [T1, T3].sort(),
    });
    expect(m.complaintAnsweredWithin48h).toEqual({ numerator: 2, denominator: 2, value: 1 });
    // Replied: T1, T2, T3 of 4; on time: T1, T3 of the three with an ended first-response clock.
    expect(m.replyRate).toEqual({ numerator: 3, denominator: 4, value: 0.75 });
    expect(m.onTimeReplyRate).toMatchObject({ numerator: 2, denominator: 3 });
    expect(m.topCategories.map((b: { key: string; count: number }) => [b.key, b.count])).toEqual([
      ['delivery', 2],
      ['product', 1],
      ['technical', 1],
    ]);
    expect(m.topKeywords[0]).toEqual({ key: 'delivery', count: 2 });
  }, 120_000);

  it('should page through the tickets behind a figure when its connection is selected', async () => {
    const query = `
      query ($period: PeriodInput!, $after: String) {
        ticketMetrics(period: $period) {
          volume { total tickets(first: 3, after: $after) { ticketIds totalCount endCursor hasNextPage } }
          satisfactionRate { numerator denominator tickets(first: 1) { ticketIds totalCount } baseTickets { totalCount } }
        }
      }`;
    const first = (await harness.ok(query, { period: WEEK })).ticketMetrics;
    const all = [T1, T2, T3, T4].sort();
    expect(first.volume).toEqual({
      total: 4,
      tickets: {
        ticketIds: all.slice(0, 3),
        totalCount: 4,
        // Opaque, bound to this figure, period and filter.
        endCursor: expect.any(String),
        hasNextPage: true,
      },
    });
    // A rate's numerator and denominator agree with its drill-down.
    expect(first.satisfactionRate).toEqual({
      numerator: 2,
      denominator: 2,
      tickets: { ticketIds: [[T1, T2].sort()[0]], totalCount: 2 },
      baseTickets: { totalCount: 2 },
    });
    const next = (await harness.ok(query, { period: WEEK, after: first.volume.tickets.endCursor }))
      .ticketMetrics;
    expect(next.volume.tickets).toEqual({
      ticketIds: all.slice(3),
      totalCount: 4,
      endCursor: expect.any(String),
      hasNextPage: false,
    });
    const malformed = await harness.graphql(
      `query ($period: PeriodInput!) { ticketMetrics(period: $period) { volume { tickets(after: "zzz") { totalCount } } } }`,
      { period: WEEK },
    );
    expect(malformed.errors[0]).toMatchObject({
      message: expect.stringContaining('after is not a cursor returned by this drill-down'),
      extensions: { code: 'BAD_USER_INPUT' },
    });
    const refused = await harness.graphql(
      `query ($period: PeriodInput!) { ticketMetrics(period: $period) { volume { tickets(first: 5000) { totalCount } } } }`,
      { period: WEEK },
    );
    expect(refused.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(refused.errors[0].message).toBe('first must be between 1 and 1000.');
  }, 60_000);

  it('should refuse a cursor reused on another figure, period or filter with BAD_USER_INPUT', async () => {
    const volumePage = `query ($period: PeriodInput!, $filter: MetricsFilter, $after: String) {
        ticketMetrics(period: $period, filter: $filter) { volume { tickets(first: 1, after: $after) { ticketIds endCursor } } } }`;
    const first = (await harness.ok(volumePage, { period: WEEK })).ticketMetrics.volume.tickets;
    const mismatch = {
      message: expect.stringContaining('belongs to another figure, period or filter'),
      extensions: { code: 'BAD_USER_INPUT' },
    };
    // Another figure of the same call: the volume's cursor on the satisfaction rate's base tickets.
    const otherFigure = await harness.graphql(
      `query ($period: PeriodInput!, $after: String) {
        ticketMetrics(period: $period) { satisfactionRate { baseTickets(first: 1, after: $after) { ticketIds } } } }`,
      { period: WEEK, after: first.endCursor },
    );
    expect(otherFigure.errors?.[0]).toMatchObject(mismatch);
    // The same figure under another filter, and over another period.
    const otherFilter = await harness.graphql(volumePage, {
      period: WEEK,
      filter: { queueIds: ['q-b'] },
      after: first.endCursor,
    });
    expect(otherFilter.errors?.[0]).toMatchObject(mismatch);
    const otherPeriod = await harness.graphql(volumePage, {
      period: { from: WEEK.anchor, to: new Date(Date.parse(WEEK.anchor) + 86_400_000 * 30).toISOString() },
      after: first.endCursor,
    });
    expect(otherPeriod.errors?.[0]).toMatchObject(mismatch);
    // A per-agent figure (paged from the rows): one agent's cursor on another agent's tickets.
    const agentPage = `query ($period: PeriodInput!, $after: String) {
        agentMetrics(period: $period) { agentId tickets(first: 1, after: $after) { ticketIds endCursor } } }`;
    const agents = (await harness.ok(agentPage, { period: WEEK })).agentMetrics;
    expect(agents.length).toBeGreaterThan(1);
    const reused = await harness.graphql(agentPage, { period: WEEK, after: agents[0].tickets.endCursor });
    expect(reused.errors?.[0]).toMatchObject(mismatch);
    // The same figure, period and filter still follows its own cursor.
    const next = (await harness.ok(volumePage, { period: WEEK, after: first.endCursor })).ticketMetrics.volume
      .tickets;
    expect(next.ticketIds).toHaveLength(1);
    expect(next.ticketIds[0] > first.ticketIds[0]).toBe(true);
  }, 60_000);

  it('should narrow every figure when a filter is given', async () => {
    const queueB = await weekMetrics({ queueIds: ['q-b'] });
    expect(queueB.volume.ticketIds).toEqual([T3, T4].sort());
    const annsComplaints = await weekMetrics({ agentIds: ['ann'], types: ['COMPLAINT'] });
    expect(annsComplaints.volume.ticketIds).toEqual([T1, T2].sort());

    const agents = await harness.graphql(
      `
        query ($period: PeriodInput!) {
          agentMetrics(period: $period) {
            agentId
            handled
            ticketIds
            satisfactionRate {
              numerator
              denominator
            }
          }
        }
      `,
      { period: WEEK },
    );
    expect(agents.data.agentMetrics).toEqual([
      {
        agentId: 'ann',
        handled: 3,
        ticketIds: [T1, T2, T3].sort(),
        satisfactionRate: { numerator: 2, denominator: 2 },
      },
      { agentId: 'bob', handled: 1, ticketIds: [T2], satisfactionRate: { numerator: 1, denominator: 1 } },
    ]);
    const queues = await harness.graphql(
      `
        query ($period: PeriodInput!) {
          queueMetrics(period: $period) {
            queueId
            handled
            breaches
          }
        }
      `,
      {
        period: WEEK,
      },
    );
    expect(queues.data.queueMetrics).toEqual([
      { queueId: 'q-a', handled: 2, breaches: 1 },
      { queueId: 'q-b', handled: 2, breaches: 1 },
    ]);
  }, 60_000);

  it('should answer BAD_USER_INPUT or FORBIDDEN with clear messages when input is bad', async () => {
    const reversed = await harness.graphql(METRICS_QUERY, {
      period: { from: '2026-11-08T00:00:00Z', to: '2026-11-01T00:00:00Z' },
    });
    expect(reversed.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(reversed.errors[0].message).toMatch(/reversed/);
    const tooLong = await harness.graphql(METRICS_QUERY, {
      period: { from: '2024-01-01T00:00:00Z', to: '2026-01-01T00:00:00Z' },
    });
    expect(tooLong.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(tooLong.errors[0].message).toMatch(/at most 366 days/);
    const unknown = await harness.graphql(METRICS_QUERY, { period: WEEK, filter: { priorities: ['P9'] } });
    expect(unknown.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(unknown.errors[0].message).toMatch(/Unknown filter.priorities value\(s\): P9/);
    const unknownField = await harness.graphql(METRICS_QUERY, { period: WEEK, filter: { team: ['x'] } });
    expect(unknownField.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(unknownField.errors[0].message).toMatch(/team/);
    const agent = await harness.graphql(METRICS_QUERY, { period: WEEK }, AGENT);
    expect(agent.errors[0].extensions.code).toBe('FORBIDDEN');
  }, 60_000);

  it('should render the weekly review as a query, CSV and Markdown when asked for the week', async () => {
    const body = await harness.graphql(
      `
        query {
          weeklyReview(weekOf: "2026-11-04T04:00:00Z") {
            week {
              from
            }
            previousWeek {
              from
            }
            averageHandlingTimeMs
            weekOverWeek {
              name
              current
              previous
              change
            }
            topIssues {
              key
              count
            }
            csv
            markdown
          }
        }
      `,
      {},
    );
    const review = body.data.weeklyReview;
    expect(review.week.from).toBe('2026-11-01T16:00:00.000Z');
    expect(review.previousWeek.from).toBe('2026-10-25T16:00:00.000Z');
    // Mean final resolution: (4 + 8 + 5) / 3 h.
    expect(review.averageHandlingTimeMs).toBeCloseTo((17 / 3) * HOUR);
    // The previous week holds T7 only.
    expect(review.weekOverWeek[0]).toEqual({ name: 'volume', current: 4, previous: 1, change: 3 });
    expect(review.csv).toContain('weekOverWeek,volume,4,1,3');
    expect(review.csv).toContain('topIssues,delivery,2,,');
    expect(review.markdown).toContain('# Weekly review 2026-11-02 – 2026-11-08 (Asia/Shanghai)');
    expect(review.markdown).toContain('| volume | 4 | 1 | +3 |');
  }, 60_000);

  it('should change nothing when the same events are replayed', async () => {
    const before = await weekMetrics();
    await publishWeek();
    await harness.settled();
    expect(await weekMetrics()).toEqual(before);
  }, 120_000);

  it('should dead-letter malformed and unknown-version events and keep the partition moving', async () => {
    const latecomer = randomUUID();
    const follower = buildEvent(TicketCreatedV1, {
      source: TICKETS_SOURCE,
      subject: latecomer,
      data: {
        ticketId: latecomer,
        number: '202611-099',
        version: 1,
        title: 'after the poison',
        channel: 'CHAT',
        type: 'OTHER',
        category: null,
        priority: 'P3',
        queueId: 'q-dlq',
        customerId: 'c-9',
        createdAt: '2026-11-06T02:00:00Z',
      },
    });
    const unknownVersion = { ...follower, id: randomUUID(), type: 'deskgraph.ticket.created.v9' };
    // Same key: the three messages share a partition, so the follower waits behind the poison.
    await harness.producer.send({
      topic: namespaced(harness.namespace, TOPICS.tickets),
      messages: [
        { key: latecomer, value: '{ not json' },
        { key: latecomer, value: JSON.stringify(unknownVersion) },
        { key: latecomer, value: JSON.stringify(follower) },
      ],
    });
    await eventually(async () => (await weekMetrics({ queueIds: ['q-dlq'] })).volume.total === 1, {
      timeoutMs: 60_000,
      what: 'the event behind the poison to be applied',
    });

    const consumer = harness.kafka.consumer({ groupId: `analytics-test-dlq-${harness.suffix}` });
    const dead: { value: string; reason: string }[] = [];
    await consumer.connect();
    await consumer.subscribe({
      topic: namespaced(harness.namespace, deadLetterTopic(PROJECTION_GROUP)),
      fromBeginning: true,
    });
    await consumer.run({
      eachMessage: async ({ message }) => {
        dead.push({
          value: message.value!.toString(),
          reason: message.headers!['deskgraph-dlq-reason']!.toString(),
        });
      },
    });
    await eventually(async () => dead.length >= 2, { timeoutMs: 60_000, what: 'two dead letters' });
    await consumer.disconnect();
    expect(dead.map((letter) => letter.reason)).toEqual(['invalid_event', 'invalid_event']);
    expect(dead[0].value).toBe('{ not json');
    expect(JSON.parse(dead[1].value).type).toBe('deskgraph.ticket.created.v9');

    const metrics = await (await fetch(harness.service.url.replace('/graphql', '/metrics'))).text();
    expect(metrics).toMatch(/deskgraph_events_dead_lettered_total\{[^}]*reason="invalid_event"[^}]*\} 2/);
  }, 120_000);

  it('should give today figures and a batched metrics_changed event when a queue changes live', async () => {
    const now = Date.now();
    const live = new Script();
    const ticketId = randomUUID();
    const createdAt = new Date(now - 60_000).toISOString();
    live.created({
      id: ticketId,
      number: '202611-100',
      createdAt,
      title: 'live',
      type: 'OTHER',
      category: null,
      channel: 'CHAT',
      priority: 'P2',
      queueId: 'q-live',
    });
    live.replied(ticketId, 'q-live', new Date(now - 30_000).toISOString(), 'ann', true);
    await harness.publish(TOPICS.tickets, live.tickets);

    const body = await eventually(
      async () => {
        const response = await harness.graphql(
          `
            query {
              liveMetrics(queueIds: ["q-live"]) {
                at
                queueIds
                openBacklog
                createdToday
                resolvedToday
                firstResponseMedianMs
                resolutionMedianMs
                slaAchievementRate
                breachesToday
                runningClocks
                satisfactionRate
              }
            }
          `,
          {},
        );
        return response.data?.liveMetrics.firstResponseMedianMs !== null ? response : undefined;
      },
      { timeoutMs: 60_000, what: 'live figures of q-live' },
    );
    expect(body.data.liveMetrics).toMatchObject({
      queueIds: ['q-live'],
      openBacklog: 1,
      createdToday: 1,
      resolvedToday: 0,
      firstResponseMedianMs: 30_000,
      resolutionMedianMs: null,
      slaAchievementRate: null,
      breachesToday: 0,
      satisfactionRate: null,
    });

    const database = harness.service.dependencies.dataSource;
    const signals = await eventually(
      async () => {
        const rows: { payload: { subject: string; data: { queueIds: string[]; eventsApplied: number } } }[] =
          await database.query(
            `SELECT payload FROM analytics.outbox WHERE event_type = 'deskgraph.analytics.metrics_changed.v1' ORDER BY sequence`,
          );
        return rows.some((row) => row.payload.data.queueIds.includes('q-live')) ? rows : undefined;
      },
      { timeoutMs: 30_000, what: 'a metrics_changed event naming q-live' },
    );
    // Batched: far fewer signals than the events applied, each keyed "metrics" and naming its queues.
    const applied = signals.reduce((sum, row) => sum + row.payload.data.eventsApplied, 0);
    expect(signals.length).toBeLessThan(applied);
    for (const row of signals) {
      expect(row.payload.subject).toBe('metrics');
      expect(row.payload.data.queueIds.length).toBeGreaterThan(0);
    }
    expect(new Set(signals.flatMap((row) => row.payload.data.queueIds))).toEqual(
      new Set(['q-a', 'q-b', 'q-dlq', 'q-live']),
    );
    const forbidden = await harness.graphql(
      `
        query {
          liveMetrics(queueIds: ["q-b"]) {
            openBacklog
          }
        }
      `,
      {},
      { ...AGENT, roles: ['supervisor'] },
    );
    expect(forbidden.errors[0].extensions.code).toBe('FORBIDDEN');
  }, 120_000);

  it('should keep knowledge events generically and ignore nothing else when they arrive', async () => {
    const articleId = randomUUID();
    const published = buildEvent(KnowledgeArticlePublishedV1, {
      source: '/deskgraph/knowledge',
      subject: articleId,
      data: {
        articleId,
        actor: { id: 'ed-1', role: 'editor' },
        at: '2026-11-04T02:00:00Z',
        version: 1,
        title: 'How refunds work',
        locale: 'en',
        audience: 'PUBLIC',
        categoryId: null,
        tags: [],
        sourceTicketId: null,
      },
    });
    await harness.publish(TOPICS.knowledge, [published]);
    await harness.settled();
    const rows = await harness.service.dependencies.dataSource.query(
      `SELECT event_type, subject FROM analytics_g1.knowledge_activity WHERE event_id = $1`,
      [published.id],
    );
    expect(rows).toEqual([{ event_type: 'deskgraph.knowledge.article_published.v1', subject: articleId }]);
  }, 60_000);

  it('should give identical figures when the projections are rebuilt from the topics', async () => {
    const before = await weekMetrics();
    const review = (
      await harness.graphql(
        `
          query {
            weeklyReview(weekOf: "2026-11-04T04:00:00Z") {
              csv
            }
          }
        `,
        {},
      )
    ).data;
    const result = await harness.rebuild();
    expect(result).toMatchObject({ fromGeneration: 1, toGeneration: 2 });
    const [{ generation }] = await harness.service.dependencies.dataSource.query(
      `SELECT generation FROM analytics.projection_state`,
    );
    expect(generation).toBe(2);
    // The aggregates rebuilt from the topics are the live ones, row for row.
    for (const [table, key] of aggregateTables()) {
      const [live, rebuilt] = await Promise.all(
        ['analytics_g1', 'analytics_g2'].map((schema) =>
          harness.service.dependencies.dataSource.query(`SELECT * FROM ${schema}.${table} ORDER BY ${key}`),
        ),
      );
      expect(live.length).toBeGreaterThan(0);
      expect(rebuilt).toEqual(live);
    }
    expect(await weekMetrics()).toEqual(before);
    expect(
      (
        await harness.graphql(
          `
            query {
              weeklyReview(weekOf: "2026-11-04T04:00:00Z") {
                csv
              }
            }
          `,
          {},
        )
      ).data,
    ).toEqual(review);

    // The live consumer now writes into the new generation.
    const after = randomUUID();
    const s = new Script();
    s.created({
      id: after,
      number: '202611-101',
      createdAt: '2026-11-06T05:00:00Z',
      title: 'after rebuild',
      type: 'OTHER',
      category: null,
      channel: 'CHAT',
      priority: 'P3',
      queueId: 'q-b',
    });
    await harness.publish(TOPICS.tickets, s.tickets);
    await eventually(async () => (await weekMetrics()).volume.ticketIds.includes(after), {
      timeoutMs: 60_000,
      what: 'a new ticket in the rebuilt generation',
    });
  }, 240_000);
});
