import type { Identity } from '@deskgraph/platform';
import type { DataSource } from 'typeorm';
import { isKnowledgeStaff } from '../access/knowledge-access';
import { SUPPORTED_LOCALES } from '../article/article-input';
import { ARTICLE_AUDIENCES, ARTICLE_STATUSES, type ArticleEntity } from '../article/article.entity';
import type { ArticleService } from '../article/article.service';
import type { SearchConfig } from '../environment';
import { invalidInput, KnowledgeError, KnowledgeErrorCode, type InputProblem } from '../knowledge.errors';
import { TicketFactEntity } from '../ticket-facts/ticket-fact.entity';
import {
  decodeCursor,
  encodeCursor,
  parseSearchQuery,
  queryTerms,
  SEARCH_LIMITS,
  tsQuerySql,
  type QueryTerms,
} from './search-query';
import type { SearchMissRecorder } from './search-misses';
import { buildSnippet, MARK_END, MARK_START } from './snippet';
import { rankSuggestions, suggestionTerms } from './suggestion-ranking';

export interface ArticleSearchFilter {
  categoryId?: string | null;
  tags?: string[] | null;
  locale?: string | null;
  audience?: string | null;
  status?: string | null;
}

export interface SearchHit {
  cursor: string;
  score: number;
  snippet: string;
  article: ArticleEntity;
}

export interface SearchPage {
  hits: SearchHit[];
  hasNextPage: boolean;
  /** Exact up to SEARCH_LIMITS.totalCountCap; that cap when there are more (then totalCountCapped). */
  totalCount: number;
  totalCountCapped: boolean;
}

export interface Suggestion {
  article: ArticleEntity;
  score: number;
  snippet: string;
}

const HEADLINE_OPTIONS = `StartSel=${MARK_START}, StopSel=${MARK_END}, MaxWords=30, MinWords=12, MaxFragments=2, FragmentDelimiter=" … "`;

