import type { Priority, SlaTargetName } from '@deskgraph/events';

export type { Priority };
export type SlaTarget = SlaTargetName;

export interface TargetRule {
  target: SlaTarget;
  minutes: number;
  businessTime: boolean;
}

const MINUTE = 60_000;

/**
 * The handbook's first-response targets: P0 15 min and P1 1 h around the
 * clock; P2 4 h and P3 24 h. Counted in clock time until business calendars
 * land (issue: SLA subgraph).
 */
export const DEFAULT_FIRST_RESPONSE_MINUTES: Record<Priority, number> = {
  P0: 15,
  P1: 60,
  P2: 4 * 60,
  P3: 24 * 60,
};

export function firstResponseRule(priority: Priority): TargetRule {
  return { target: 'FIRST_RESPONSE', minutes: DEFAULT_FIRST_RESPONSE_MINUTES[priority], businessTime: false };
}

export function dueAtFor(rule: TargetRule, startedAt: Date): Date {
  return new Date(startedAt.getTime() + rule.minutes * MINUTE);
}
