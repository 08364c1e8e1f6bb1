import { canSeeQueue, hasRole, type Identity } from '@deskgraph/platform';
import { TicketError, TicketErrorCode } from './ticket.errors';

interface TicketScope {
  queueId: string;
  customerId: string;
  helperQueueIds?: string[];
}

/** Customers see their own tickets; staff the tickets of their queues (lead or helping); admins all. */
export function canReadTicket(identity: Identity, ticket: TicketScope): boolean {
  if (hasRole(identity, 'customer') && identity.customerId === ticket.customerId) return true;
  return [ticket.queueId, ...(ticket.helperQueueIds ?? [])].some((queueId) => canSeeQueue(identity, queueId));
}

export function isCustomerOnly(identity: Identity): boolean {
  return hasRole(identity, 'customer') && !hasRole(identity, 'agent', 'supervisor', 'admin');
}

/** Agents, supervisors and admins who can see the ticket may work on it. */
export function assertCanWork(identity: Identity, ticket: TicketScope): void {
  if (!hasRole(identity, 'agent', 'supervisor', 'admin') || !canReadTicket(identity, ticket)) {
    throw new TicketError(
      TicketErrorCode.NotAllowed,
      'Only agents, supervisors and admins of its queue can do this.',
    );
  }
}

export function assertSupervisor(identity: Identity, ticket: TicketScope): void {
  if (!hasRole(identity, 'supervisor', 'admin') || !canReadTicket(identity, ticket)) {
    throw new TicketError(
      TicketErrorCode.NotAllowed,
      'Only a supervisor of its queue (or an admin) can do this.',
    );
  }
}

/** Desk configuration (queues, agents, rules) is for staff, not customers. */
export function assertStaff(identity: Identity): void {
  assertAuthenticated(identity);
  if (!hasRole(identity, 'agent', 'supervisor', 'admin')) {
    throw new TicketError(TicketErrorCode.NotAllowed, 'Only agents, supervisors and admins can see this.');
  }
}

export function assertAuthenticated(identity: Identity): void {
  if (identity.roles.length === 0) {
    throw new TicketError(TicketErrorCode.NotAuthenticated, 'Sign in: this operation needs a valid token.');
  }
}

/**
 * Who may open a ticket, and for which customer and queue. `routed`: the
 * queue came from the routing rules, not from the caller, who then needs to
 * hear why that queue and how to pick another.
 */
export function assertCanCreate(identity: Identity, queueId: string, { routed }: { routed: boolean }): void {
  assertAuthenticated(identity);
  if (hasRole(identity, 'admin', 'supervisor', 'agent')) {
    if (!canSeeQueue(identity, queueId)) {
      const message = routed
        ? `The routing rules send this ticket to queue "${queueId}", which you are not a member of; set input.queueId to one of your queues (${identity.queueIds.join(', ')}).`
        : `You are not a member of queue "${queueId}".`;
      throw new TicketError(TicketErrorCode.NotAllowed, message, { queueId });
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

type Resolver = (parent: unknown, args: unknown, context: { identity: Identity }, info: unknown) => unknown;

/**
 * Every query and mutation of this subgraph needs a signed-in caller: an
 * anonymous one gets UNAUTHENTICATED up front, not a NOT_FOUND or FORBIDDEN
 * that would send it looking for the wrong problem.
 */
export function requireSignIn<T extends Record<string, object>>(resolvers: T): T {
  const guarded: Record<string, object> = { ...resolvers };
  for (const type of ['Query', 'Mutation']) {
    const fields = resolvers[type] as Record<string, Resolver> | undefined;
    if (!fields) continue;
    guarded[type] = Object.fromEntries(
      Object.entries(fields).map(([name, resolve]) => [
        name,
        (parent: unknown, args: unknown, context: { identity: Identity }, info: unknown) => {
          assertAuthenticated(context.identity);
          return resolve(parent, args, context, info);
        },
      ]),
    );
  }
  return guarded as T;
}