export class SearchService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly articles: ArticleService,
    private readonly config: SearchConfig,
    private readonly misses: SearchMissRecorder,
  ) {}

  async search(
    identity: Identity,
    input: { query: string; filter?: ArticleSearchFilter | null; first: number; after?: string | null },
  ): Promise<SearchPage> {
    const filter = input.filter ?? {};
    const problems: InputProblem[] = [];
    if (!input.query.trim()) problems.push({ field: 'query', message: 'query must not be empty' });
    if (input.query.length > SEARCH_LIMITS.queryLength)
      problems.push({
        field: 'query',
        message: `query must be at most ${SEARCH_LIMITS.queryLength} characters`,
      });
    if (input.first < 1 || input.first > SEARCH_LIMITS.pageSize)
      problems.push({ field: 'first', message: `first must be between 1 and ${SEARCH_LIMITS.pageSize}` });
    if (filter.locale && !(SUPPORTED_LOCALES as readonly string[]).includes(filter.locale))
      problems.push({
        field: 'filter.locale',
        message: `locale "${filter.locale}" is not supported; use one of ${SUPPORTED_LOCALES.join(', ')}`,
      });
    if (filter.status && !(ARTICLE_STATUSES as readonly string[]).includes(filter.status))
      problems.push({
        field: 'filter.status',
        message: `status must be one of ${ARTICLE_STATUSES.join(', ')}`,
      });
    if (filter.audience && !(ARTICLE_AUDIENCES as readonly string[]).includes(filter.audience))
      problems.push({
        field: 'filter.audience',
        message: `audience must be one of ${ARTICLE_AUDIENCES.join(', ')}`,
      });
    const cursor = input.after ? decodeCursor(input.after) : null;
    if (input.after && !cursor)
      problems.push({ field: 'after', message: 'after is not a cursor returned by searchArticles' });
    if (filter.categoryId && !(await this.categoryExists(filter.categoryId)))
      problems.push({
        field: 'filter.categoryId',
        message: `category "${filter.categoryId}" does not exist`,
      });
    if (problems.length > 0) throw invalidInput(problems);

    const staff = isKnowledgeStaff(identity);
    if (!staff && ((filter.status && filter.status !== 'PUBLISHED') || filter.audience === 'INTERNAL')) {
      throw new KnowledgeError(
        KnowledgeErrorCode.NotAllowed,
        'Only staff may search drafts, articles in review or internal articles.',
      );
    }
    const parsed = parseSearchQuery(input.query);
    const tsQuery = tsQuerySql(parsed, 1);
    if (!tsQuery) {
      if (!input.after) this.misses.record(parsed.normalized);
      return { hits: [], hasNextPage: false, totalCount: 0, totalCountCapped: false };
    }

    const parameters: unknown[] = [...tsQuery.parameters];
    const parameter = (value: unknown) => {
      parameters.push(value);
      return `$${parameters.length}`;
    };
    const filters = [`a.status = ${parameter(filter.status ?? 'PUBLISHED')}`];
    if (!staff) filters.push(`a.audience = 'PUBLIC'`);
    if (filter.audience) filters.push(`a.audience = ${parameter(filter.audience)}`);
    if (filter.locale) filters.push(`a.locale = ${parameter(filter.locale)}`);
    if (filter.tags?.length)
      filters.push(`a.tags @> ${parameter(filter.tags.map((tag) => tag.trim().toLowerCase()))}::text[]`);
    if (filter.categoryId) {
      // A category includes its subcategories.
      filters.push(`a.category_id IN (
        WITH RECURSIVE tree AS (
          SELECT id FROM categories WHERE id = ${parameter(filter.categoryId)}
          UNION SELECT c.id FROM categories c JOIN tree t ON c.parent_id = t.id)
        SELECT id FROM tree)`);
    }
    const where = filters.join(' AND ');
    const audiences = filter.audience ? [filter.audience] : staff ? ARTICLE_AUDIENCES : ['PUBLIC'];
    // Postings hold published articles only; drafts and reviews (staff) are found through the GIN index.
    const plan =
      (filter.status ?? 'PUBLISHED') === 'PUBLISHED'
        ? await this.planQuery(tsQuery, [...audiences], filter.locale ?? null)
        : null;
    if (plan && (plan.terms.lexemes.length === 0 || plan.required.some((term) => term.articles === 0))) {
      // A required term no visible article holds: nothing can match.
      if (!input.after) this.misses.record(parsed.normalized);
      return { hits: [], hasNextPage: false, totalCount: 0, totalCountCapped: false };
    }
    const extraFilters = Boolean(filter.tags?.length || filter.categoryId);
    const rarest = plan?.required[0];
    const oneTerm = plan !== null && plan.terms.conjunction && plan.required.length === 1 && !extraFilters;
    // The GIN index reads all matches of the rarest term (cheap while they are few) and the
    // postings read a bounded number: one plain term takes its candidates from the postings
    // once it is in more articles than are ranked (no article row is read), a query that
    // checks candidates against each article's vector once its rarest term is in twenty
    // times that many.
    const usePostings =
      rarest !== undefined && rarest.articles > (oneTerm ? 1 : 20) * this.config.rankCandidates;
    const single = usePostings && oneTerm;
    // Several plain terms, the rarest common (`delivery delayed`): the rarest term's best
    // postings are intersected with the other terms' postings by index probes (no article
    // row is read) until `countCap` + 1 pass. The first `rankCandidates` of them are ranked
    // and their number is the count when it passes the cap, in the same statement.
    // Tried when even the rarest term is in ten times `countCap` articles (below that, the GIN
    // count in parallel is cheaper than probes that may fall short of the cap).
    const countCap = SEARCH_LIMITS.totalCountCap;
    const intersect =
      usePostings &&
      !single &&
      plan !== null &&
      plan.terms.conjunction &&
      !extraFilters &&
      (rarest?.articles ?? 0) > 10 * countCap;
    // Counted and ranked separately (two connections, in parallel); both start from the filters' parameters.
    const filterParameters = [...parameters];
    // The tsquery is materialized so the planner cannot see how common its terms are: it
    // then reads matches through the GIN index (a bitmap; with several terms the rarest
    // leads) and stops at the LIMIT, instead of decompressing every vector.
    const countByIndex = () =>
      this.dataSource.query(
        `WITH q AS MATERIALIZED (SELECT ${tsQuery.sql} AS query)
         SELECT count(*) AS matches FROM (
           SELECT 1 FROM articles a, q WHERE a.search_vector @@ q.query AND ${where} LIMIT ${countCap + 1}) capped`,
        filterParameters,
      ) as Promise<{ matches: string }[]>;
    let counting: Promise<{ matches: string }[]>;
    if (oneTerm && rarest) {
      // One plain term and no filter beyond audience and locale: its frequency is the count.
      counting = Promise.resolve([{ matches: String(rarest.articles) }]);
    } else if (plan && rarest && rarest.articles > 10 * countCap) {
      // Even the rarest term is in ten times `countCap` articles: the GIN bitmap would hold
      // all of them. The rarest term's postings usually prove "more than the cap" with
      // cap + 1 matches among at most 4 × (cap + 1) of them, read in index order (any
      // matches prove it: no sort) and checked one by one until enough passed; otherwise the
      // index is counted. A plain conjunction is checked on the other terms' postings
      // (index probes), anything else on the article's vector and the filters.
      const others = plan.required.slice(1);
      const headOnly = plan.terms.conjunction && !extraFilters;
      // The filters' parameters only where the filters are used (PostgreSQL refuses unused ones).
      const countParameters: unknown[] = headOnly ? [...tsQuery.parameters] : [...parameters];
      const countParameter = (value: unknown) => {
        countParameters.push(value);
        return `$${countParameters.length}`;
      };
      const driver = this.driverPostings(
        rarest.term,
        audiences,
        filter.locale,
        4 * (countCap + 1),
        countParameter,
        false,
      );
      const check = headOnly
        ? `SELECT 1 WHERE (SELECT count(*) FROM article_terms x
                              WHERE x.article_id = d.article_id
                                AND x.term = ANY (${countParameter(others.map((term) => term.term))}::text[])) = ${others.length}`
        : `SELECT 1 FROM articles a, q
              WHERE a.id = d.article_id AND a.search_vector @@ q.query AND ${where} OFFSET 0`;
      counting = (
        this.dataSource.query(
          `WITH q AS MATERIALIZED (SELECT ${tsQuery.sql} AS query)
           SELECT count(*) AS matches FROM (
             SELECT 1 FROM (${driver}) d, LATERAL (${check}) checked LIMIT ${countCap + 1}) capped`,
          countParameters,
        ) as Promise<{ matches: string }[]>
      ).then((rows) => (Number(rows[0].matches) > countCap ? rows : countByIndex()));
    } else {
      counting = countByIndex();
    }
    const after = cursor
      ? `WHERE (ranked.score < ${parameter(cursor.score)}::numeric OR (ranked.score = ${parameter(cursor.score)}::numeric AND ranked.id > ${parameter(cursor.id)}::uuid))`
      : '';
    const headline = parsed.englishText
      ? `ts_headline('english', a.body, websearch_to_tsquery('english', $1), ${parameter(HEADLINE_OPTIONS)})`
      : 'NULL';
    const candidates = parameter(this.config.rankCandidates);
    const limit = parameter(input.first + 1);
    let head: string;
    // How many candidates the GIN top-up waits for (below).
    let found = '(SELECT count(DISTINCT id) FROM head)';
    if (intersect && rarest && plan) {
      const postings = this.driverPostings(
        rarest.term,
        audiences,
        filter.locale,
        4 * this.config.rankCandidates,
        parameter,
      );
      const others = plan.required.slice(1).map((term) => term.term);
      // The probes run per posting in the postings' order until `rankCandidates` articles
      // hold every term (a plain conjunction of terms); every one of them is ranked on its
      // vector. Not only the best by the sum of the postings' static scores: that sum counts
      // repeats but not proximity, and with many articles tied on it (1M generated ones)
      // the answer whose terms stand together in the title fell below the cut.
      head = `driver AS MATERIALIZED (${postings}),
            hits AS MATERIALIZED (
              SELECT d.article_id FROM driver d
               WHERE (SELECT count(*) FROM article_terms x
                       WHERE x.article_id = d.article_id AND x.term = ANY (${parameter(others)}::text[])) = ${others.length}
               LIMIT ${candidates}),
            head AS MATERIALIZED (
              SELECT a.id, ts_rank_cd(a.search_vector, q.query, 32) AS rank
                FROM hits h, articles a, q WHERE a.id = h.article_id AND ${where})`;
      found = '(SELECT count(*) FROM hits)';
    } else if (usePostings && rarest) {
      // The best postings of the rarest required term (title, summary and tags, in
      // static-score order, per audience and locale) by btree range scans. A plain
      // one-term query needs no article row: its posting score is what ts_rank_cd
      // computes. Otherwise the postings are checked in score order against the whole
      // query and the filters until `rankCandidates` pass, reading at most four times
      // that many, so checks that fail do not starve the ranking nor run unbounded.
      const postings = this.driverPostings(
        rarest.term,
        audiences,
        filter.locale,
        single ? this.config.rankCandidates : 4 * this.config.rankCandidates,
        parameter,
      );
      head = single
        ? `head AS MATERIALIZED (
              SELECT article_id AS id, (score / (score + 1))::real AS rank FROM (${postings}) p
               LIMIT ${candidates})`
        : // OFFSET 0 keeps each check a subquery run per posting, in the postings' order,
          // so the LIMIT stops the checks once enough passed (flattened into a join, the
          // planner may hash all matches from the GIN index instead). The vector is
          // detoasted once (the || copy) for both the match and the rank.
          `driver AS MATERIALIZED (${postings}),
            head AS MATERIALIZED (
              SELECT checked.id, checked.rank FROM driver d, LATERAL (
                SELECT v.id, ts_rank_cd(v.vector, q.query, 32) AS rank
                  FROM (SELECT a.id, a.search_vector || ''::tsvector AS vector FROM articles a
                         WHERE a.id = d.article_id AND ${where} OFFSET 0) v, q
                 WHERE v.vector @@ q.query) checked
               LIMIT ${candidates})`;
    } else {
      head = `head AS MATERIALIZED (
              SELECT a.id, ts_rank_cd(a.search_vector, q.query, 32) AS rank
                FROM articles a, q WHERE a.head_vector @@ q.query AND ${where} LIMIT ${candidates})`;
    }
    // Two phases, so the cost follows the page and not the number of matches: a bounded
    // set of candidates (above), topped up from the GIN index only when there are fewer
    // than `rankCandidates` of them, at most that many; only those are ranked.
    const rows: { id: string; score: string; headline: string | null }[] = await this.dataSource.query(
      `WITH q AS MATERIALIZED (SELECT ${tsQuery.sql} AS query),
            ${head},
            rest AS MATERIALIZED (
              SELECT a.id, ts_rank_cd(a.search_vector, q.query, 32) AS rank
                FROM articles a, q WHERE a.search_vector @@ q.query AND ${where}
               LIMIT CASE WHEN ${found} < ${candidates} THEN ${candidates} ELSE 0 END),
            ranked AS (
              SELECT id, round(max(rank)::numeric, 6) AS score
                FROM (SELECT id, rank FROM head UNION ALL SELECT id, rank FROM rest) candidates
               GROUP BY id),
            page AS (
              SELECT ranked.id, ranked.score FROM ranked ${after}
               ORDER BY ranked.score DESC, ranked.id ASC LIMIT ${limit})
       SELECT page.id, page.score::text AS score, ${headline} AS headline
         FROM page JOIN articles a ON a.id = page.id
        ORDER BY page.score DESC, page.id ASC`,
      parameters,
    );
    const matches = Number((await counting)[0].matches);
    const totalCount = Math.min(matches, countCap);
    if (totalCount === 0 && !input.after) this.misses.record(parsed.normalized);
    const page = rows.slice(0, input.first);
    const articles = new Map(
      (
        await this.articles.findMany(
          identity,
          page.map((row) => row.id),
        )
      ).map((a) => [a.id, a]),
    );
    const hits = page.flatMap((row) => {
      const article = articles.get(row.id);
      if (!article) return [];
      return [
        {
          cursor: encodeCursor(row.score, row.id),
          score: Number(row.score),
          snippet: buildSnippet({ headline: row.headline, text: article.body, cjkTerms: parsed.cjkTerms }),
          article,
        },
      ];
    });
    // The total is counted without the cursor, so it is the same on every page.
    return { hits, hasNextPage: rows.length > input.first, totalCount, totalCountCapped: matches > countCap };
  }

  /** Published articles ranked for a ticket from what its events told us (title, description, type, category). */
  async suggestForTicket(identity: Identity, ticketId: string, first: number): Promise<Suggestion[]> {
    if (first < 1 || first > SEARCH_LIMITS.pageSize) {
      throw invalidInput([
        { field: 'first', message: `first must be between 1 and ${SEARCH_LIMITS.pageSize}` },
      ]);
    }
    const ticket = await this.dataSource.getRepository(TicketFactEntity).findOneBy({ ticketId });
    // The ticket's created event has not arrived yet: nothing to rank from.
    if (!ticket) return [];
    const terms = suggestionTerms(ticket);
    const queryParts: string[] = [];
    const parameters: unknown[] = [terms.categoryId, terms.typeTag];
    if (terms.englishTsQuery) {
      parameters.push(terms.englishTsQuery);
      queryParts.push(`to_tsquery('english', $${parameters.length})`);
    }
    if (terms.cjkTsQuery) {
      parameters.push(terms.cjkTsQuery);
      queryParts.push(`to_tsquery('simple', $${parameters.length})`);
    }
    const query = queryParts.length > 0 ? queryParts.join(' || ') : 'NULL::tsquery';
    const visible = `a.status = 'PUBLISHED' ${isKnowledgeStaff(identity) ? '' : `AND a.audience = 'PUBLIC'`}`;
    parameters.push(this.config.rankCandidates);
    const candidates = `$${parameters.length}`;
    // Bounded like search: a ticket's words are OR-ed, so they can match most of the base.
    // Candidates are title/summary matches first, then any text match, plus articles of the
    // ticket's category; only those are ranked and have their votes counted.
    const rows: {
      id: string;
      text_rank: number | null;
      category_matches: boolean;
      type_tag_matches: boolean;
      helpful: string;
      not_helpful: string;
    }[] = await this.dataSource.query(
      `WITH q AS MATERIALIZED (SELECT ${query} AS query),
            head AS MATERIALIZED (
              SELECT a.id FROM articles a, q WHERE a.head_vector @@ q.query AND ${visible} LIMIT ${candidates}),
            rest AS MATERIALIZED (
              SELECT a.id FROM articles a, q WHERE a.search_vector @@ q.query AND ${visible}
               LIMIT CASE WHEN (SELECT count(*) FROM head) < ${candidates} THEN ${candidates} ELSE 0 END),
            same_category AS MATERIALIZED (
              SELECT a.id FROM articles a WHERE a.category_id = $1 AND ${visible} LIMIT ${candidates}),
            ranked AS (
              SELECT a.id, a.category_id, a.tags, ts_rank_cd(a.search_vector, q.query, 32) AS text_rank
                FROM articles a, q
               WHERE a.id IN (SELECT id FROM head UNION SELECT id FROM rest UNION SELECT id FROM same_category)
               ORDER BY text_rank DESC NULLS LAST, a.id
               LIMIT 50)
       SELECT r.id, r.text_rank,
              (r.category_id IS NOT NULL AND r.category_id = $1) AS category_matches,
              ($2 = ANY (r.tags)) AS type_tag_matches,
              (SELECT count(*) FROM article_votes v WHERE v.article_id = r.id AND v.helpful) AS helpful,
              (SELECT count(*) FROM article_votes v WHERE v.article_id = r.id AND NOT v.helpful) AS not_helpful
         FROM ranked r`,
      parameters,
    );
    const ranked = rankSuggestions(
      rows.map((row) => ({
        articleId: row.id,
        textRank: Number(row.text_rank ?? 0),
        categoryMatches: row.category_matches,
        typeTagMatches: row.type_tag_matches,
        helpfulVotes: Number(row.helpful),
        notHelpfulVotes: Number(row.not_helpful),
      })),
      first,
    );
    const articles = new Map(
      (
        await this.articles.findMany(
          identity,
          ranked.map((row) => row.articleId),
        )
      ).map((a) => [a.id, a]),
    );
    return ranked.flatMap((row) => {
      const article = articles.get(row.articleId);
      if (!article) return [];
      return [
        {
          article,
          score: Math.round(row.score * 1e6) / 1e6,
          snippet: buildSnippet({ headline: null, text: article.summary || article.body, cjkTerms: [] }),
        },
      ];
    });
  }

  /**
   * SQL for the best `scan` postings of one term among the given audiences (and
   * locale), best first: a btree range scan per audience and locale that holds
   * the term, merged. Parameters are added with `parameter`.
   */
  private driverPostings(
    term: string,
    audiences: readonly string[],
    locale: string | null | undefined,
    scan: number,
    parameter: (value: unknown) => string,
    ordered = true,
  ): string {
    const limit = parameter(scan);
    // Unordered (for counts): each list in index order, no sort, read only as far as consumed.
    const order = (columns: string) =>
      ordered ? `ORDER BY ${columns}.score DESC, ${columns}.article_id` : '';
    return `SELECT p.article_id, p.score FROM term_frequencies f, LATERAL (
               SELECT t.article_id, t.score FROM article_terms t
                WHERE t.term = f.term AND t.audience = f.audience AND t.locale = f.locale
                ${order('t')} LIMIT ${limit}) p
              WHERE f.term = ${parameter(term)} AND f.audience = ANY (${parameter(audiences)}::text[])
                AND f.articles > 0 ${locale ? `AND f.locale = ${parameter(locale)}` : ''}
              ${order('p')} LIMIT ${limit}`;
  }

  /**
   * The query's lexemes as PostgreSQL analysed them, and how many published
   * articles of the given audiences (and locale) hold each required one.
   */
  private async planQuery(
    tsQuery: { sql: string; parameters: string[] },
    audiences: string[],
    locale: string | null,
  ): Promise<{ terms: QueryTerms; required: { term: string; articles: number }[] }> {
    const parameters: unknown[] = [...tsQuery.parameters, audiences];
    const audienceList = `$${parameters.length}`;
    if (locale) parameters.push(locale);
    const [row]: { query: string; frequencies: Record<string, string> }[] = await this.dataSource.query(
      `WITH q AS MATERIALIZED (SELECT ${tsQuery.sql} AS query),
            lexemes AS (
              SELECT DISTINCT replace(replace(m[1], '''''', ''''), '\\\\', '\\') AS term
                FROM q, regexp_matches(q.query::text, '''((?:[^'']|'''')*)''', 'g') m)
       SELECT q.query::text AS query,
              (SELECT coalesce(json_object_agg(l.term, (
                 SELECT coalesce(sum(f.articles), 0) FROM term_frequencies f
                  WHERE f.term = l.term AND f.audience = ANY (${audienceList}::text[])
                        ${locale ? `AND f.locale = $${parameters.length}` : ''})), '{}')
                 FROM lexemes l) AS frequencies
         FROM q`,
      parameters,
    );
    const terms = queryTerms(row.query);
    const required = terms.required
      .map((term) => ({ term, articles: Number(row.frequencies[term] ?? 0) }))
      // The rarest first: candidates come from its postings.
      .sort((a, b) => a.articles - b.articles);
    return { terms, required };
  }

  private async categoryExists(id: string): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(`SELECT 1 FROM categories WHERE id = $1`, [id]);
    return rows.length > 0;
  }
}
