import { DomainError, toGraphQLError, type DomainErrorMapping } from '@deskgraph/platform';

export enum AnalyticsErrorCode {
  InvalidPeriod = 'INVALID_PERIOD',
  InvalidFilter = 'INVALID_FILTER',
  InvalidTarget = 'INVALID_KPI_TARGET',
  TargetNotFound = 'KPI_TARGET_NOT_FOUND',
  NotAllowed = 'ANALYTICS_NOT_ALLOWED',
}

const mapping: DomainErrorMapping<AnalyticsErrorCode> = {
  [AnalyticsErrorCode.InvalidPeriod]: 'BAD_USER_INPUT',
  [AnalyticsErrorCode.InvalidFilter]: 'BAD_USER_INPUT',
  [AnalyticsErrorCode.InvalidTarget]: 'BAD_USER_INPUT',
  [AnalyticsErrorCode.TargetNotFound]: 'NOT_FOUND',
  [AnalyticsErrorCode.NotAllowed]: 'FORBIDDEN',
};

export class AnalyticsError extends DomainError<AnalyticsErrorCode> {}

export function mapAnalyticsError(error: DomainError) {
  return toGraphQLError(error as AnalyticsError, mapping);
}
