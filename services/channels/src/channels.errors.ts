import {
  DomainError,
  toGraphQLError,
  type DomainErrorMapping,
  type InputProblem,
  describeProblems,
} from '@deskgraph/platform';

export enum ChannelsErrorCode {
  InvalidInput = 'INVALID_CHANNELS_INPUT',
  NotFound = 'CHANNELS_NOT_FOUND',
  NotAllowed = 'CHANNELS_ACTION_NOT_ALLOWED',
  Unauthenticated = 'CHANNELS_SIGN_IN_REQUIRED',
  ForbiddenAddress = 'WEBHOOK_ADDRESS_FORBIDDEN',
}

const mapping: DomainErrorMapping<ChannelsErrorCode> = {
  [ChannelsErrorCode.InvalidInput]: 'BAD_USER_INPUT',
  [ChannelsErrorCode.NotFound]: 'NOT_FOUND',
  [ChannelsErrorCode.NotAllowed]: 'FORBIDDEN',
  [ChannelsErrorCode.Unauthenticated]: 'UNAUTHENTICATED',
  [ChannelsErrorCode.ForbiddenAddress]: 'BAD_USER_INPUT',
};

export class ChannelsError extends DomainError<ChannelsErrorCode> {}

/** BAD_USER_INPUT with every problem in `extensions.problems`, shaped as in every subgraph. */
export function invalidInput(problems: InputProblem[]): ChannelsError {
  return new ChannelsError(ChannelsErrorCode.InvalidInput, describeProblems(problems), { problems });
}

export function mapChannelsError(error: DomainError) {
  return toGraphQLError(error as ChannelsError, mapping);
}
