import type { EscalationTier } from '../ticket/ticket.entity';
import type { TicketStatus } from '../ticket/ticket-status';

/**
 * The vertical escalation ladder, lowest first — the one order both an
 * agent's escalation and an SLA breach's follow. A ticket only ever moves up.
 */
export const ESCALATION_TIERS = ['SUPERVISOR', 'EXPERT'] as const satisfies readonly EscalationTier[];

const rank = (tier: EscalationTier | null) => (tier ? ESCALATION_TIERS.indexOf(tier) + 1 : 0);

/** The tier above the current one, or null at the top. */
export function nextTier(current: EscalationTier | null): EscalationTier | null {
  return ESCALATION_TIERS[rank(current)] ?? null;
}

/** True when `target` is above `current`, so escalating to it moves the ticket up. */
export function isAbove(target: EscalationTier, current: EscalationTier | null): boolean {
  return rank(target) > rank(current);
}

/** Resolved, closed and archived tickets are done with; they do not escalate. */
export function canEscalate(status: TicketStatus): boolean {
  return !['RESOLVED', 'CLOSED', 'ARCHIVED'].includes(status);
}
