import { randomUUID } from 'node:crypto';
import type { Identity, OutboxWriter } from '@deskgraph/platform';
import type { DataSource, EntityManager, FindOptionsWhere } from 'typeorm';
import { actorOf, can, isKnowledgeStaff, requirePermission } from '../access/knowledge-access';
import { CategoryEntity } from '../category/category.entity';
import { knowledgeEvents } from '../events/knowledge-events';
import { invalidInput, KnowledgeError, KnowledgeErrorCode, type InputProblem } from '../knowledge.errors';
import { articleSearchColumns } from '../search/text-analysis';
import { ARTICLE_LIMITS, articleFieldProblems, normalizeTags, stripControlCharacters } from './article-input';
import { ArticleEntity, ArticleVersionEntity, type ArticleAudience } from './article.entity';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return UUID.test(value);
}

export interface ArticleContent {
  title: string;
  summary: string;
  body: string;
  categoryId: string | null;
  tags: string[];
  locale: string;
  audience: ArticleAudience;
}

export interface CreateArticleDraftInput {
  title: string;
  body: string;
  summary?: string | null;
  categoryId?: string | null;
  tags?: string[] | null;
  locale: string;
  audience: ArticleAudience;
}

export interface UpdateArticleInput {
  articleId: string;
  /** The version the editor started from; a newer one means someone else saved in between. */
  expectedVersion?: number | null;
  title?: string | null;
  summary?: string | null;
  body?: string | null;
  /** Empty string clears the category. */
  categoryId?: string | null;
  tags?: string[] | null;
  locale?: string | null;
  audience?: ArticleAudience | null;
  reason: string;
}

/** Derived search columns (the analysed text PostgreSQL generates `search_vector` from). */
function withSearchColumns(article: ArticleEntity): ArticleEntity {
  return Object.assign(article, articleSearchColumns(article));
}

function contentOf(article: ArticleEntity | ArticleVersionEntity): ArticleContent {
  return {
    title: article.title,
    summary: article.summary,
    body: article.body,
    categoryId: article.categoryId,
    tags: article.tags,
    locale: article.locale,
    audience: article.audience,
  };
}

async function requireCategory(manager: EntityManager, categoryId: string | null): Promise<void> {
  if (categoryId === null) return;
  if (await manager.findOneBy(CategoryEntity, { id: categoryId })) return;
  const known = (await manager.find(CategoryEntity, { order: { id: 'ASC' } })).map((category) => category.id);
  throw invalidInput([
    {
      field: 'categoryId',
      message: `category "${categoryId}" does not exist; known categories: ${known.join(', ')}`,
    },
  ]);
}

function cleanContent(content: ArticleContent): ArticleContent {
  return {
    ...content,
    title: stripControlCharacters(content.title).trim(),
    summary: stripControlCharacters(content.summary).trim(),
    body: stripControlCharacters(content.body),
    tags: normalizeTags(content.tags),
  };
}

async function insertVersion(
  manager: EntityManager,
  article: ArticleEntity,
  editedBy: string,
  reason: string,
  restoredFromVersion: number | null,
): Promise<void> {
  await manager.insert(ArticleVersionEntity, {
    id: randomUUID(),
    articleId: article.id,
    version: article.version,
    ...contentOf(article),
    editedBy,
    editedAt: new Date(),
    reason,
    restoredFromVersion,
  });
}

/**
 * Inserts a new DRAFT article and its version 1 in the caller's transaction.
 * Used by agents' drafts and by the capture of expert answers.
 */
export async function insertDraftArticle(
  manager: EntityManager,
  content: ArticleContent,
  options: { authorId: string; reason: string; sourceTicketId?: string | null },
): Promise<ArticleEntity> {
  const article = withSearchColumns(
    manager.create(ArticleEntity, {
      id: randomUUID(),
      ...cleanContent(content),
      status: 'DRAFT',
      authorId: options.authorId,
      reviewerId: null,
      version: 1,
      sourceTicketId: options.sourceTicketId ?? null,
      publishedAt: null,
      viewCount: 0,
    }),
  );
  await manager.insert(ArticleEntity, article);
  await insertVersion(manager, article, options.authorId, options.reason, null);
  return article;
}

