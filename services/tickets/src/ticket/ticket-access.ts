import { canSeeQueue, hasRole, type Identity } from '@deskgraph/platform';
import { TicketError, TicketErrorCode } from './ticket.errors';

interface TicketScope {
  queueId: string;
  customerId: string;
}

/** Customers see their own tickets; staff the tickets of their queues; admins all. */
export function canReadTicket(identity: Identity, ticket: TicketScope): boolean {
  if (hasRole(identity, 'customer') && identity.customerId === ticket.customerId) return true;
  return canSeeQueue(identity, ticket.queueId);
}

export function assertAuthenticated(identity: Identity): void {
  if (identity.roles.length === 0) {
    throw new TicketError(TicketErrorCode.NotAuthenticated, 'Sign in: this operation needs a valid token.');
  }
}

/** Who may open a ticket, and for which customer and queue. */
export function assertCanCreate(identity: Identity, queueId: string): void {
  assertAuthenticated(identity);
  if (hasRole(identity, 'admin', 'supervisor', 'agent')) {
    if (!canSeeQueue(identity, queueId)) {
      throw new TicketError(TicketErrorCode.NotAllowed, `You are not a member of queue "${queueId}".`, {
        queueId,
      });
    }
    return;
  }
  if (hasRole(identity, 'customer')) {
    if (!identity.customerId) {
      throw new TicketError(
        TicketErrorCode.NotAllowed,
        'Your token names no customer id, so you cannot open tickets.',
      );
    }
    return;
  }
  throw new TicketError(TicketErrorCode.NotAllowed, 'Your role cannot open tickets.');
}
