import { DomainError, toGraphQLError, type DomainErrorMapping } from '@deskgraph/platform';

export enum TicketErrorCode {
  TicketNotFound = 'TICKET_NOT_FOUND',
  InvalidInput = 'INVALID_TICKET_INPUT',
  NotAllowed = 'TICKET_ACTION_NOT_ALLOWED',
  NotAuthenticated = 'NOT_AUTHENTICATED',
  VersionConflict = 'TICKET_VERSION_CONFLICT',
}

// Exhaustive: adding a code without a GraphQL mapping does not compile.
const mapping: DomainErrorMapping<TicketErrorCode> = {
  [TicketErrorCode.TicketNotFound]: 'NOT_FOUND',
  [TicketErrorCode.InvalidInput]: 'BAD_USER_INPUT',
  [TicketErrorCode.NotAllowed]: 'FORBIDDEN',
  [TicketErrorCode.NotAuthenticated]: 'UNAUTHENTICATED',
  [TicketErrorCode.VersionConflict]: 'CONFLICT',
};

export class TicketError extends DomainError<TicketErrorCode> {}

export function mapTicketError(error: DomainError) {
  const code = Object.values(TicketErrorCode).includes(error.code as TicketErrorCode)
    ? (error.code as TicketErrorCode)
    : TicketErrorCode.InvalidInput;
  return toGraphQLError(new TicketError(code, error.message, error.details), mapping);
}
