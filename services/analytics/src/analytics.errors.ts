import { DomainError, toGraphQLError, type DomainErrorMapping, type Identity } from '@deskgraph/platform';

export enum AnalyticsErrorCode {
  InvalidPeriod = 'INVALID_PERIOD',
  InvalidFilter = 'INVALID_FILTER',
  InvalidTarget = 'INVALID_KPI_TARGET',
  TargetNotFound = 'KPI_TARGET_NOT_FOUND',
  NotAllowed = 'ANALYTICS_NOT_ALLOWED',
  NotSignedIn = 'NOT_SIGNED_IN',
}

const mapping: DomainErrorMapping<AnalyticsErrorCode> = {
  [AnalyticsErrorCode.InvalidPeriod]: 'BAD_USER_INPUT',
  [AnalyticsErrorCode.InvalidFilter]: 'BAD_USER_INPUT',
  [AnalyticsErrorCode.InvalidTarget]: 'BAD_USER_INPUT',
  [AnalyticsErrorCode.TargetNotFound]: 'NOT_FOUND',
  [AnalyticsErrorCode.NotAllowed]: 'FORBIDDEN',
  [AnalyticsErrorCode.NotSignedIn]: 'UNAUTHENTICATED',
};

export class AnalyticsError extends DomainError<AnalyticsErrorCode> {}

/** A refusal: UNAUTHENTICATED for a caller without a token (signing in may help), FORBIDDEN otherwise. */
export function notAllowed(identity: Identity, message: string): AnalyticsError {
  return identity.roles.length === 0
    ? new AnalyticsError(AnalyticsErrorCode.NotSignedIn, 'Sign in: this operation needs a valid token.')
    : new AnalyticsError(AnalyticsErrorCode.NotAllowed, message);
}

export function mapAnalyticsError(error: DomainError) {
  return toGraphQLError(error as AnalyticsError, mapping);
}
