import { AnalyticsError } from '../../analytics.errors';
import {
  effectiveTargets,
  evaluateTargets,
  meetsTarget,
  stateKey,
  targetCrossings,
  validateTargetInput,
  type KpiTarget,
  type KpiTargetStatus,
} from '../kpi-targets';
import { computeAgentMetrics, computeTicketMetrics, followUpSatisfactionRate } from '../ticket-metrics';
import { cohort, emptyBacklog, periodOfT0, T0, ticketFact as ticket } from './fixtures';

const period = periodOfT0('DAY');

function target(kpi: KpiTarget['kpi'], value: number, queueId: string | null = null): KpiTarget {
  const direction = kpi === 'repeatComplaintRate' || kpi === 'reopenRate' ? 'AT_MOST' : 'AT_LEAST';
  return { kpi, queueId, target: value, direction, updatedBy: 'admin', updatedAt: T0 };
}

function status(kpi: KpiTarget['kpi'], queueId: string | null, value: number | null, met: boolean | null) {
  return {
    kpi,
    queueId,
    targetQueueId: null,
    value,
    target: 0.9,
    direction: 'AT_LEAST',
    met,
    numerator: 0,
    denominator: 0,
    ticketIds: [],
    baseTicketIds: [],
  } satisfies KpiTargetStatus;
}

