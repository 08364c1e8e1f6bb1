import { randomUUID } from 'node:crypto';
import {
  buildEvent,
  SlaClockFulfilledV1,
  SlaClockStartedV1,
  TicketCreatedV1,
  TicketRatedV1,
  TicketRepliedV1,
  TicketReplyRefusedV1,
  TicketVisitCompletedV1,
  TicketVisitOverdueV1,
  TicketVisitScheduledV1,
  TOPICS,
  type DeskgraphEvent,
} from '@deskgraph/events';
import { type Identity } from '@deskgraph/platform';
import { eventually } from '@deskgraph/infra';
import { AnalyticsHarness, type Json } from './analytics-harness';

// KPI targets, satisfaction by customer tier and region, refused replies and
// visits: events produced straight onto the topics with fixed timestamps, as
// the tickets and SLA services publish them, against real PostgreSQL and Kafka.
// Week under review: Mon 2026-11-02 – Sun 2026-11-08 Asia/Shanghai.

const SUPERVISOR_B: Identity = { userId: 'sue', roles: ['supervisor'], queueIds: ['q-b'], customerId: null };
const WEEK = { kind: 'WEEK', anchor: '2026-11-04T04:00:00Z' };
const TICKETS_SOURCE = '/deskgraph/tickets';
const SLA_SOURCE = '/deskgraph/sla';
const CROSSED = 'deskgraph.analytics.kpi_target_crossed.v1';

const TARGET_FIELDS = `kpi queueId targetQueueId value target direction met numerator denominator ticketIds baseTicketIds`;
const RATE_FIELDS = `numerator denominator value ticketIds baseTicketIds`;
const METRICS_QUERY = `query($period: PeriodInput!, $filter: MetricsFilter) {
  ticketMetrics(period: $period, filter: $filter) {
    volume { total ticketIds }
    replyRate { ${RATE_FIELDS} }
    satisfactionRate { ${RATE_FIELDS} }
    satisfactionByTier { key rate { ${RATE_FIELDS} } }
    satisfactionByRegion { key rate { ${RATE_FIELDS} } }
    keyCustomerSatisfactionRate { ${RATE_FIELDS} }
    keyCustomerComplaintSatisfactionRate { ${RATE_FIELDS} }
    followUpSatisfactionRate { ${RATE_FIELDS} }
    targets { ${TARGET_FIELDS} }
  }
}`;
const AGENTS_QUERY = `query($period: PeriodInput!) {
  agentMetrics(period: $period) { agentId handled refusedReplies refusedReplyTicketIds refusedPhrases { key count ticketIds } }
}`;
const TARGETS_QUERY = `query($queueIds: [ID!]) { kpiTargets(queueIds: $queueIds) { kpi queueId target direction updatedBy } }`;
const SET_TARGET = `mutation($input: KpiTargetInput!) { setKpiTarget(input: $input) { kpi queueId target direction updatedBy } }`;
const LIVE_QUERY = `query($queueIds: [ID!]!) {
  liveMetrics(queueIds: $queueIds) { overdueVisits overdueVisitsByQueue { key count ticketIds } targets { kpi queueId value target met } }
}`;

type Tier = { tier?: string | null; region?: string | null };

/** Builds events with fixed ids and times, so a replay sends byte-identical messages. */
class Script {
  readonly tickets: DeskgraphEvent[] = [];
  readonly sla: DeskgraphEvent[] = [];
  private version = new Map<string, number>();
  private queues = new Map<string, string>();

  /** Change base fields; a refusal changes nothing, so it keeps the current version. */
  private change(ticketId: string, when: string, actorId = 'system', bump = true) {
    const version = (this.version.get(ticketId) ?? 0) + (bump ? 1 : 0);
    this.version.set(ticketId, version);
    return {
      ticketId,
      version,
      queueId: this.queues.get(ticketId)!,
      actor: { id: actorId, role: actorId === 'system' ? ('system' as const) : ('agent' as const) },
      at: when,
    };
  }

  private push(event: DeskgraphEvent) {
    this.tickets.push(event);
  }

