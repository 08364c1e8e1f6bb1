import { randomUUID } from 'node:crypto';
import { hasRole, isStaff, type Identity } from '@deskgraph/platform';
import type { DataSource, FindOptionsWhere } from 'typeorm';
import { ArticleEntity, ARTICLE_AUDIENCES, type ArticleAudience } from './article.entity';
import { ArticleError, ArticleErrorCode } from './article.errors';

export const ARTICLE_LIMITS = { title: 200, body: 100_000, pageSize: 100 };
const LOCALE = /^[a-z]{2}(-[A-Z]{2})?$/;

export interface CreateArticleDraftInput {
  title: string;
  body: string;
  locale: string;
  audience: ArticleAudience;
}

export class ArticleService {
  constructor(private readonly dataSource: DataSource) {}

  async createDraft(identity: Identity, input: CreateArticleDraftInput): Promise<ArticleEntity> {
    if (!hasRole(identity, 'agent', 'supervisor', 'admin')) {
      throw new ArticleError(
        ArticleErrorCode.NotAllowed,
        'Only agents, supervisors and admins propose articles.',
      );
    }
    const title = input.title.trim();
    const problems: string[] = [];
    if (!title) problems.push('title must not be empty');
    if (title.length > ARTICLE_LIMITS.title)
      problems.push(`title must be at most ${ARTICLE_LIMITS.title} characters`);
    if (!input.body.trim()) problems.push('body must not be empty');
    if (input.body.length > ARTICLE_LIMITS.body)
      problems.push(`body must be at most ${ARTICLE_LIMITS.body} characters`);
    if (!LOCALE.test(input.locale)) problems.push('locale must look like zh-CN or en');
    if (!ARTICLE_AUDIENCES.includes(input.audience)) problems.push('audience must be INTERNAL or PUBLIC');
    if (problems.length > 0) throw new ArticleError(ArticleErrorCode.InvalidInput, problems.join('; '));
    const repository = this.dataSource.getRepository(ArticleEntity);
    return repository.save(
      repository.create({
        id: randomUUID(),
        title,
        body: input.body,
        locale: input.locale,
        audience: input.audience,
        status: 'DRAFT',
        authorId: identity.userId,
      }),
    );
  }

  async find(identity: Identity, id: string): Promise<ArticleEntity | null> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) return null;
    return this.dataSource.getRepository(ArticleEntity).findOneBy({ id, ...this.visibility(identity) });
  }

  async list(identity: Identity, first: number): Promise<ArticleEntity[]> {
    if (first < 1 || first > ARTICLE_LIMITS.pageSize) {
      throw new ArticleError(
        ArticleErrorCode.InvalidInput,
        `first must be between 1 and ${ARTICLE_LIMITS.pageSize}.`,
      );
    }
    return this.dataSource
      .getRepository(ArticleEntity)
      .find({ where: this.visibility(identity), order: { updatedAt: 'DESC' }, take: first });
  }

  // Customers and anonymous callers only ever see published public articles.
  private visibility(identity: Identity): FindOptionsWhere<ArticleEntity> {
    return isStaff(identity) ? {} : { status: 'PUBLISHED', audience: 'PUBLIC' };
  }
}
