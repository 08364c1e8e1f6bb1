import {
  DomainError,
  toGraphQLError,
  type DomainErrorMapping,
  type InputProblem,
  describeProblems,
} from '@deskgraph/platform';

export type { InputProblem };

export enum KnowledgeErrorCode {
  InvalidInput = 'INVALID_KNOWLEDGE_INPUT',
  NotFound = 'KNOWLEDGE_NOT_FOUND',
  NotAllowed = 'KNOWLEDGE_ACTION_NOT_ALLOWED',
  Unauthenticated = 'KNOWLEDGE_SIGN_IN_REQUIRED',
  Conflict = 'KNOWLEDGE_CONFLICT',
  InvalidTransition = 'INVALID_ARTICLE_TRANSITION',
}

const mapping: DomainErrorMapping<KnowledgeErrorCode> = {
  [KnowledgeErrorCode.InvalidInput]: 'BAD_USER_INPUT',
  [KnowledgeErrorCode.NotFound]: 'NOT_FOUND',
  [KnowledgeErrorCode.NotAllowed]: 'FORBIDDEN',
  [KnowledgeErrorCode.Unauthenticated]: 'UNAUTHENTICATED',
  [KnowledgeErrorCode.Conflict]: 'CONFLICT',
  [KnowledgeErrorCode.InvalidTransition]: 'BAD_USER_INPUT',
};

export class KnowledgeError extends DomainError<KnowledgeErrorCode> {}

export function invalidInput(problems: InputProblem[]): KnowledgeError {
  return new KnowledgeError(KnowledgeErrorCode.InvalidInput, describeProblems(problems), {
    problems,
  });
}

export function mapKnowledgeError(error: DomainError) {
  return toGraphQLError(error as KnowledgeError, mapping);
}