  created(
    id: string,
    number: string,
    createdAt: string,
    type: 'COMPLAINT' | 'CONSULTATION',
    queueId: string,
    customer: Tier,
  ) {
    this.queues.set(id, queueId);
    this.version.set(id, 1);
    this.push(
      buildEvent(TicketCreatedV1, {
        source: TICKETS_SOURCE,
        subject: id,
        time: new Date(createdAt),
        data: {
          ticketId: id,
          number,
          version: 1,
          title: `ticket ${number}`,
          channel: 'CHAT',
          type,
          category: null,
          priority: 'P2',
          queueId,
          customerId: `c-${number}`,
          // Omitted entirely when undefined: events from before tiers existed.
          ...(customer.tier !== undefined ? { customerTier: customer.tier } : {}),
          ...(customer.region !== undefined ? { customerRegion: customer.region } : {}),
          createdAt,
        },
      }),
    );
  }

  replied(ticketId: string, when: string, agentId: string) {
    this.push(
      buildEvent(TicketRepliedV1, {
        source: TICKETS_SOURCE,
        subject: ticketId,
        time: new Date(when),
        data: {
          ...this.change(ticketId, when, agentId),
          messageId: randomUUID(),
          author: 'AGENT',
          visibility: 'PUBLIC',
          channel: 'CHAT',
          firstResponse: true,
          createdAt: when,
          body: 'Thank you for waiting.',
        },
      }),
    );
  }

  refused(ticketId: string, when: string, agentId: string, phrases: string[]) {
    this.push(
      buildEvent(TicketReplyRefusedV1, {
        source: TICKETS_SOURCE,
        subject: ticketId,
        time: new Date(when),
        data: {
          ...this.change(ticketId, when, agentId, false),
          phrases,
          suggestions: ['请您稍等，我马上为您核实'],
        },
      }),
    );
  }

  rated(
    ticketId: string,
    when: string,
    satisfaction: 'SATISFIED' | 'UNSATISFIED' | 'VERY_SATISFIED',
    repeat = false,
  ) {
    this.push(
      buildEvent(TicketRatedV1, {
        source: TICKETS_SOURCE,
        subject: ticketId,
        time: new Date(when),
        data: { ...this.change(ticketId, when), satisfaction, repeatComplaint: repeat },
      }),
    );
  }

  visit(ticketId: string, scheduledAt: string, dueAt: string) {
    const visitId = randomUUID();
    this.push(
      buildEvent(TicketVisitScheduledV1, {
        source: TICKETS_SOURCE,
        subject: ticketId,
        time: new Date(scheduledAt),
        data: { ...this.change(ticketId, scheduledAt), visitId, kind: 'FOLLOW_UP', dueAt, assigneeId: 'ann' },
      }),
    );
    return {
      completed: (when: string, reached: boolean, satisfied: boolean | null) =>
        this.push(
          buildEvent(TicketVisitCompletedV1, {
            source: TICKETS_SOURCE,
            subject: ticketId,
            time: new Date(when),
            data: {
              ...this.change(ticketId, when, 'ann'),
              visitId,
              kind: 'FOLLOW_UP',
              reached,
              satisfied,
              note: null,
            },
          }),
        ),
      overdue: (when: string) =>
        this.push(
          buildEvent(TicketVisitOverdueV1, {
            source: TICKETS_SOURCE,
            subject: ticketId,
            time: new Date(when),
            data: { ...this.change(ticketId, when), visitId, kind: 'FOLLOW_UP', dueAt, assigneeId: 'ann' },
          }),
        ),
    };
  }

  /** A first-response clock that ended achieved. */
  answeredOnTime(ticketId: string, startedAt: string, endedAt: string) {
    const clockId = randomUUID();
    const queueId = this.queues.get(ticketId)!;
    const base = { clockId, ticketId, queueId, target: 'FIRST_RESPONSE' as const, cycle: 1 };
    this.sla.push(
      buildEvent(SlaClockStartedV1, {
        source: SLA_SOURCE,
        subject: ticketId,
        time: new Date(startedAt),
        data: { ...base, priority: 'P2', startedAt, dueAt: endedAt, businessTime: false },
      }),
      buildEvent(SlaClockFulfilledV1, {
        source: SLA_SOURCE,
        subject: ticketId,
        time: new Date(endedAt),
        data: {
          ...base,
          at: endedAt,
          dueAt: endedAt,
          breached: false,
          elapsedMs: 3_600_000,
          businessTime: false,
        },
      }),
    );
  }
}