describe('KPI targets', () => {
  it('should meet an AT_LEAST target when the value reaches it and an AT_MOST target when it stays below', () => {
    expect(meetsTarget(0.9, 0.9, 'AT_LEAST')).toBe(true);
    expect(meetsTarget(0.89, 0.9, 'AT_LEAST')).toBe(false);
    // 1 repeat over 100 originals is exactly the 1 % ceiling despite float arithmetic.
    expect(meetsTarget(1 / 100, 0.01, 'AT_MOST')).toBe(true);
    expect(meetsTarget(2 / 100, 0.01, 'AT_MOST')).toBe(false);
    expect(meetsTarget(null, 0.9, 'AT_LEAST')).toBeNull();
  });

  it('should let a queue target override the desk-wide one when both exist', () => {
    const targets = [
      target('satisfactionRate', 0.9),
      target('satisfactionRate', 0.8, 'q-a'),
      target('replyRate', 1),
    ];
    expect(effectiveTargets(targets, 'q-a').map((t) => [t.kpi, t.target, t.queueId])).toEqual([
      ['replyRate', 1, null],
      ['satisfactionRate', 0.8, 'q-a'],
    ]);
    expect(effectiveTargets(targets, 'q-b').map((t) => [t.kpi, t.target])).toEqual([
      ['replyRate', 1],
      ['satisfactionRate', 0.9],
    ]);
    expect(effectiveTargets(targets, null).map((t) => t.target)).toEqual([1, 0.9]);
  });

  it('should report value, target and met with the tickets behind them when evaluating figures', () => {
    const metrics = computeTicketMetrics(
      period,
      cohort({
        tickets: [ticket('a'), ticket('b')],
        ratings: [
          { ticketId: 'a', satisfaction: 'SATISFIED', repeatComplaint: false },
          { ticketId: 'b', satisfaction: 'UNSATISFIED', repeatComplaint: true },
        ],
      }),
      emptyBacklog,
    );
    const statuses = evaluateTargets(
      metrics,
      [target('satisfactionRate', 0.9), target('repeatComplaintRate', 0.01), target('replyRate', 1, 'q-a')],
      'q-a',
    );
    expect(statuses).toEqual([
      expect.objectContaining({
        kpi: 'replyRate',
        queueId: 'q-a',
        targetQueueId: 'q-a',
        value: 0,
        met: false,
      }),
      expect.objectContaining({
        kpi: 'repeatComplaintRate',
        value: 0.5,
        target: 0.01,
        direction: 'AT_MOST',
        met: false,
        ticketIds: ['b'],
      }),
      expect.objectContaining({
        kpi: 'satisfactionRate',
        value: 0.5,
        met: false,
        numerator: 1,
        denominator: 2,
        ticketIds: ['a'],
        baseTicketIds: ['a', 'b'],
      }),
    ]);
  });

  it('should announce a first miss but not a first met when no state is known yet', () => {
    const crossed = targetCrossings(
      [status('satisfactionRate', 'q-a', 0.5, false), status('replyRate', 'q-a', 1, true)],
      new Map(),
    );
    expect(crossed.map((c) => [c.kpi, c.met])).toEqual([['satisfactionRate', false]]);
  });

  it('should announce a crossing only when the state changes and ignore KPIs without figures', () => {
    const lastMet = new Map([
      [stateKey('satisfactionRate', 'q-a'), false],
      [stateKey('satisfactionRate', null), true],
      [stateKey('replyRate', 'q-a'), false],
    ]);
    const crossed = targetCrossings(
      [
        status('satisfactionRate', 'q-a', 0.95, true),
        status('satisfactionRate', null, 0.95, true),
        status('replyRate', 'q-a', null, null),
      ],
      lastMet,
    );
    expect(crossed.map((c) => [c.kpi, c.queueId, c.met])).toEqual([['satisfactionRate', 'q-a', true]]);
    // Still missed while the state holds: nothing new.
    expect(targetCrossings([status('replyRate', 'q-a', 0.5, false)], lastMet)).toEqual([]);
  });

  it('should refuse unknown KPIs, targets outside 0–1 and malformed queue ids when validating input', () => {
    const refusal = (input: Parameters<typeof validateTargetInput>[0]) => {
      try {
        validateTargetInput(input);
      } catch (error) {
        expect(error).toBeInstanceOf(AnalyticsError);
        return (error as Error).message;
      }
      throw new Error('accepted');
    };
    expect(refusal({ kpi: 'happiness', target: 0.9 })).toMatch(
      /Unknown KPI "happiness". Known KPIs: replyRate/,
    );
    expect(refusal({ kpi: 'satisfactionRate', target: 95 })).toMatch(/outside 0–100 %.*0\.95 = 95 %/);
    expect(refusal({ kpi: 'satisfactionRate', target: -0.1 })).toMatch(/outside 0–100 %/);
    expect(refusal({ kpi: 'satisfactionRate', target: 0.9, queueId: ' q-a' })).toMatch(/is not a queue id/);
    expect(refusal({ kpi: 'satisfactionRate', target: 0.9, queueId: '' })).toMatch(/is not a queue id/);
    expect(validateTargetInput({ kpi: 'repeatComplaintRate', target: 0.01 })).toEqual({
      kpi: 'repeatComplaintRate',
      queueId: null,
      target: 0.01,
      direction: 'AT_MOST',
    });
  });
});

