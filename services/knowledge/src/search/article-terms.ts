// The search postings, derived from `articles.search_vector` inside
// PostgreSQL so a term is the same lexeme the vector holds (same stemming,
// same bigrams):
// - `article_terms`: one row per (term, published article) for the terms of
//   its title, summary and tags (weights A and B), with a static score, read
//   by a btree range scan in score order: the best candidates of a term
//   without touching its other matches;
// - `term_frequencies`: how many published articles hold each term (any
//   field), per audience and locale: exact counts of one-term queries, and
//   which term of a query is the rarest.
// A trigger on `articles` (migration ArticleTerms1765300000000) keeps both
// in step with every write in the writer's transaction; the rebuild below
// fills them from scratch (the migration's backfill and bulk loads).

/**
 * A term's static score in an article: the sum of the weights of its
 * positions with ts_rank's default weights (A title 1.0, B summary/tags 0.4,
 * C body 0.2, D 0.1). For a one-term query this is what ts_rank_cd adds up
 * before normalisation, so the postings' order is the ranking's order.
 */
export const TERM_SCORE_SQL = `(SELECT sum(CASE w WHEN 'A' THEN 1.0 WHEN 'B' THEN 0.4 WHEN 'C' THEN 0.2 ELSE 0.1 END)
     FROM unnest(u.weights) w)::real`;

/** Terms of the head fields (title, summary, tags) carry weight A or B in `search_vector`. */
export const HEAD_TERM_SQL = `u.weights && ARRAY['A', 'B']`;

/** Anything that runs SQL: a pg Client, a DataSource or a QueryRunner. */
export interface Queryable {
  query(sql: string, parameters?: unknown[]): Promise<unknown>;
}

/** Refills both tables from the published articles (idempotent; runs in the caller's transaction if any). */
export async function rebuildArticleTerms(database: Queryable): Promise<void> {
  await database.query(`TRUNCATE knowledge.article_terms, knowledge.term_frequencies`);
  await database.query(
    `INSERT INTO knowledge.article_terms (term, audience, locale, score, article_id)
     SELECT u.lexeme, a.audience, a.locale, ${TERM_SCORE_SQL}, a.id
       FROM knowledge.articles a, unnest(a.search_vector) u
      WHERE a.status = 'PUBLISHED' AND ${HEAD_TERM_SQL}`,
  );
  await database.query(
    `INSERT INTO knowledge.term_frequencies (term, audience, locale, articles)
     SELECT u.lexeme, a.audience, a.locale, count(*)
       FROM knowledge.articles a, unnest(tsvector_to_array(a.search_vector)) u(lexeme)
      WHERE a.status = 'PUBLISHED'
      GROUP BY 1, 2, 3`,
  );
}
