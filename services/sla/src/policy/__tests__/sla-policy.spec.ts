import { addBusinessTime } from '../../calendar/business-time';
import { shanghaiStandardCalendar } from '../../calendar/business-calendar';
import {
  applicableRules,
  DEFAULT_POLICY,
  strictestRule,
  validatePolicy,
  type SlaPolicyDefinition,
  type TargetRule,
  type TicketFacts,
} from '../sla-policy';

const calendar = shanghaiStandardCalendar();

/** The rule the engine would pick for a ticket starting at `at`. */
function chosen(policy: SlaPolicyDefinition, target: TargetRule['target'], ticket: TicketFacts, at: Date) {
  return strictestRule(applicableRules(policy, target, ticket), (rule) =>
    rule.businessTime
      ? addBusinessTime(calendar, at, rule.minutes * 60_000)
      : new Date(at.getTime() + rule.minutes * 60_000),
  );
}

const ticket = (
  priority: TicketFacts['priority'],
  ticketType = 'SERVICE_REQUEST',
  customerType: string | null = null,
) => ({
  priority,
  ticketType,
  customerType,
});

describe('the handbook default policy', () => {
  const monday = new Date('2026-11-16T10:00:00+08:00');

  it('should be a valid policy', () => {
    expect(validatePolicy(DEFAULT_POLICY)).toEqual([]);
  });

  it.each([
    ['P0', 15, false],
    ['P1', 60, false],
    ['P2', 4 * 60, true],
    ['P3', 24 * 60, true],
  ] as const)(
    'should give %s a first response of %i minutes (business time: %s)',
    (priority, minutes, businessTime) => {
      for (const target of ['FIRST_RESPONSE', 'NEXT_RESPONSE'] as const) {
        expect(chosen(DEFAULT_POLICY, target, ticket(priority), monday)).toMatchObject({
          minutes,
          businessTime,
        });
      }
    },
  );

  it('should answer a complaint within 48 clock hours when its priority target would run longer', () => {
    // Friday 17:00: 24 working hours would end next Thursday.
    const friday = new Date('2026-11-20T17:00:00+08:00');
    expect(chosen(DEFAULT_POLICY, 'FIRST_RESPONSE', ticket('P3', 'COMPLAINT'), friday)).toMatchObject({
      minutes: 48 * 60,
      businessTime: false,
    });
    expect(chosen(DEFAULT_POLICY, 'FIRST_RESPONSE', ticket('P1', 'COMPLAINT'), friday)?.minutes).toBe(60);
    // The answer rule is about responding: resolution follows the priority.
    expect(chosen(DEFAULT_POLICY, 'RESOLUTION', ticket('P3', 'COMPLAINT'), friday)).toMatchObject({
      minutes: 48 * 60,
      businessTime: true,
    });
  });
});

describe('policy rules per ticket type and customer type', () => {
  const policy: SlaPolicyDefinition = {
    ...DEFAULT_POLICY,
    rules: [
      ...DEFAULT_POLICY.rules,
      { target: 'FIRST_RESPONSE', customerType: 'VIP', minutes: 10, businessTime: false },
      { target: 'RESOLUTION', ticketType: 'FAULT_REPORT', priority: 'P1', minutes: 120, businessTime: false },
    ],
  };
  const at = new Date('2026-11-16T10:00:00+08:00');

  it('should apply a customer-type rule only to that customer type', () => {
    expect(chosen(policy, 'FIRST_RESPONSE', ticket('P1', 'OTHER', 'VIP'), at)?.minutes).toBe(10);
    expect(chosen(policy, 'FIRST_RESPONSE', ticket('P1', 'OTHER', 'REGULAR'), at)?.minutes).toBe(60);
  });

  it('should apply a rule filtered on ticket type and priority only when both match', () => {
    expect(chosen(policy, 'RESOLUTION', ticket('P1', 'FAULT_REPORT'), at)?.minutes).toBe(120);
    expect(chosen(policy, 'RESOLUTION', ticket('P2', 'FAULT_REPORT'), at)?.minutes).toBe(24 * 60);
    expect(chosen(policy, 'RESOLUTION', ticket('P1', 'CONSULTATION'), at)?.minutes).toBe(24 * 60);
  });
});

describe('policy validation', () => {
  it('should list every problem at once when a policy is broken', () => {
    const problems = validatePolicy({
      calendarId: 'default',
      warningShare: 1.5,
      rules: [
        { target: 'FIRST_RESPONSE', priority: 'P0', minutes: 0, businessTime: false },
        { target: 'RESOLUTION', priority: 'P1', minutes: -5, businessTime: false },
        { target: 'RESOLUTION', priority: 'P9' as never, minutes: 30, businessTime: false },
        { target: 'RESOLUTION', ticketType: 'RANT', minutes: 30, businessTime: false },
      ],
    });

    expect(problems).toEqual(
      expect.arrayContaining([
        { field: 'warningShare', message: 'warningShare must be between 0 and 1 (e.g. 0.8)' },
        {
          field: 'rules.0.minutes',
          message: 'rule 1 (FIRST_RESPONSE P0): minutes must be a positive number, got 0',
        },
        {
          field: 'rules.1.minutes',
          message: 'rule 2 (RESOLUTION P1): minutes must be a positive number, got -5',
        },
        {
          field: 'rules.2.priority',
          message: 'rule 3 (RESOLUTION P9): unknown priority "P9" (use P0, P1, P2 or P3)',
        },
        {
          field: 'rules.3.ticketType',
          message: expect.stringContaining('rule 4 (RESOLUTION): unknown ticket type "RANT"'),
        },
        {
          field: 'rules',
          message: 'no default NEXT_RESPONSE rule for P0 (one without ticketType or customerType)',
        },
      ]),
    );
  });

  it('should require a default for every target and priority when only filtered rules cover one', () => {
    const rules = DEFAULT_POLICY.rules.map((rule) =>
      rule.target === 'RESOLUTION' && rule.priority === 'P2' ? { ...rule, customerType: 'VIP' } : rule,
    );
    expect(validatePolicy({ ...DEFAULT_POLICY, rules })).toEqual([
      {
        field: 'rules',
        message: 'no default RESOLUTION rule for P2 (one without ticketType or customerType)',
      },
    ]);
  });

  it('should refuse an empty rule list and targets longer than 90 days', () => {
    expect(validatePolicy({ ...DEFAULT_POLICY, rules: [] })).toContainEqual({
      field: 'rules',
      message: 'rules must not be empty',
    });
    const rules = [
      ...DEFAULT_POLICY.rules,
      { target: 'RESOLUTION' as const, minutes: 91 * 24 * 60, businessTime: true },
    ];
    expect(validatePolicy({ ...DEFAULT_POLICY, rules })).toEqual([
      {
        field: `rules.${rules.length - 1}.minutes`,
        message: `rule ${rules.length} (RESOLUTION): minutes must be at most 90 days (129600)`,
      },
    ]);
  });
});
