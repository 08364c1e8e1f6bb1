import { computeAgentMetrics, computeTicketMetrics, type TicketFact } from '../ticket-metrics';
import { buildWeeklyReview } from '../weekly-review';
import { cohort, emptyBacklog, periodOfT0, T0, ticketFact } from './fixtures';

const HOUR = 3_600_000;
const period = periodOfT0('WEEK');
const ticket = (id: string, overrides: Partial<TicketFact> = {}) =>
  ticketFact(id, { type: 'CONSULTATION', queueId: 'general', ...overrides });

const resolvedAt = (hours: number) => new Date(T0.getTime() + hours * HOUR);

describe('computeTicketMetrics', () => {
  const tickets = [
    // One touch: one reply, resolved, never reopened.
    ticket('a', {
      type: 'COMPLAINT',
      status: 'CLOSED',
      firstResponseAt: resolvedAt(1),
      firstResolvedAt: resolvedAt(2),
      lastResolvedAt: resolvedAt(2),
      resolutionCount: 1,
      publicAgentReplies: 1,
    }),
    // Reopened after an unsatisfied rating, resolved again.
    ticket('b', {
      type: 'COMPLAINT',
      status: 'RESOLVED',
      firstResponseAt: resolvedAt(50),
      firstResolvedAt: resolvedAt(60),
      lastResolvedAt: resolvedAt(70),
      resolutionCount: 2,
      reopenCount: 1,
      publicAgentReplies: 2,
    }),
    ticket('c'),
  ];
  // ann worked a and b; bob b too.
  const workedBy = [
    { ticketId: 'a', agentId: 'ann' },
    { ticketId: 'b', agentId: 'ann' },
    { ticketId: 'b', agentId: 'bob' },
  ];
  const metrics = computeTicketMetrics(
    period,
    cohort({
      tickets,
      agents: workedBy,
      ratings: [
        { ticketId: 'a', satisfaction: 'SATISFIED', repeatComplaint: false },
        { ticketId: 'b', satisfaction: 'UNSATISFIED', repeatComplaint: true },
        { ticketId: 'b', satisfaction: 'VERY_SATISFIED', repeatComplaint: false },
      ],
      clocks: [
        { ticketId: 'a', target: 'FIRST_RESPONSE', state: 'ACHIEVED' },
        { ticketId: 'b', target: 'FIRST_RESPONSE', state: 'BREACHED' },
        { ticketId: 'c', target: 'FIRST_RESPONSE', state: 'RUNNING' },
      ],
    }),
    emptyBacklog,
  );

  it('should apply the handbook repeat-complaint formula when a complaint repeats', () => {
    // complaints = 2 originals + 1 repeat = 3; repeats / (complaints − repeats) = 1 / 2.
    expect(metrics.repeatComplaintRate).toMatchObject({ numerator: 1, denominator: 2, value: 0.5 });
  });

  it('should count satisfaction and response over ratings and resolutions when tickets were rated', () => {
    // b was re-rated after a reopen: its latest rating counts, so a and b are satisfied (2 / 2).
    expect(metrics.satisfactionRate).toMatchObject({ numerator: 2, denominator: 2, ticketIds: ['a', 'b'] });
    // First-contact satisfaction keeps each ticket's first rating: a satisfied, b not (1 / 2).
    expect(metrics.firstContactSatisfactionRate).toMatchObject({
      numerator: 1,
      denominator: 2,
      ticketIds: ['a'],
    });
    // 3 ratings over 3 resolutions (a once, b twice).
    expect(metrics.responseRate).toMatchObject({ numerator: 3, denominator: 3, value: 1 });
  });

  it('should separate one-touch, reopen and 48 h complaint answers when tickets differ', () => {
    expect(metrics.oneTouchResolutionRate).toMatchObject({ numerator: 1, denominator: 2, ticketIds: ['a'] });
    expect(metrics.reopenRate).toMatchObject({ numerator: 1, denominator: 2, ticketIds: ['b'] });
    expect(metrics.complaintAnsweredWithin48h).toMatchObject({
      numerator: 1,
      denominator: 2,
      ticketIds: ['a'],
    });
  });

  it('should report ended SLA clocks apart from running ones when computing achievement', () => {
    expect(metrics.sla[0]).toMatchObject({
      target: 'FIRST_RESPONSE',
      achieved: 1,
      breached: 1,
      rate: 0.5,
      running: 1,
    });
    expect(metrics.onTimeReplyRate).toMatchObject({ numerator: 1, denominator: 2 });
    expect(metrics.replyRate).toMatchObject({ numerator: 2, denominator: 3 });
  });

  it('should take first and final resolution from the first and last resolution when reopened', () => {
    expect(metrics.firstResolution.calendar.meanMs).toBe(31 * HOUR);
    expect(metrics.finalResolution.calendar.meanMs).toBe(36 * HOUR);
  });

  it('should credit every agent who worked a ticket when computing agent figures', () => {
    const agents = computeAgentMetrics(cohort({ tickets, agents: workedBy }));
    expect(agents.map((agent) => [agent.agentId, agent.handled])).toEqual([
      ['ann', 2],
      ['bob', 1],
    ]);
  });

  it('should render the review as CSV and Markdown when building a weekly review', () => {
    const review = buildWeeklyReview(metrics, metrics);
    expect(review.csv.split('\n')[0]).toBe('section,name,current,previous,change,target,direction,met');
    expect(review.csv).toContain('weekOverWeek,volume,3,3,0');
    expect(review.markdown).toContain('# Weekly review 2026-11-23 – 2026-11-29 (Asia/Shanghai)');
    expect(review.markdown).toContain('| volume | 3 | 3 | ±0 |');
  });
});
