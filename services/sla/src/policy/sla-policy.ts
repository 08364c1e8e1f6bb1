import type { Priority, SlaTargetName } from '@deskgraph/events';
import type { InputProblem } from '@deskgraph/platform';

export type { Priority };
export type SlaTarget = SlaTargetName;

export const SLA_TARGETS: SlaTarget[] = ['FIRST_RESPONSE', 'NEXT_RESPONSE', 'RESOLUTION'];
export const PRIORITY_LEVELS: Priority[] = ['P0', 'P1', 'P2', 'P3'];
// Longer targets are not SLAs; business-time arithmetic also gives up after three years of calendar.
const MAX_TARGET_MINUTES = 90 * 24 * 60;

/** Ticket types of the ticket events; a rule naming another type could never apply. */
export const TICKET_TYPES = [
  'CONSULTATION',
  'COMPLAINT',
  'FAULT_REPORT',
  'SERVICE_REQUEST',
  'SUGGESTION',
  'OTHER',
] as const;

/** One target rule; unset filters match any ticket. */
export interface TargetRule {
  target: SlaTarget;
  priority?: Priority | null;
  ticketType?: string | null;
  customerType?: string | null;
  minutes: number;
  /** Count the business calendar's working time (true) or clock time (false). */
  businessTime: boolean;
}

export interface SlaPolicyDefinition {
  /** Business calendar for business-time targets. */
  calendarId: string;
  /** Share of the target at which the warning fires. */
  warningShare: number;
  rules: TargetRule[];
}

export interface TicketFacts {
  priority: Priority;
  ticketType: string;
  customerType: string | null;
}

const response = (priority: Priority, minutes: number, businessTime: boolean): TargetRule[] =>
  (['FIRST_RESPONSE', 'NEXT_RESPONSE'] as const).map((target) => ({
    target,
    priority,
    minutes,
    businessTime,
  }));

/**
 * The handbook's policy: P0 15 min and P1 1 h around the clock, P2 4 h and
 * P3 24 h in business hours. "Complaints answered within 48 h" is a
 * response target: the customer gets a public answer within 48 clock hours
 * whatever the priority (the strictest applicable rule wins, so it only bites
 * where the priority's business-hour target would run longer, e.g. P3 or a
 * long holiday). Resolution targets follow the priority.
 */
export const DEFAULT_POLICY: SlaPolicyDefinition = {
  calendarId: 'default',
  warningShare: 0.8,
  rules: [
    ...response('P0', 15, false),
    ...response('P1', 60, false),
    ...response('P2', 4 * 60, true),
    ...response('P3', 24 * 60, true),
    { target: 'RESOLUTION', priority: 'P0', minutes: 4 * 60, businessTime: false },
    { target: 'RESOLUTION', priority: 'P1', minutes: 24 * 60, businessTime: false },
    { target: 'RESOLUTION', priority: 'P2', minutes: 24 * 60, businessTime: true },
    { target: 'RESOLUTION', priority: 'P3', minutes: 48 * 60, businessTime: true },
    { target: 'FIRST_RESPONSE', ticketType: 'COMPLAINT', minutes: 48 * 60, businessTime: false },
  ],
};

/** Every problem of a policy, with the input field it is about; [] when valid. */
export function validatePolicy(policy: SlaPolicyDefinition): InputProblem[] {
  const problems: InputProblem[] = [];
  const add = (field: string, message: string) => problems.push({ field, message });
  if (!(policy.warningShare > 0 && policy.warningShare < 1))
    add('warningShare', 'warningShare must be between 0 and 1 (e.g. 0.8)');
  if (!policy.calendarId) add('calendarId', 'calendarId is required');
  if (policy.rules.length === 0) add('rules', 'rules must not be empty');
  policy.rules.forEach((rule, index) => {
    const label = `rule ${index + 1} (${rule.target}${rule.priority ? ` ${rule.priority}` : ''})`;
    const field = `rules.${index}`;
    if (!SLA_TARGETS.includes(rule.target)) add(`${field}.target`, `${label}: unknown target ${rule.target}`);
    if (rule.priority && !PRIORITY_LEVELS.includes(rule.priority)) {
      add(`${field}.priority`, `${label}: unknown priority "${rule.priority}" (use P0, P1, P2 or P3)`);
    }
    if (rule.ticketType && !(TICKET_TYPES as readonly string[]).includes(rule.ticketType)) {
      add(
        `${field}.ticketType`,
        `${label}: unknown ticket type "${rule.ticketType}" (use ${TICKET_TYPES.join(', ')})`,
      );
    }
    if (!Number.isFinite(rule.minutes) || rule.minutes <= 0) {
      add(`${field}.minutes`, `${label}: minutes must be a positive number, got ${rule.minutes}`);
    } else if (rule.minutes > MAX_TARGET_MINUTES) {
      add(`${field}.minutes`, `${label}: minutes must be at most 90 days (${MAX_TARGET_MINUTES})`);
    }
  });
  // A default: every target needs a rule for every priority that filters on nothing else.
  for (const target of SLA_TARGETS) {
    for (const priority of PRIORITY_LEVELS) {
      const covered = policy.rules.some(
        (rule) =>
          rule.target === target &&
          (!rule.priority || rule.priority === priority) &&
          !rule.ticketType &&
          !rule.customerType,
      );
      if (!covered) {
        add('rules', `no default ${target} rule for ${priority} (one without ticketType or customerType)`);
      }
    }
  }
  return problems;
}

/** Rules of a target that apply to a ticket. */
export function applicableRules(
  policy: SlaPolicyDefinition,
  target: SlaTarget,
  ticket: TicketFacts,
): TargetRule[] {
  return policy.rules.filter(
    (rule) =>
      rule.target === target &&
      (!rule.priority || rule.priority === ticket.priority) &&
      (!rule.ticketType || rule.ticketType === ticket.ticketType) &&
      (!rule.customerType || rule.customerType === ticket.customerType),
  );
}

/** Of several applicable rules the strictest wins: the one due first from the same start. */
export function strictestRule(rules: TargetRule[], dueFor: (rule: TargetRule) => Date): TargetRule | null {
  let best: { rule: TargetRule; due: number } | null = null;
  for (const rule of rules) {
    const due = dueFor(rule).getTime();
    if (!best || due < best.due) best = { rule, due };
  }
  return best?.rule ?? null;
}
