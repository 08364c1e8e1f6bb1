import { randomUUID } from 'node:crypto';
import {
  BODY_POSTINGS_TRIGGERS,
  fillBodyPostings,
  lockPostingsRewrite,
  rebuildArticleTerms,
  type Queryable,
} from '../search/article-terms';
import { articleSearchColumns } from '../search/text-analysis';
import type { ArticleAudience } from './article.entity';

export interface BulkArticle {
  id?: string;
  title: string;
  summary: string;
  body: string;
  tags: string[];
  locale: string;
  categoryId: string | null;
  /** PUBLIC unless given. */
  audience?: ArticleAudience;
}

export type { Queryable };

/**
 * Inserts published public articles in one statement, with the search
 * columns the service derives for every article it stores. For benchmarks
 * and tests that need thousands of articles: no versions, events or review.
 */
export async function insertPublishedArticles(
  database: Queryable,
  articles: BulkArticle[],
): Promise<string[]> {
  const ids = articles.map((article) => article.id ?? randomUUID());
  const columns = articles.map((article) => articleSearchColumns(article));
  await database.query(
    `INSERT INTO knowledge.articles
       (id, title, summary, body, tags, locale, category_id, audience, status, author_id, version,
        published_at, title_words, title_ngrams, summary_words, summary_ngrams, body_words, body_ngrams)
     SELECT v.id, v.title, v.summary, v.body, v.tags::text[], v.locale, v.category_id,
            v.audience, 'PUBLISHED', 'bulk-insert', 1, now(), v.title_words, v.title_ngrams, v.summary_words,
            v.summary_ngrams, v.body_words, v.body_ngrams
       FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
                   $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[])
            AS v(id, title, summary, body, tags, locale, category_id, title_words, title_ngrams,
                 summary_words, summary_ngrams, body_words, body_ngrams, audience)`,
    [
      ids,
      articles.map((a) => a.title),
      articles.map((a) => a.summary),
      articles.map((a) => a.body),
      // Each tag list as an array literal, cast back per row (unnest flattens nested arrays).
      articles.map((a) => `{${a.tags.map((tag) => JSON.stringify(tag)).join(',')}}`),
      articles.map((a) => a.locale),
      articles.map((a) => a.categoryId),
      columns.map((c) => c.titleWords),
      columns.map((c) => c.titleNgrams),
      columns.map((c) => c.summaryWords),
      columns.map((c) => c.summaryNgrams),
      columns.map((c) => c.bodyWords),
      columns.map((c) => c.bodyNgrams),
      articles.map((a) => a.audience ?? 'PUBLIC'),
    ],
  );
  return ids;
}

const TERM_TRIGGERS = [
  'article_terms_inserted',
  'article_terms_updated',
  'article_terms_deleted',
  ...BODY_POSTINGS_TRIGGERS,
];

/**
 * Loads many published articles fast, in one transaction: the search indexes
 * of `articles` and `article_terms` (not the keys) are dropped and the
 * postings triggers disabled while the batches go in through
 * insertPublishedArticles, then the postings are rebuilt from the articles
 * and the indexes recreated from their own definitions, and the body
 * postings of common terms filled (fillBodyPostings). Row by row, a GIN
 * and the postings cost most of an insert; built once they cost a sort.
 * Blocks searches while it runs: for benchmarks, seeding and imports. Holds
 * the postings rewrite lock (lockPostingsRewrite), so the background fill of
 * body postings stands aside until it commits.
 * `database` must be one connection (a pg Client or a QueryRunner).
 */
export async function loadPublishedArticles(
  database: Queryable,
  batches: Iterable<BulkArticle[]> | AsyncIterable<BulkArticle[]>,
): Promise<number> {
  let loaded = 0;
  await database.query('BEGIN');
  try {
    // First, before any table lock: waits for a body-postings round to end and makes the
    // next ones skip, instead of the two taking table locks in opposite orders.
    await lockPostingsRewrite(database);
    // Index builds and the frequencies' aggregate (hundreds of thousands of terms) in memory.
    await database.query(`SET LOCAL maintenance_work_mem = '512MB'`);
    await database.query(`SET LOCAL work_mem = '256MB'`);
    const indexes = (await database.query(
      `SELECT i.indexname, i.indexdef FROM pg_indexes i
        WHERE i.schemaname = 'knowledge' AND i.tablename IN ('articles', 'article_terms')
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)`,
    )) as { indexname: string; indexdef: string }[] | { rows: { indexname: string; indexdef: string }[] };
    const definitions = Array.isArray(indexes) ? indexes : indexes.rows;
    for (const index of definitions) await database.query(`DROP INDEX knowledge."${index.indexname}"`);
    for (const trigger of TERM_TRIGGERS)
      await database.query(`ALTER TABLE knowledge.articles DISABLE TRIGGER ${trigger}`);
    for await (const batch of batches) {
      await insertPublishedArticles(database, batch);
      loaded += batch.length;
    }
    await rebuildArticleTerms(database);
    for (const index of definitions) await database.query(index.indexdef);
    for (const trigger of TERM_TRIGGERS)
      await database.query(`ALTER TABLE knowledge.articles ENABLE TRIGGER ${trigger}`);
    // Body postings of common terms read the GIN index: after it is rebuilt.
    await fillBodyPostings(database);
    // The triggers that note changed terms were off: the background fill looks at every list once.
    await database.query(`INSERT INTO knowledge.body_postings_changed DEFAULT VALUES`);
    await database.query('COMMIT');
  } catch (error) {
    await database.query('ROLLBACK');
    throw error;
  }
  return loaded;
}
