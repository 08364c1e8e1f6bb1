import type { Identity, OutboxWriter } from '@deskgraph/platform';
import type { DataSource } from 'typeorm';
import { actorOf, requirePermission, requireSignedIn } from '../access/knowledge-access';
import { isUuid, type ArticleService } from '../article/article.service';
import type { ArticleEntity } from '../article/article.entity';
import { knowledgeEvents } from '../events/knowledge-events';
import { invalidInput, KnowledgeError, KnowledgeErrorCode } from '../knowledge.errors';
import { stripControlCharacters } from '../article/article-input';
import type { SearchMissRecorder } from '../search/search-misses';
import { parseSearchQuery, tsQuerySql } from '../search/search-query';
import { ArticleTicketLinkEntity, ArticleVoteEntity } from './feedback.entity';

export const FEEDBACK_LIMITS = { comment: 2_000, gaps: 100 };

export interface ArticleFeedback {
  helpful: number;
  notHelpful: number;
  usedOnTickets: number;
}

export interface ContentGaps {
  unansweredQueries: { query: string; count: number; lastSearchedAt: Date }[];
  categoriesWithoutArticles: { categoryId: string; ticketCount: number }[];
}

export class FeedbackService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: OutboxWriter,
    private readonly articles: ArticleService,
    private readonly misses: SearchMissRecorder,
  ) {}

  /** Records that an article was used in a ticket's answer; linking twice is a no-op and emits nothing. */
  async linkToTicket(identity: Identity, articleId: string, ticketId: string): Promise<ArticleEntity> {
    requirePermission(identity, 'useOnTicket', 'link articles to tickets');
    if (!isUuid(ticketId))
      throw invalidInput([{ field: 'ticketId', message: 'ticketId must be a ticket id (UUID)' }]);
    const article = await this.visibleArticle(identity, articleId);
    if (article.status !== 'PUBLISHED') {
      throw new KnowledgeError(
        KnowledgeErrorCode.InvalidTransition,
        `Only published articles can be used on tickets; this article is ${article.status}.`,
      );
    }
    await this.dataSource.transaction(async (manager) => {
      const inserted: unknown[] = await manager.query(
        `INSERT INTO article_ticket_links (article_id, ticket_id, linked_by) VALUES ($1, $2, $3)
         ON CONFLICT DO NOTHING RETURNING article_id`,
        [article.id, ticketId, identity.userId],
      );
      if (inserted.length === 0) return;
      await this.outbox.enqueue(manager, [
        knowledgeEvents.used({
          articleId: article.id,
          actor: actorOf(identity),
          at: new Date().toISOString(),
          ticketId,
        }),
      ]);
    });
    return article;
  }

  /** One vote per person and article; voting again replaces the earlier vote. */
  async vote(
    identity: Identity,
    input: { articleId: string; helpful: boolean; comment?: string | null },
  ): Promise<ArticleEntity> {
    requireSignedIn(identity);
    const comment = input.comment ? stripControlCharacters(input.comment).trim() : '';
    if (comment.length > FEEDBACK_LIMITS.comment) {
      throw invalidInput([
        { field: 'comment', message: `comment must be at most ${FEEDBACK_LIMITS.comment} characters` },
      ]);
    }
    const article = await this.visibleArticle(identity, input.articleId);
    if (article.status !== 'PUBLISHED') {
      throw new KnowledgeError(
        KnowledgeErrorCode.InvalidTransition,
        'Only published articles can be voted on.',
      );
    }
    await this.dataSource.transaction(async (manager) => {
      await manager.upsert(
        ArticleVoteEntity,
        {
          articleId: article.id,
          voterId: identity.userId,
          helpful: input.helpful,
          comment: comment || null,
          votedAt: new Date(),
        },
        ['articleId', 'voterId'],
      );
      await this.outbox.enqueue(manager, [
        knowledgeEvents.voted({
          articleId: article.id,
          actor: actorOf(identity),
          at: new Date().toISOString(),
          helpful: input.helpful,
          withComment: comment.length > 0,
        }),
      ]);
    });
    return article;
  }

  async feedback(articleId: string): Promise<ArticleFeedback> {
    const [row]: { helpful: string; not_helpful: string; used: string }[] = await this.dataSource.query(
      `SELECT (SELECT count(*) FROM article_votes WHERE article_id = $1 AND helpful) AS helpful,
              (SELECT count(*) FROM article_votes WHERE article_id = $1 AND NOT helpful) AS not_helpful,
              (SELECT count(*) FROM article_ticket_links WHERE article_id = $1) AS used`,
      [articleId],
    );
    return {
      helpful: Number(row.helpful),
      notHelpful: Number(row.not_helpful),
      usedOnTickets: Number(row.used),
    };
  }

  /** Votes with their comments, newest first; staff only (comments are free text). */
  async votes(identity: Identity, articleId: string, first: number): Promise<ArticleVoteEntity[]> {
    requirePermission(identity, 'readStaffData', 'read vote comments');
    return this.dataSource
      .getRepository(ArticleVoteEntity)
      .find({ where: { articleId }, order: { votedAt: 'DESC' }, take: Math.min(Math.max(first, 1), 100) });
  }

  async articlesUsedOnTicket(identity: Identity, ticketId: string): Promise<ArticleEntity[]> {
    if (!isUuid(ticketId)) return [];
    const links = await this.dataSource
      .getRepository(ArticleTicketLinkEntity)
      .find({ where: { ticketId }, order: { linkedAt: 'ASC' } });
    return this.articles.findMany(
      identity,
      links.map((link) => link.articleId),
    );
  }

  /** Where the base falls short: frequent searches that found nothing, ticket categories with no published article. */
  async contentGaps(identity: Identity, first: number): Promise<ContentGaps> {
    requirePermission(identity, 'readStaffData', 'read content gaps');
    if (first < 1 || first > FEEDBACK_LIMITS.gaps) {
      throw invalidInput([
        { field: 'first', message: `first must be between 1 and ${FEEDBACK_LIMITS.gaps}` },
      ]);
    }
    // Misses are written in batches: this process's pending ones first, so a caller sees its own.
    await this.misses.flush();
    const unansweredQueries = await this.stillUnanswered(first);
    const categories: { category: string; tickets: string }[] = await this.dataSource.query(
      `SELECT t.category, count(*) AS tickets
         FROM ticket_facts t
        WHERE t.category IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM articles a WHERE a.status = 'PUBLISHED' AND a.category_id = t.category)
        GROUP BY t.category
        ORDER BY tickets DESC, t.category ASC
        LIMIT $1`,
      [first],
    );
    return {
      unansweredQueries,
      categoriesWithoutArticles: categories.map((row) => ({
        categoryId: row.category,
        ticketCount: Number(row.tickets),
      })),
    };
  }

  /**
   * The most frequent recorded misses that still find no published article:
   * a gap disappears from the list once content covering it is published.
   */
  private async stillUnanswered(first: number): Promise<ContentGaps['unansweredQueries']> {
    const result: ContentGaps['unansweredQueries'] = [];
    const batch = first * 3;
    // Bounded: a staff report, not a hot path.
    for (let offset = 0; result.length < first && offset < batch * 5; offset += batch) {
      const misses: { query: string; count: number; last_seen_at: Date }[] = await this.dataSource.query(
        `SELECT query, count, last_seen_at FROM search_misses
          ORDER BY count DESC, last_seen_at DESC, query ASC LIMIT $1 OFFSET $2`,
        [batch, offset],
      );
      for (const miss of misses) {
        const tsQuery = tsQuerySql(parseSearchQuery(miss.query), 1);
        const answered: unknown[] = tsQuery
          ? await this.dataSource.query(
              `SELECT 1 FROM articles a WHERE a.status = 'PUBLISHED' AND a.search_vector @@ ${tsQuery.sql} LIMIT 1`,
              tsQuery.parameters,
            )
          : [];
        if (answered.length === 0) {
          result.push({ query: miss.query, count: miss.count, lastSearchedAt: miss.last_seen_at });
          if (result.length === first) break;
        }
      }
      if (misses.length < batch) break;
    }
    return result;
  }

  private async visibleArticle(identity: Identity, articleId: string): Promise<ArticleEntity> {
    const article = await this.articles.find(identity, articleId);
    if (!article)
      throw new KnowledgeError(KnowledgeErrorCode.NotFound, `Article ${articleId} does not exist.`);
    return article;
  }
}
