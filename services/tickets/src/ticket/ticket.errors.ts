import { DomainError, toGraphQLError, type DomainErrorMapping } from '@deskgraph/platform';

export enum TicketErrorCode {
  TicketNotFound = 'TICKET_NOT_FOUND',
  InvalidInput = 'INVALID_TICKET_INPUT',
  NotAllowed = 'TICKET_ACTION_NOT_ALLOWED',
  NotAuthenticated = 'NOT_AUTHENTICATED',
  VersionConflict = 'TICKET_VERSION_CONFLICT',
  InvalidTransition = 'INVALID_STATUS_TRANSITION',
  InvalidState = 'TICKET_STATE_DOES_NOT_ALLOW',
  AlreadyDecided = 'ALREADY_DECIDED',
  ProposalNotFound = 'COMPENSATION_NOT_FOUND',
  AgentNotFound = 'AGENT_NOT_FOUND',
  QueueNotFound = 'QUEUE_NOT_FOUND',
  ServiceLanguage = 'SERVICE_LANGUAGE',
  VisitNotFound = 'VISIT_NOT_FOUND',
  VisitAlreadyCompleted = 'VISIT_ALREADY_COMPLETED',
  VisitAlreadyOpen = 'VISIT_ALREADY_OPEN',
  HandoverNotFound = 'HANDOVER_NOT_FOUND',
  HandoverAlreadyAcknowledged = 'HANDOVER_ALREADY_ACKNOWLEDGED',
  IdempotencyKeyReused = 'IDEMPOTENCY_KEY_REUSED',
}

// Exhaustive: adding a code without a GraphQL mapping does not compile.
const mapping: DomainErrorMapping<TicketErrorCode> = {
  [TicketErrorCode.TicketNotFound]: 'NOT_FOUND',
  [TicketErrorCode.InvalidInput]: 'BAD_USER_INPUT',
  [TicketErrorCode.NotAllowed]: 'FORBIDDEN',
  [TicketErrorCode.NotAuthenticated]: 'UNAUTHENTICATED',
  [TicketErrorCode.VersionConflict]: 'CONFLICT',
  [TicketErrorCode.InvalidTransition]: 'BAD_USER_INPUT',
  [TicketErrorCode.InvalidState]: 'BAD_USER_INPUT',
  [TicketErrorCode.AlreadyDecided]: 'CONFLICT',
  [TicketErrorCode.ProposalNotFound]: 'NOT_FOUND',
  [TicketErrorCode.AgentNotFound]: 'NOT_FOUND',
  [TicketErrorCode.QueueNotFound]: 'NOT_FOUND',
  [TicketErrorCode.ServiceLanguage]: 'BAD_USER_INPUT',
  [TicketErrorCode.VisitNotFound]: 'NOT_FOUND',
  [TicketErrorCode.VisitAlreadyCompleted]: 'CONFLICT',
  [TicketErrorCode.VisitAlreadyOpen]: 'CONFLICT',
  [TicketErrorCode.HandoverNotFound]: 'NOT_FOUND',
  [TicketErrorCode.HandoverAlreadyAcknowledged]: 'CONFLICT',
  [TicketErrorCode.IdempotencyKeyReused]: 'CONFLICT',
};

export class TicketError extends DomainError<TicketErrorCode> {}

export function mapTicketError(error: DomainError) {
  const code = Object.values(TicketErrorCode).includes(error.code as TicketErrorCode)
    ? (error.code as TicketErrorCode)
    : TicketErrorCode.InvalidInput;
  return toGraphQLError(new TicketError(code, error.message, error.details), mapping);
}
