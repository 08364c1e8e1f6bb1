import { GraphQLError } from 'graphql';

/** The `extensions.code` values a client can rely on. */
export const GRAPHQL_ERROR_CODES = [
  'BAD_USER_INPUT',
  'NOT_FOUND',
  'FORBIDDEN',
  'UNAUTHENTICATED',
  'CONFLICT',
  'RATE_LIMITED',
  'SERVICE_UNAVAILABLE',
  'INTERNAL_SERVER_ERROR',
] as const;
export type GraphQLErrorCode = (typeof GRAPHQL_ERROR_CODES)[number];

/**
 * A business rule said no. Each service declares its own code enum and a
 * `Record<Code, GraphQLErrorCode>` so the mapping is exhaustive at compile time.
 */
export class DomainError<TCode extends string = string> extends Error {
  constructor(
    readonly code: TCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export type DomainErrorMapping<TCode extends string> = Record<TCode, GraphQLErrorCode>;

export function toGraphQLError<TCode extends string>(
  error: DomainError<TCode>,
  mapping: DomainErrorMapping<TCode>,
): GraphQLError {
  return new GraphQLError(error.message, {
    extensions: { code: mapping[error.code], reason: error.code, ...error.details },
  });
}

/** Shorthand errors every service raises the same way. */
export function forbidden(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'FORBIDDEN' } });
}

export function unauthenticated(message = 'Sign in: this operation needs a valid token.'): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'UNAUTHENTICATED' } });
}

export function badUserInput(message: string, details: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', ...details } });
}

export function notFound(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'NOT_FOUND' } });
}

/**
 * One thing wrong with an input, as every subgraph reports it in
 * `extensions.problems` of a BAD_USER_INPUT error: the field (its path in the
 * input, dot-separated) and what is wrong with it.
 */
export interface InputProblem {
  field: string;
  message: string;
}

/** The error message for a list of input problems: their messages, in order, joined by "; ". */
export function describeProblems(problems: InputProblem[]): string {
  return problems.map((problem) => problem.message).join('; ');
}