const K1 = randomUUID();
const K2 = randomUUID();
const S1 = randomUUID();
const U1 = randomUUID();

/**
 * K1 complaint, KEY, CN-GD, q-a: ann answers on time, rated SATISFIED; its follow-up visit reached an unsatisfied customer.
 * K2 complaint, KEY, CN-BJ, q-a: ann's first reply refused, then answered on time; rated UNSATISFIED (repeat); visit overdue.
 * S1 consultation, STANDARD, CN-GD, q-b: bob refused twice, then answers on time; rated VERY_SATISFIED; visit satisfied.
 * U1 complaint without tier or region (an older created event), q-b: never answered, never rated.
 */
function scriptedWeek(): Script {
  const s = new Script();
  s.created(K1, '202611-201', '2026-11-02T02:00:00Z', 'COMPLAINT', 'q-a', { tier: 'KEY', region: 'CN-GD' });
  s.replied(K1, '2026-11-02T03:00:00Z', 'ann');
  s.answeredOnTime(K1, '2026-11-02T02:00:00Z', '2026-11-02T03:00:00Z');
  s.rated(K1, '2026-11-02T08:00:00Z', 'SATISFIED');
  s.visit(K1, '2026-11-02T09:00:00Z', '2026-11-03T09:00:00Z').completed('2026-11-03T08:00:00Z', true, false);

  s.created(K2, '202611-202', '2026-11-03T02:00:00Z', 'COMPLAINT', 'q-a', { tier: 'KEY', region: 'CN-BJ' });
  s.refused(K2, '2026-11-03T02:30:00Z', 'ann', ['不是告诉你了']);
  s.replied(K2, '2026-11-03T03:00:00Z', 'ann');
  s.answeredOnTime(K2, '2026-11-03T02:00:00Z', '2026-11-03T03:00:00Z');
  s.rated(K2, '2026-11-03T08:00:00Z', 'UNSATISFIED', true);
  s.visit(K2, '2026-11-03T09:00:00Z', '2026-11-04T09:00:00Z').overdue('2026-11-04T09:00:00Z');

  s.created(S1, '202611-203', '2026-11-04T02:00:00Z', 'CONSULTATION', 'q-b', {
    tier: 'STANDARD',
    region: 'CN-GD',
  });
  s.refused(S1, '2026-11-04T02:10:00Z', 'bob', ['你到XX部门问问吧']);
  s.refused(S1, '2026-11-04T02:20:00Z', 'bob', ['这是规定，我有什么办法', '你到XX部门问问吧']);
  s.replied(S1, '2026-11-04T03:00:00Z', 'bob');
  s.answeredOnTime(S1, '2026-11-04T02:00:00Z', '2026-11-04T03:00:00Z');
  s.rated(S1, '2026-11-04T08:00:00Z', 'VERY_SATISFIED');
  s.visit(S1, '2026-11-04T09:00:00Z', '2026-11-05T09:00:00Z').completed('2026-11-05T08:00:00Z', true, true);

  s.created(U1, '202611-204', '2026-11-05T02:00:00Z', 'COMPLAINT', 'q-b', {});
  return s;
}

const sorted = (...ids: string[]) => [...ids].sort();

