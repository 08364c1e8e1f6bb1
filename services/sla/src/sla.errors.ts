import { DomainError, toGraphQLError, type DomainErrorMapping } from '@deskgraph/platform';

export enum SlaErrorCode {
  InvalidPolicy = 'INVALID_SLA_POLICY',
  InvalidCalendar = 'INVALID_CALENDAR',
  InvalidInput = 'INVALID_SLA_INPUT',
  NotAllowed = 'SLA_ACTION_NOT_ALLOWED',
}

const mapping: DomainErrorMapping<SlaErrorCode> = {
  [SlaErrorCode.InvalidPolicy]: 'BAD_USER_INPUT',
  [SlaErrorCode.InvalidCalendar]: 'BAD_USER_INPUT',
  [SlaErrorCode.InvalidInput]: 'BAD_USER_INPUT',
  [SlaErrorCode.NotAllowed]: 'FORBIDDEN',
};

export class SlaError extends DomainError<SlaErrorCode> {}

export function mapSlaError(error: DomainError) {
  return toGraphQLError(error as SlaError, mapping);
}
