import { DomainError, toGraphQLError, type DomainErrorMapping } from '@deskgraph/platform';

export enum ArticleErrorCode {
  InvalidInput = 'INVALID_ARTICLE_INPUT',
  NotAllowed = 'ARTICLE_ACTION_NOT_ALLOWED',
}

const mapping: DomainErrorMapping<ArticleErrorCode> = {
  [ArticleErrorCode.InvalidInput]: 'BAD_USER_INPUT',
  [ArticleErrorCode.NotAllowed]: 'FORBIDDEN',
};

export class ArticleError extends DomainError<ArticleErrorCode> {}

export function mapArticleError(error: DomainError) {
  return toGraphQLError(error as ArticleError, mapping);
}