describe('service-practice figures', () => {
  const tickets = [
    ticket('k1', { customerTier: 'KEY', customerRegion: 'CN-GD' }),
    ticket('k2', { customerTier: 'KEY', customerRegion: 'CN-BJ', type: 'CONSULTATION' }),
    ticket('s1', { customerTier: 'STANDARD', customerRegion: 'CN-GD' }),
    ticket('u1'),
  ];
  const metrics = computeTicketMetrics(
    period,
    cohort({
      tickets,
      ratings: [
        { ticketId: 'k1', satisfaction: 'SATISFIED', repeatComplaint: false },
        { ticketId: 'k1', satisfaction: 'UNSATISFIED', repeatComplaint: true },
        { ticketId: 'k2', satisfaction: 'VERY_SATISFIED', repeatComplaint: false },
        { ticketId: 's1', satisfaction: 'NEUTRAL', repeatComplaint: false },
        { ticketId: 'u1', satisfaction: 'SATISFIED', repeatComplaint: false },
      ],
    }),
    emptyBacklog,
  );

  it('should break satisfaction down by tier and region when tickets carry them', () => {
    // k1 was rated twice: its latest rating (UNSATISFIED) counts.
    expect(metrics.satisfactionByTier.map((b) => [b.key, b.rate.numerator, b.rate.denominator])).toEqual([
      ['KEY', 1, 2],
      ['(unknown)', 1, 1],
      ['STANDARD', 0, 1],
    ]);
    expect(metrics.satisfactionByRegion.map((b) => [b.key, b.rate.numerator, b.rate.denominator])).toEqual([
      ['CN-GD', 0, 2],
      ['(unknown)', 1, 1],
      ['CN-BJ', 1, 1],
    ]);
    expect(metrics.keyCustomerSatisfactionRate).toMatchObject({ numerator: 1, denominator: 2 });
    // Key-customer complaints: k1 only (k2 is a consultation), latest rating unsatisfied.
    expect(metrics.keyCustomerComplaintSatisfactionRate).toMatchObject({
      numerator: 0,
      denominator: 1,
      value: 0,
    });
  });

  it('should treat every configured key-customer tier as key customers when several are configured', () => {
    const vip = computeTicketMetrics(
      period,
      cohort({
        tickets: [ticket('k'), ticket('v', { customerTier: 'VIP' }), ticket('s', { customerTier: 'KEY' })],
        ratings: [
          { ticketId: 'v', satisfaction: 'SATISFIED', repeatComplaint: false },
          { ticketId: 's', satisfaction: 'UNSATISFIED', repeatComplaint: false },
          { ticketId: 'k', satisfaction: 'SATISFIED', repeatComplaint: false },
        ],
      }),
      emptyBacklog,
      { keyCustomerTiers: ['KEY', 'VIP'] },
    );
    expect(vip.keyCustomerSatisfactionRate).toMatchObject({
      numerator: 1,
      denominator: 2,
      baseTicketIds: ['s', 'v'],
    });
  });

  it('should count only reached visits with a verdict when computing follow-up satisfaction', () => {
    const rate = followUpSatisfactionRate([
      { ticketId: 'a', kind: 'FOLLOW_UP', completed: true, reached: true, satisfied: true },
      { ticketId: 'b', kind: 'FOLLOW_UP', completed: true, reached: true, satisfied: false },
      { ticketId: 'c', kind: 'FOLLOW_UP', completed: true, reached: false, satisfied: null },
      { ticketId: 'd', kind: 'KEY_CUSTOMER_TRACKING', completed: false, reached: null, satisfied: null },
    ]);
    expect(rate).toMatchObject({ numerator: 1, denominator: 2, ticketIds: ['a'], baseTicketIds: ['a', 'b'] });
  });

  it('should count refused replies per agent with their phrases when agents were refused', () => {
    const agents = computeAgentMetrics(
      cohort({
        tickets,
        agents: [{ ticketId: 'k1', agentId: 'ann' }],
        refusals: [
          { ticketId: 'k1', agentId: 'ann', phrases: ['不是告诉你了'] },
          { ticketId: 'k2', agentId: 'ann', phrases: ['不是告诉你了', '你到XX部门问问吧'] },
          { ticketId: 's1', agentId: 'cat', phrases: ['这是规定，我有什么办法'] },
          { ticketId: 'outside', agentId: 'dan', phrases: ['x'] },
        ],
      }),
    );
    expect(agents.map((a) => [a.agentId, a.handled, a.refusedReplies, a.refusedReplyTicketIds])).toEqual([
      ['ann', 1, 2, ['k1', 'k2']],
      ['cat', 0, 1, ['s1']],
    ]);
    expect(agents[0].refusedPhrases).toEqual([
      { key: '不是告诉你了', count: 2, ticketIds: ['k1', 'k2'] },
      { key: '你到XX部门问问吧', count: 1, ticketIds: ['k2'] },
    ]);
  });
});