describe('analytics: KPI targets and service practices from the event streams', () => {
  const harness = new AnalyticsHarness({
    namespacePrefix: 't',
    databasePrefix: 'deskgraph_analytics_targets',
    clientId: 'analytics-targets-test',
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

  const byKpi = (targets: Json[]) => Object.fromEntries(targets.map((t: Json) => [t.kpi, t]));

  async function crossings(): Promise<Json[]> {
    const rows: { payload: Json }[] = await harness.service.dependencies.dataSource.query(
      `SELECT payload FROM analytics.outbox WHERE event_type = $1 ORDER BY sequence`,
      [CROSSED],
    );
    return rows.map((row) => row.payload);
  }
  const satisfaction = (events: Json[], queueId: string | null) =>
    events.filter((event) => event.data.kpi === 'satisfactionRate' && event.data.queueId === queueId);

  /** Waits until a metrics_changed signal naming the queue was written after `after` signals. */
  async function signalled(queueId: string, after: number) {
    return eventually(
      async () => {
        const rows: { payload: Json }[] = await harness.service.dependencies.dataSource.query(
          `SELECT payload FROM analytics.outbox WHERE event_type = 'deskgraph.analytics.metrics_changed.v1' ORDER BY sequence`,
        );
        return rows.slice(after).some((row) => row.payload.data.queueIds.includes(queueId))
          ? rows.length
          : undefined;
      },
      { timeoutMs: 30_000, what: `a metrics_changed signal for ${queueId}` },
    );
  }
  const signalCount = async () =>
    Number(
      (
        await harness.service.dependencies.dataSource.query(
          `SELECT count(*) AS n FROM analytics.outbox WHERE event_type = 'deskgraph.analytics.metrics_changed.v1'`,
        )
      )[0].n,
    );

  it('should seed the handbook targets and let supervisors read them when asked', async () => {
    const { kpiTargets } = await harness.ok(TARGETS_QUERY, {}, SUPERVISOR_B);
    expect(kpiTargets).toEqual([
      {
        kpi: 'complaintAnsweredWithin48h',
        queueId: null,
        target: 1,
        direction: 'AT_LEAST',
        updatedBy: 'handbook',
      },
      {
        kpi: 'keyCustomerComplaintSatisfactionRate',
        queueId: null,
        target: 0.95,
        direction: 'AT_LEAST',
        updatedBy: 'handbook',
      },
      { kpi: 'onTimeReplyRate', queueId: null, target: 1, direction: 'AT_LEAST', updatedBy: 'handbook' },
      {
        kpi: 'repeatComplaintRate',
        queueId: null,
        target: 0.01,
        direction: 'AT_MOST',
        updatedBy: 'handbook',
      },
      { kpi: 'replyRate', queueId: null, target: 1, direction: 'AT_LEAST', updatedBy: 'handbook' },
      { kpi: 'satisfactionRate', queueId: null, target: 0.9, direction: 'AT_LEAST', updatedBy: 'handbook' },
    ]);
  }, 60_000);

  it('should refuse bad targets with clear errors and leave the targets unchanged when input is bad', async () => {
    const before = (await harness.ok(TARGETS_QUERY, {})).kpiTargets;
    const outside = await harness.graphql(SET_TARGET, { input: { kpi: 'satisfactionRate', target: 95 } });
    expect(outside.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(outside.errors[0].message).toBe(
      'target 95 is outside 0–100 %: give a fraction between 0 and 1 (0.95 = 95 %).',
    );
    const negative = await harness.graphql(SET_TARGET, {
      input: { kpi: 'satisfactionRate', target: -0.5, queueId: 'q-a' },
    });
    expect(negative.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    const unknown = await harness.graphql(SET_TARGET, { input: { kpi: 'happiness', target: 0.9 } });
    expect(unknown.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(unknown.errors[0].message).toMatch(
      /^Unknown KPI "happiness"\. Known KPIs: replyRate, onTimeReplyRate, /,
    );
    const queue = await harness.graphql(SET_TARGET, {
      input: { kpi: 'replyRate', target: 1, queueId: ' q-a ' },
    });
    expect(queue.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(queue.errors[0].message).toMatch(/queueId " q-a " is not a queue id/);
    const supervisor = await harness.graphql(
      SET_TARGET,
      { input: { kpi: 'replyRate', target: 0.5 } },
      SUPERVISOR_B,
    );
    expect(supervisor.errors[0].extensions.code).toBe('FORBIDDEN');
    const missing = await harness.graphql(
      `
        mutation {
          removeKpiTarget(kpi: "replyRate", queueId: "q-zzz") {
            kpi
          }
        }
      `,
      {},
    );
    expect(missing.errors[0].extensions.code).toBe('NOT_FOUND');
    expect(missing.errors[0].message).toBe('No queue q-zzz target is set for replyRate.');
    const foreign = await harness.graphql(TARGETS_QUERY, { queueIds: ['q-a'] }, SUPERVISOR_B);
    expect(foreign.errors[0].extensions.code).toBe('FORBIDDEN');
    expect((await harness.ok(TARGETS_QUERY, {})).kpiTargets).toEqual(before);
  }, 60_000);

  it('should replace and remove targets and let a supervisor read only their queues when targets change', async () => {
    await harness.ok(SET_TARGET, { input: { kpi: 'reopenRate', queueId: 'q-tmp', target: 0.2 } });
    await harness.ok(SET_TARGET, {
      input: { kpi: 'reopenRate', queueId: 'q-tmp', target: 0.1, direction: 'AT_MOST' },
    });
    const tmp = (await harness.ok(TARGETS_QUERY, { queueIds: ['q-tmp'] })).kpiTargets.filter(
      (t: Json) => t.queueId === 'q-tmp',
    );
    expect(tmp).toEqual([
      { kpi: 'reopenRate', queueId: 'q-tmp', target: 0.1, direction: 'AT_MOST', updatedBy: 'admin-1' },
    ]);
    // A supervisor of q-b sees the desk-wide targets only, not q-tmp's.
    expect(
      (await harness.ok(TARGETS_QUERY, {}, SUPERVISOR_B)).kpiTargets.some((t: Json) => t.queueId === 'q-tmp'),
    ).toBe(false);
    const { removeKpiTarget } = await harness.ok(
      `mutation { removeKpiTarget(kpi: "reopenRate", queueId: "q-tmp") { kpi queueId target } }`,
      {},
    );
    expect(removeKpiTarget).toEqual({ kpi: 'reopenRate', queueId: 'q-tmp', target: 0.1 });
    expect(
      (await harness.ok(TARGETS_QUERY, { queueIds: ['q-tmp'] })).kpiTargets.some(
        (t: Json) => t.queueId === 'q-tmp',
      ),
    ).toBe(false);
  }, 60_000);

  it('should report each KPI with its target and whether it is met when the week is consumed', async () => {
    // q-b is held to 80 % satisfaction instead of the desk-wide 90 % (set twice: the second replaces the first).
    await harness.ok(SET_TARGET, { input: { kpi: 'satisfactionRate', queueId: 'q-b', target: 0.7 } });
    expect(
      (await harness.ok(SET_TARGET, { input: { kpi: 'satisfactionRate', queueId: 'q-b', target: 0.8 } }))
        .setKpiTarget,
    ).toEqual({
      kpi: 'satisfactionRate',
      queueId: 'q-b',
      target: 0.8,
      direction: 'AT_LEAST',
      updatedBy: 'admin-1',
    });
    await publishWeek();
    await harness.settled();
    const m = await weekMetrics();
    expect(m.volume.ticketIds).toEqual(sorted(K1, K2, S1, U1));
    const targets = byKpi(m.targets);
    expect(m.targets.map((t: Json) => t.kpi)).toEqual([
      'replyRate',
      'onTimeReplyRate',
      'repeatComplaintRate',
      'satisfactionRate',
      'keyCustomerComplaintSatisfactionRate',
      'complaintAnsweredWithin48h',
    ]);
    // Replied: K1, K2, S1 of 4.
    expect(targets.replyRate).toEqual({
      kpi: 'replyRate',
      queueId: null,
      targetQueueId: null,
      value: 0.75,
      target: 1,
      direction: 'AT_LEAST',
      met: false,
      numerator: 3,
      denominator: 4,
      ticketIds: sorted(K1, K2, S1),
      baseTicketIds: sorted(K1, K2, S1, U1),
    });
    // Every ended first-response clock was achieved: 3 / 3.
    expect(targets.onTimeReplyRate).toMatchObject({ value: 1, target: 1, met: true });
    // Repeats 1 (K2) over originals K1, K2, U1: 1 / 3 > 1 %.
    expect(targets.repeatComplaintRate).toMatchObject({
      value: 1 / 3,
      target: 0.01,
      direction: 'AT_MOST',
      met: false,
    });
    // Ratings K1 SATISFIED, K2 UNSATISFIED, S1 VERY_SATISFIED: 2 / 3 < 90 %.
    expect(targets.satisfactionRate).toMatchObject({ numerator: 2, denominator: 3, target: 0.9, met: false });
    // Key customers' complaints: K1 satisfied, K2 not: 1 / 2 < 95 %.
    expect(targets.keyCustomerComplaintSatisfactionRate).toMatchObject({
      value: 0.5,
      target: 0.95,
      met: false,
      ticketIds: [K1],
      baseTicketIds: sorted(K1, K2),
    });
    // Complaints K1, K2 answered within 48 h; U1 never: 2 / 3.
    expect(targets.complaintAnsweredWithin48h).toMatchObject({ numerator: 2, denominator: 3, met: false });

    // One queue: its own targets, overriding the desk-wide one (S1 VERY_SATISFIED: 1 / 1 ≥ 80 %).
    const queueB = byKpi((await weekMetrics({ queueIds: ['q-b'] })).targets);
    expect(queueB.satisfactionRate).toMatchObject({
      queueId: 'q-b',
      targetQueueId: 'q-b',
      value: 1,
      target: 0.8,
      met: true,
    });
    expect(queueB.replyRate).toMatchObject({
      queueId: 'q-b',
      targetQueueId: null,
      value: 0.5,
      target: 1,
      met: false,
    });
    // No key-customer complaint in q-b: no figure, so neither met nor missed.
    expect(queueB.keyCustomerComplaintSatisfactionRate).toMatchObject({ value: null, met: null });

    const { queueMetrics } = await harness.ok(
      `query($period: PeriodInput!) { queueMetrics(period: $period) { queueId targets { kpi value target met targetQueueId } } }`,
      { period: WEEK },
    );
    const queueTargets = Object.fromEntries(queueMetrics.map((q: Json) => [q.queueId, byKpi(q.targets)]));
    expect(queueTargets['q-a'].satisfactionRate).toEqual({
      kpi: 'satisfactionRate',
      value: 0.5,
      target: 0.9,
      met: false,
      targetQueueId: null,
    });
    expect(queueTargets['q-b'].satisfactionRate).toMatchObject({ value: 1, target: 0.8, met: true });
  }, 120_000);

  it('should break satisfaction down by customer tier and region with exact figures when tickets carry them', async () => {
    const m = await weekMetrics();
    expect(m.satisfactionByTier).toEqual([
      {
        key: 'KEY',
        rate: { numerator: 1, denominator: 2, value: 0.5, ticketIds: [K1], baseTicketIds: sorted(K1, K2) },
      },
      {
        key: 'STANDARD',
        rate: { numerator: 1, denominator: 1, value: 1, ticketIds: [S1], baseTicketIds: [S1] },
      },
    ]);
    expect(m.satisfactionByRegion).toEqual([
      {
        key: 'CN-GD',
        rate: {
          numerator: 2,
          denominator: 2,
          value: 1,
          ticketIds: sorted(K1, S1),
          baseTicketIds: sorted(K1, S1),
        },
      },
      { key: 'CN-BJ', rate: { numerator: 0, denominator: 1, value: 0, ticketIds: [], baseTicketIds: [K2] } },
    ]);
    expect(m.keyCustomerSatisfactionRate).toMatchObject({ numerator: 1, denominator: 2, value: 0.5 });
    expect(m.keyCustomerComplaintSatisfactionRate).toMatchObject({
      numerator: 1,
      denominator: 2,
      value: 0.5,
    });
    // Visits with a verdict: K1 unsatisfied, S1 satisfied (K2's is overdue).
    expect(m.followUpSatisfactionRate).toEqual({
      numerator: 1,
      denominator: 2,
      value: 0.5,
      ticketIds: [S1],
      baseTicketIds: sorted(K1, S1),
    });
  }, 60_000);

  it('should count refused replies per agent for supervisors when replies were refused', async () => {
    const { agentMetrics } = await harness.ok(AGENTS_QUERY, { period: WEEK });
    expect(agentMetrics).toEqual([
      {
        agentId: 'ann',
        handled: 2,
        refusedReplies: 1,
        refusedReplyTicketIds: [K2],
        refusedPhrases: [{ key: '不是告诉你了', count: 1, ticketIds: [K2] }],
      },
      {
        agentId: 'bob',
        handled: 1,
        refusedReplies: 2,
        refusedReplyTicketIds: [S1],
        refusedPhrases: [
          { key: '你到XX部门问问吧', count: 2, ticketIds: [S1] },
          { key: '这是规定，我有什么办法', count: 1, ticketIds: [S1] },
        ],
      },
    ]);
    // A supervisor reads their own queue's agents.
    const own = await harness.ok(
      AGENTS_QUERY.replace(
        'agentMetrics(period: $period)',
        'agentMetrics(period: $period, filter: { queueIds: ["q-b"] })',
      ),
      { period: WEEK },
      SUPERVISOR_B,
    );
    expect(own.agentMetrics.map((a: Json) => [a.agentId, a.refusedReplies])).toEqual([['bob', 2]]);
  }, 60_000);

  it('should show overdue visits per queue in live metrics when a visit passed its due time', async () => {
    const { liveMetrics } = await harness.ok(LIVE_QUERY, { queueIds: ['q-a', 'q-b'] });
    expect(liveMetrics.overdueVisits).toBe(1);
    expect(liveMetrics.overdueVisitsByQueue).toEqual([{ key: 'q-a', count: 1, ticketIds: [K2] }]);
  }, 60_000);

  it('should put the targets into the weekly review query, CSV and Markdown when asked for the week', async () => {
    const { weeklyReview } = await harness.ok(
      `query { weeklyReview(weekOf: "2026-11-04T04:00:00Z") { targets { kpi value target met } csv markdown } }`,
      {},
    );
    expect(byKpi(weeklyReview.targets).satisfactionRate).toMatchObject({ target: 0.9, met: false });
    expect(byKpi(weeklyReview.targets).onTimeReplyRate).toMatchObject({ value: 1, met: true });
    const csv = weeklyReview.csv.split('\n');
    expect(csv[0]).toBe('section,name,current,previous,change,target,direction,met');
    expect(csv).toContain('targets,replyRate,0.75,,,1,AT_LEAST,missed');
    expect(csv).toContain('targets,onTimeReplyRate,1,,,1,AT_LEAST,met');
    expect(csv).toContain('targets,satisfactionRate,0.6667,,,0.9,AT_LEAST,missed');
    expect(csv).toContain('targets,repeatComplaintRate,0.3333,,,0.01,AT_MOST,missed');
    expect(csv).toContain('satisfactionByTier,KEY,0.5,,,,,');
    expect(csv).toContain('satisfactionByRegion,CN-GD,1,,,,,');
    expect(weeklyReview.markdown).toContain('## Targets');
    expect(weeklyReview.markdown).toContain('| satisfactionRate | 66.7 % | ≥ 90.0 % | no |');
    expect(weeklyReview.markdown).toContain('| onTimeReplyRate | 100.0 % | ≥ 100.0 % | yes |');
    expect(weeklyReview.markdown).toContain('| repeatComplaintRate | 33.3 % | ≤ 1.0 % | no |');
    expect(weeklyReview.markdown).toContain('- tier KEY: 50.0 % (1/2)');
  }, 60_000);

  describe('crossings on today figures', () => {
    const live = new Script();
    const L1 = randomUUID();
    const L2 = randomUUID();
    const L3 = randomUUID();
    const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();

    it('should emit exactly one event when a KPI misses its target and none while it stays missed', async () => {
      live.created(L1, '202611-301', minutesAgo(3), 'CONSULTATION', 'q-live', {
        tier: 'KEY',
        region: 'CN-SH',
      });
      live.rated(L1, minutesAgo(2), 'SATISFIED');
      await harness.publish(TOPICS.tickets, live.tickets.splice(0));
      await harness.settled();
      await signalled('q-live', 0);
      // Met from the start (1 / 1): a KPI counts as met until shown otherwise, so nothing is announced.
      expect(satisfaction(await crossings(), 'q-live')).toEqual([]);

      live.created(L2, '202611-302', minutesAgo(3), 'CONSULTATION', 'q-live', {});
      live.created(L3, '202611-303', minutesAgo(3), 'CONSULTATION', 'q-live', {});
      live.rated(L2, minutesAgo(1), 'UNSATISFIED');
      live.rated(L3, minutesAgo(1), 'UNSATISFIED');
      await harness.publish(TOPICS.tickets, live.tickets.splice(0));
      const missed = await eventually(
        async () => {
          const events = satisfaction(await crossings(), 'q-live');
          return events.length > 0 ? events : undefined;
        },
        { timeoutMs: 30_000, what: 'the satisfaction crossing of q-live' },
      );
      expect(missed).toHaveLength(1);
      expect(missed[0]).toMatchObject({ type: CROSSED, subject: 'satisfactionRate:q-live' });
      expect(missed[0].data).toMatchObject({
        kpi: 'satisfactionRate',
        queueId: 'q-live',
        value: 1 / 3,
        target: 0.9,
        direction: 'AT_LEAST',
        met: false,
      });
      expect(
        new Date(missed[0].data.period.to).getTime() - new Date(missed[0].data.period.from).getTime(),
      ).toBe(86_400_000);
      // The desk (today: L1..L3 only) crossed too, once.
      const desk = await eventually(
        async () => {
          const events = satisfaction(await crossings(), null);
          return events.length > 0 ? events : undefined;
        },
        { timeoutMs: 30_000, what: 'the desk-wide satisfaction crossing' },
      );
      expect(desk.map((event: Json) => [event.data.met, event.data.value])).toEqual([[false, 1 / 3]]);

      const { liveMetrics } = await harness.ok(LIVE_QUERY, { queueIds: ['q-live'] });
      expect(byKpi(liveMetrics.targets).satisfactionRate).toEqual({
        kpi: 'satisfactionRate',
        queueId: 'q-live',
        value: 1 / 3,
        target: 0.9,
        met: false,
      });

      // More changes on q-live while it stays missed: re-evaluated, nothing new.
      const before = await signalCount();
      live.replied(L1, minutesAgo(0.5), 'ann');
      await harness.publish(TOPICS.tickets, live.tickets.splice(0));
      await harness.settled();
      await signalled('q-live', before);
      expect(satisfaction(await crossings(), 'q-live')).toHaveLength(1);
      expect(satisfaction(await crossings(), null)).toHaveLength(1);
    }, 120_000);

    it('should emit exactly one met event when a lowered target is met again and nothing on replay', async () => {
      await harness.ok(SET_TARGET, { input: { kpi: 'satisfactionRate', queueId: 'q-live', target: 0.3 } });
      const events = await eventually(
        async () => {
          const found = satisfaction(await crossings(), 'q-live');
          return found.length >= 2 ? found : undefined;
        },
        { timeoutMs: 30_000, what: 'q-live meeting its lowered target' },
      );
      expect(events.map((event: Json) => [event.data.met, event.data.target])).toEqual([
        [false, 0.9],
        [true, 0.3],
      ]);
      const all = await crossings();
      // The same events again: the projection and the crossing state hold, nothing is announced twice.
      const before = await signalCount();
      live.rated(L1, minutesAgo(0.2), 'SATISFIED');
      const extra = live.tickets.splice(0);
      await harness.publish(TOPICS.tickets, extra);
      await harness.publish(TOPICS.tickets, extra);
      await harness.settled();
      await signalled('q-live', before);
      // L1 rated again: its latest rating counts (issue #17), so 1 / 3 tickets ≥ 30 % is still met for q-live;
      // the desk stays missed (1 / 3 < 90 %).
      expect(await crossings()).toEqual(all);
      const { liveMetrics } = await harness.ok(LIVE_QUERY, { queueIds: ['q-live'] });
      expect(byKpi(liveMetrics.targets).satisfactionRate).toMatchObject({
        value: 1 / 3,
        target: 0.3,
        met: true,
      });
    }, 120_000);
  });

  it('should give identical figures when the week is replayed and when the projections are rebuilt', async () => {
    const snapshot = async () => ({
      metrics: await weekMetrics(),
      queueB: await weekMetrics({ queueIds: ['q-b'] }),
      agents: (await harness.ok(AGENTS_QUERY, { period: WEEK })).agentMetrics,
      overdue: (await harness.ok(LIVE_QUERY, { queueIds: ['q-a', 'q-b'] })).liveMetrics.overdueVisitsByQueue,
      review: (
        await harness.ok(`query { weeklyReview(weekOf: "2026-11-04T04:00:00Z") { csv markdown } }`, {})
      ).weeklyReview,
    });
    const before = await snapshot();
    await publishWeek();
    await harness.settled();
    expect(await snapshot()).toEqual(before);

    const crossingsBefore = await crossings();
    const signalsBefore = await signalCount();
    const result = await harness.rebuild();
    expect(result).toMatchObject({ fromGeneration: 1, toGeneration: 2 });
    expect(await snapshot()).toEqual(before);
    // The rebuild marks every queue dirty; the signal evaluates them in its transaction, and the same figures cross nothing.
    await signalled('q-live', signalsBefore);
    expect(await crossings()).toEqual(crossingsBefore);
  }, 240_000);
});
