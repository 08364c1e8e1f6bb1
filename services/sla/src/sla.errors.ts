import { DomainError, toGraphQLError, type DomainErrorMapping, type Identity } from '@deskgraph/platform';

export enum SlaErrorCode {
  InvalidPolicy = 'INVALID_SLA_POLICY',
  InvalidCalendar = 'INVALID_CALENDAR',
  InvalidInput = 'INVALID_SLA_INPUT',
  NotAllowed = 'SLA_ACTION_NOT_ALLOWED',
  NotSignedIn = 'NOT_SIGNED_IN',
}

const mapping: DomainErrorMapping<SlaErrorCode> = {
  [SlaErrorCode.InvalidPolicy]: 'BAD_USER_INPUT',
  [SlaErrorCode.InvalidCalendar]: 'BAD_USER_INPUT',
  [SlaErrorCode.InvalidInput]: 'BAD_USER_INPUT',
  [SlaErrorCode.NotAllowed]: 'FORBIDDEN',
  [SlaErrorCode.NotSignedIn]: 'UNAUTHENTICATED',
};

export class SlaError extends DomainError<SlaErrorCode> {}

/** A refusal: UNAUTHENTICATED for a caller without a token (signing in may help), FORBIDDEN otherwise. */
export function notAllowed(identity: Identity, message: string): SlaError {
  return identity.roles.length === 0
    ? new SlaError(SlaErrorCode.NotSignedIn, 'Sign in: this operation needs a valid token.')
    : new SlaError(SlaErrorCode.NotAllowed, message);
}

export function mapSlaError(error: DomainError) {
  return toGraphQLError(error as SlaError, mapping);
}
