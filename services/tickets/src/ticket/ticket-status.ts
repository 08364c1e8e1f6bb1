export const TICKET_STATUSES = [
  'NEW',
  'ASSIGNED',
  'IN_PROGRESS',
  'PENDING_CUSTOMER',
  'PENDING_THIRD_PARTY',
  'RESOLVED',
  'CLOSED',
  'ARCHIVED',
] as const;
export type TicketStatus = (typeof TICKET_STATUSES)[number];

const TRANSITIONS: Record<TicketStatus, readonly TicketStatus[]> = {
  NEW: ['ASSIGNED', 'IN_PROGRESS', 'CLOSED'],
  ASSIGNED: ['IN_PROGRESS', 'NEW', 'CLOSED'],
  IN_PROGRESS: ['PENDING_CUSTOMER', 'PENDING_THIRD_PARTY', 'RESOLVED', 'ASSIGNED'],
  PENDING_CUSTOMER: ['IN_PROGRESS', 'RESOLVED', 'CLOSED'],
  PENDING_THIRD_PARTY: ['IN_PROGRESS', 'RESOLVED'],
  // Reopening goes back to IN_PROGRESS for a second handling.
  RESOLVED: ['CLOSED', 'IN_PROGRESS'],
  CLOSED: ['ARCHIVED', 'IN_PROGRESS'],
  ARCHIVED: [],
};

export function allowedNextStatuses(from: TicketStatus): TicketStatus[] {
  return [...TRANSITIONS[from]];
}

export function canTransition(from: TicketStatus, to: TicketStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

export function isOpenStatus(status: TicketStatus): boolean {
  return status !== 'RESOLVED' && status !== 'CLOSED' && status !== 'ARCHIVED';
}

export function isPendingStatus(status: TicketStatus): boolean {
  return status === 'PENDING_CUSTOMER' || status === 'PENDING_THIRD_PARTY';
}