export class ArticleService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: OutboxWriter,
  ) {}

  /** Customers and anonymous callers only ever see published public articles. */
  visibility(identity: Identity): FindOptionsWhere<ArticleEntity> {
    return isKnowledgeStaff(identity) ? {} : { status: 'PUBLISHED', audience: 'PUBLIC' };
  }

  async find(identity: Identity, id: string): Promise<ArticleEntity | null> {
    if (!isUuid(id)) return null;
    return this.dataSource.getRepository(ArticleEntity).findOneBy({ id, ...this.visibility(identity) });
  }

  async findMany(identity: Identity, ids: string[]): Promise<ArticleEntity[]> {
    const valid = ids.filter(isUuid);
    if (valid.length === 0) return [];
    const rows = await this.dataSource
      .getRepository(ArticleEntity)
      .createQueryBuilder('article')
      .where('article.id IN (:...ids)', { ids: valid })
      .andWhere(
        isKnowledgeStaff(identity) ? 'TRUE' : "article.status = 'PUBLISHED' AND article.audience = 'PUBLIC'",
      )
      .getMany();
    const byId = new Map(rows.map((row) => [row.id, row]));
    return valid.flatMap((id) => byId.get(id) ?? []);
  }

  async list(identity: Identity, first: number): Promise<ArticleEntity[]> {
    if (first < 1 || first > ARTICLE_LIMITS.pageSize) {
      throw invalidInput([
        { field: 'first', message: `first must be between 1 and ${ARTICLE_LIMITS.pageSize}` },
      ]);
    }
    return this.dataSource
      .getRepository(ArticleEntity)
      .find({ where: this.visibility(identity), order: { updatedAt: 'DESC', id: 'ASC' }, take: first });
  }

  async createDraft(identity: Identity, input: CreateArticleDraftInput): Promise<ArticleEntity> {
    requirePermission(identity, 'proposeDraft', 'propose articles');
    const content: ArticleContent = {
      title: input.title,
      summary: input.summary ?? '',
      body: input.body,
      categoryId: input.categoryId || null,
      tags: input.tags ?? [],
      locale: input.locale,
      audience: input.audience,
    };
    const problems = articleFieldProblems(content);
    if (problems.length > 0) throw invalidInput(problems);
    return this.dataSource.transaction(async (manager) => {
      await requireCategory(manager, content.categoryId);
      return insertDraftArticle(manager, content, { authorId: identity.userId, reason: 'created' });
    });
  }

  async update(identity: Identity, input: UpdateArticleInput): Promise<ArticleEntity> {
    requirePermission(identity, 'proposeDraft', 'edit articles');
    const problems = articleFieldProblems({
      title: input.title ?? undefined,
      summary: input.summary ?? undefined,
      body: input.body ?? undefined,
      locale: input.locale ?? undefined,
      audience: input.audience ?? undefined,
      tags: input.tags ?? undefined,
    });
    problems.push(...this.reasonProblems(input.reason));
    if (problems.length > 0) throw invalidInput(problems);
    return this.dataSource.transaction(async (manager) => {
      const article = await this.lockEditable(manager, identity, input.articleId, input.expectedVersion);
      const next: ArticleContent = {
        title: input.title ?? article.title,
        summary: input.summary ?? article.summary,
        body: input.body ?? article.body,
        categoryId:
          input.categoryId === undefined || input.categoryId === null
            ? article.categoryId
            : input.categoryId || null,
        tags: input.tags ?? article.tags,
        locale: input.locale ?? article.locale,
        audience: input.audience ?? article.audience,
      };
      await requireCategory(manager, next.categoryId);
      return this.saveVersion(manager, identity, article, next, input.reason.trim(), null);
    });
  }

  async restoreVersion(
    identity: Identity,
    input: { articleId: string; versionId: string; reason?: string | null },
  ): Promise<ArticleEntity> {
    requirePermission(identity, 'proposeDraft', 'restore article versions');
    const problems = input.reason ? this.reasonProblems(input.reason) : [];
    if (!isUuid(input.versionId))
      problems.push({ field: 'versionId', message: 'versionId must be a version id (UUID)' });
    if (problems.length > 0) throw invalidInput(problems);
    return this.dataSource.transaction(async (manager) => {
      const article = await this.lockEditable(manager, identity, input.articleId, null);
      const version = await manager.findOneBy(ArticleVersionEntity, { id: input.versionId });
      if (!version) {
        throw new KnowledgeError(KnowledgeErrorCode.NotFound, `Version ${input.versionId} does not exist.`);
      }
      if (version.articleId !== article.id) {
        throw invalidInput([
          {
            field: 'versionId',
            message: `version ${input.versionId} belongs to another article; restore only versions of article ${article.id}`,
          },
        ]);
      }
      await requireCategory(manager, version.categoryId);
      const reason = input.reason?.trim() || `restored version ${version.version}`;
      return this.saveVersion(manager, identity, article, contentOf(version), reason, version.version);
    });
  }

  async submitForReview(identity: Identity, articleId: string): Promise<ArticleEntity> {
    requirePermission(identity, 'proposeDraft', 'submit articles for review');
    return this.dataSource.transaction(async (manager) => {
      const article = await this.lock(manager, articleId);
      if (article.status !== 'DRAFT') {
        throw new KnowledgeError(
          KnowledgeErrorCode.InvalidTransition,
          `Only drafts can be submitted for review; this article is ${article.status}.`,
        );
      }
      article.status = 'IN_REVIEW';
      return manager.save(article);
    });
  }

  async publish(identity: Identity, articleId: string): Promise<ArticleEntity> {
    requirePermission(identity, 'review', 'review and publish articles');
    return this.dataSource.transaction(async (manager) => {
      const article = await this.lock(manager, articleId);
      if (article.status === 'DRAFT') {
        throw new KnowledgeError(
          KnowledgeErrorCode.InvalidTransition,
          'This article has not been reviewed: submit it for review (submitArticleForReview) before publishing.',
        );
      }
      if (article.status !== 'IN_REVIEW') {
        throw new KnowledgeError(
          KnowledgeErrorCode.InvalidTransition,
          `Only articles in review can be published; this article is ${article.status}.`,
        );
      }
      article.status = 'PUBLISHED';
      article.reviewerId = identity.userId;
      article.publishedAt = new Date();
      const saved = await manager.save(article);
      await this.outbox.enqueue(manager, [
        knowledgeEvents.published({
          articleId: saved.id,
          actor: actorOf(identity),
          at: new Date().toISOString(),
          version: saved.version,
          title: saved.title,
          locale: saved.locale,
          audience: saved.audience,
          categoryId: saved.categoryId,
          tags: saved.tags,
          sourceTicketId: saved.sourceTicketId,
        }),
      ]);
      return saved;
    });
  }

  async archive(identity: Identity, articleId: string): Promise<ArticleEntity> {
    requirePermission(identity, 'review', 'archive articles');
    return this.dataSource.transaction(async (manager) => {
      const article = await this.lock(manager, articleId);
      if (article.status === 'ARCHIVED') {
        throw new KnowledgeError(KnowledgeErrorCode.InvalidTransition, 'This article is already archived.');
      }
      const previousStatus = article.status;
      article.status = 'ARCHIVED';
      const saved = await manager.save(article);
      await this.outbox.enqueue(manager, [
        knowledgeEvents.archived({
          articleId: saved.id,
          actor: actorOf(identity),
          at: new Date().toISOString(),
          version: saved.version,
          previousStatus,
        }),
      ]);
      return saved;
    });
  }

  async versions(identity: Identity, articleId: string): Promise<ArticleVersionEntity[]> {
    requirePermission(identity, 'readStaffData', 'read article versions');
    return this.dataSource
      .getRepository(ArticleVersionEntity)
      .find({ where: { articleId }, order: { version: 'DESC' } });
  }

  async version(
    identity: Identity,
    articleId: string,
    version: number,
  ): Promise<ArticleVersionEntity | null> {
    requirePermission(identity, 'readStaffData', 'read article versions');
    if (!isUuid(articleId)) return null;
    return this.dataSource.getRepository(ArticleVersionEntity).findOneBy({ articleId, version });
  }

  /** Counts a view of an article the caller may see (portal and agent desktop call this when opening one). */
  async recordView(identity: Identity, articleId: string): Promise<ArticleEntity> {
    const article = await this.find(identity, articleId);
    if (!article) throw this.notFound(articleId);
    await this.dataSource.query(`UPDATE articles SET view_count = view_count + 1 WHERE id = $1`, [
      article.id,
    ]);
    return { ...article, viewCount: article.viewCount + 1 };
  }

  private reasonProblems(reason: string): InputProblem[] {
    if (!reason.trim())
      return [{ field: 'reason', message: 'reason must not be empty: say why the article changes' }];
    if (reason.length > ARTICLE_LIMITS.reason)
      return [{ field: 'reason', message: `reason must be at most ${ARTICLE_LIMITS.reason} characters` }];
    return [];
  }

  private notFound(articleId: string): KnowledgeError {
    return new KnowledgeError(KnowledgeErrorCode.NotFound, `Article ${articleId} does not exist.`);
  }

  private async lock(manager: EntityManager, articleId: string): Promise<ArticleEntity> {
    const article = isUuid(articleId)
      ? await manager.findOne(ArticleEntity, {
          where: { id: articleId },
          lock: { mode: 'pessimistic_write' },
        })
      : null;
    if (!article) throw this.notFound(articleId);
    return article;
  }

  private async lockEditable(
    manager: EntityManager,
    identity: Identity,
    articleId: string,
    expectedVersion: number | null | undefined,
  ): Promise<ArticleEntity> {
    const article = await this.lock(manager, articleId);
    if (article.status === 'ARCHIVED') {
      throw new KnowledgeError(KnowledgeErrorCode.InvalidTransition, 'Archived articles cannot be edited.');
    }
    if (article.status === 'PUBLISHED' && !can(identity, 'editPublished')) {
      throw new KnowledgeError(
        KnowledgeErrorCode.NotAllowed,
        'Only editors and admins may change a published article; propose a new draft instead.',
      );
    }
    if (expectedVersion != null && expectedVersion !== article.version) {
      throw new KnowledgeError(
        KnowledgeErrorCode.Conflict,
        `The article changed meanwhile: it is at version ${article.version}, not ${expectedVersion}. Reload and edit again.`,
        { currentVersion: article.version },
      );
    }
    return article;
  }

  private async saveVersion(
    manager: EntityManager,
    identity: Identity,
    article: ArticleEntity,
    content: ArticleContent,
    reason: string,
    restoredFromVersion: number | null,
  ): Promise<ArticleEntity> {
    Object.assign(article, cleanContent(content));
    article.version += 1;
    const saved = await manager.save(withSearchColumns(article));
    await insertVersion(manager, saved, identity.userId, reason, restoredFromVersion);
    await this.outbox.enqueue(manager, [
      knowledgeEvents.updated({
        articleId: saved.id,
        actor: actorOf(identity),
        at: new Date().toISOString(),
        version: saved.version,
        status: saved.status,
        reason,
        restoredFromVersion,
      }),
    ]);
    return saved;
  }
}
