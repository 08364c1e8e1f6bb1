import { DomainError, toGraphQLError, type DomainErrorMapping } from '@deskgraph/platform';

export enum AnalyticsErrorCode {
  InvalidPeriod = 'INVALID_PERIOD',
  InvalidFilter = 'INVALID_FILTER',
  NotAllowed = 'ANALYTICS_NOT_ALLOWED',
}

const mapping: DomainErrorMapping<AnalyticsErrorCode> = {
  [AnalyticsErrorCode.InvalidPeriod]: 'BAD_USER_INPUT',
  [AnalyticsErrorCode.InvalidFilter]: 'BAD_USER_INPUT',
  [AnalyticsErrorCode.NotAllowed]: 'FORBIDDEN',
};

export class AnalyticsError extends DomainError<AnalyticsErrorCode> {}

export function mapAnalyticsError(error: DomainError) {
  return toGraphQLError(error as AnalyticsError, mapping);
}
