import { randomUUID } from 'node:crypto';
import { articleSearchColumns } from '../search/text-analysis';

export interface BulkArticle {
  id?: string;
  title: string;
  summary: string;
  body: string;
  tags: string[];
  locale: string;
  categoryId: string | null;
}

/** Anything that runs SQL: a pg Client, a DataSource or a QueryRunner. */
export interface Queryable {
  query(sql: string, parameters: unknown[]): Promise<unknown>;
}

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
            'PUBLIC', 'PUBLISHED', 'bulk-insert', 1, now(), v.title_words, v.title_ngrams, v.summary_words,
            v.summary_ngrams, v.body_words, v.body_ngrams
       FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
                   $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[])
            AS v(id, title, summary, body, tags, locale, category_id, title_words, title_ngrams,
                 summary_words, summary_ngrams, body_words, body_ngrams)`,
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
    ],
  );
  return ids;
}
