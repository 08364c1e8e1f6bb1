import { AGENTS, ARTICLES, HOLIDAYS_2026, MAKE_UP_WORKDAYS_2026 } from '../desk-data';
import { planTickets } from '../ticket-plan';

const NOW = new Date('2026-11-29T12:00:00Z');

describe('demo desk plan', () => {
  it('should give the same history when planned again from the same seed', () => {
    expect(planTickets({ seed: 11, tickets: 80, now: NOW })).toEqual(
      planTickets({ seed: 11, tickets: 80, now: NOW }),
    );
    expect(planTickets({ seed: 12, tickets: 80, now: NOW })).not.toEqual(
      planTickets({ seed: 11, tickets: 80, now: NOW }),
    );
  });

  // Desk time 00:30, 08:00, 20:00 and 23:50: tickets planned for hours of today not reached yet move to yesterday.
  it.each([
    ['2026-11-28T16:30:00Z'],
    ['2026-11-29T00:00:00Z'],
    ['2026-11-29T12:00:00Z'],
    ['2026-11-29T15:50:00Z'],
  ])(
    'should keep every step in order and in the past when tickets are spread over four weeks (now %s)',
    (now) => {
      const plans = planTickets({ seed: 2026, tickets: 300, now: new Date(now) });
      expect(new Set(plans.map((plan) => plan.key)).size).toBe(300);
      for (const plan of plans) {
        expect(plan.createdMinutesAgo).toBeGreaterThan(0);
        expect(plan.createdMinutesAgo).toBeLessThanOrEqual(28 * 24 * 60);
        const minutes = plan.steps.map((step) => step.minutes);
        expect(minutes).toEqual([...minutes].sort((a, b) => a - b));
        expect(Math.max(0, ...minutes)).toBeLessThan(plan.createdMinutesAgo);
        for (const step of plan.steps) {
          if (step.kind === 'assign')
            expect(AGENTS.find((agent) => agent.id === step.agentId)?.queueIds).toContain(plan.queueId);
        }
      }
      const kinds = new Set(plans.flatMap((plan) => plan.steps.map((step) => step.kind)));
      expect([...kinds].sort()).toEqual(
        [
          'assign',
          'compensate',
          'completeVisit',
          'confirm',
          'duplicate',
          'escalate',
          'reply',
          'status',
          'useArticle',
        ].sort(),
      );
      expect(
        plans.some((plan) =>
          plan.steps.some((step) => step.kind === 'confirm' && step.satisfaction === 'UNSATISFIED'),
        ),
      ).toBe(true);
    },
  );

  it('should hold 40 articles in both languages and the 2026 holidays without their make-up workdays', () => {
    expect(ARTICLES).toHaveLength(40);
    expect(ARTICLES.filter((article) => article.locale === 'en')).toHaveLength(20);
    // 3 + 9 + 3 + 5 + 3 + 3 + 7 days off (国办发明电〔2025〕7号).
    expect(HOLIDAYS_2026).toHaveLength(33);
    expect(HOLIDAYS_2026.filter((day) => MAKE_UP_WORKDAYS_2026.includes(day))).toEqual([]);
    for (const day of MAKE_UP_WORKDAYS_2026)
      expect([0, 6]).toContain(new Date(`${day}T00:00:00Z`).getUTCDay());
  });
});
