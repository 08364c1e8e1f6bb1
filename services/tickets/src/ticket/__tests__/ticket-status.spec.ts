import {
  allowedNextStatuses,
  canTransition,
  isOpenStatus,
  TICKET_STATUSES,
  type TicketStatus,
} from '../ticket-status';

const ALLOWED: [TicketStatus, TicketStatus][] = [
  ['NEW', 'ASSIGNED'],
  ['NEW', 'IN_PROGRESS'],
  ['NEW', 'CLOSED'],
  ['ASSIGNED', 'IN_PROGRESS'],
  ['ASSIGNED', 'NEW'],
  ['ASSIGNED', 'CLOSED'],
  ['IN_PROGRESS', 'PENDING_CUSTOMER'],
  ['IN_PROGRESS', 'PENDING_THIRD_PARTY'],
  ['IN_PROGRESS', 'RESOLVED'],
  ['IN_PROGRESS', 'ASSIGNED'],
  ['PENDING_CUSTOMER', 'IN_PROGRESS'],
  ['PENDING_CUSTOMER', 'RESOLVED'],
  ['PENDING_CUSTOMER', 'CLOSED'],
  ['PENDING_THIRD_PARTY', 'IN_PROGRESS'],
  ['PENDING_THIRD_PARTY', 'RESOLVED'],
  ['RESOLVED', 'CLOSED'],
  ['RESOLVED', 'IN_PROGRESS'],
  ['CLOSED', 'ARCHIVED'],
  ['CLOSED', 'IN_PROGRESS'],
];

describe('ticket status machine', () => {
  it.each(ALLOWED)('should allow %s → %s', (from, to) => {
    expect(canTransition(from, to)).toBe(true);
  });

  it('should refuse every transition not in the table, self-transitions included', () => {
    for (const from of TICKET_STATUSES) {
      for (const to of TICKET_STATUSES) {
        const listed = ALLOWED.some(([allowedFrom, allowedTo]) => allowedFrom === from && allowedTo === to);
        expect(canTransition(from, to)).toBe(listed);
      }
    }
  });

  it('should end at ARCHIVED when a ticket is archived', () => {
    expect(allowedNextStatuses('ARCHIVED')).toEqual([]);
  });

  it('should count only unresolved statuses as open', () => {
    expect(TICKET_STATUSES.filter(isOpenStatus)).toEqual([
      'NEW',
      'ASSIGNED',
      'IN_PROGRESS',
      'PENDING_CUSTOMER',
      'PENDING_THIRD_PARTY',
    ]);
  });
});
