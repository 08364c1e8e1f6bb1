import type { DataSource } from 'typeorm';

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

/**
 * The one lock of wholesale rewrites of the postings, transaction-scoped: a
 * bulk load (loadPublishedArticles) takes it first in its transaction, before
 * it drops indexes, disables triggers and truncates; the background fill of
 * body postings tries it first in its own and skips its round while a load
 * holds it. Without it the fill's statement and the load took their table
 * locks in different orders and deadlocked.
 */
const POSTINGS_REWRITE_LOCK = 'knowledge.article_terms:rewrite';

/** Waits for the postings rewrite lock, held until the caller's transaction ends. */
export async function lockPostingsRewrite(database: Queryable): Promise<void> {
  await database.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [POSTINGS_REWRITE_LOCK]);
}

/** Takes the postings rewrite lock for the caller's transaction if it is free; false if someone holds it. */
export async function tryLockPostingsRewrite(database: Queryable): Promise<boolean> {
  const result = (await database.query(`SELECT pg_try_advisory_xact_lock(hashtext($1)) AS locked`, [
    POSTINGS_REWRITE_LOCK,
  ])) as { locked: boolean }[] | { rows: { locked: boolean }[] };
  return (Array.isArray(result) ? result : result.rows)[0].locked;
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

/**
 * When a term is common enough for its body postings to be kept too: in at
 * least `commonArticles` published articles of one audience and locale,
 * `perTerm` postings at most (head postings included).
 */
export interface BodyPostingsOptions {
  commonArticles: number;
  perTerm: number;
  /** (term, audience, locale) lists filled per call, the most common first. */
  maxTerms: number;
}

export const BODY_POSTINGS_DEFAULTS: BodyPostingsOptions = {
  commonArticles: 4_000,
  perTerm: 1_000,
  maxTerms: 1_000_000,
};

/**
 * The triggers on `articles` (migration BodyPostingsChangedTerms1765320000000)
 * that note in `body_postings_changed` the terms whose body postings may have
 * to be topped up; a bulk load disables them with the postings' own.
 */
export const BODY_POSTINGS_TRIGGERS = [
  'body_postings_changed_inserted',
  'body_postings_changed_updated',
  'body_postings_changed_deleted',
] as const;

/** Only lexemes a query can name on their own (a plain word, number or bigram). */
const PLAIN_TERM_SQL = `plainto_tsquery('simple', f.term)::text = '''' || f.term || ''''`;

/** What a fill looked at and did. */
export interface BodyPostingsFill {
  /** Common (term, audience, locale) lists whose postings were counted. */
  examined: number;
  /** Lists found short and topped up (at most `maxTerms`). */
  filled: number;
  /** Postings added. */
  added: number;
}

/**
 * Tops up the postings of common terms with articles that hold them only in
 * their body, up to `perTerm` per term, audience and locale: a word found in
 * half the bodies but few titles (`please`, `您好`) then has enough postings
 * for a search's candidates, instead of a GIN scan of all its matches. Rare
 * terms are left to the GIN index (cheap for them; their body postings would
 * be most of 16 times the rows). The triggers drop an article's postings,
 * body ones included, whenever it changes; this refills the lists (bulk
 * loads, and the knowledge service's background worker).
 *
 * `changedOnly`: count only the lists whose terms the triggers noted in
 * `body_postings_changed` since the last such fill (a row with no term means
 * all of them), and take those notes; lists found short beyond `maxTerms` are
 * noted again for the next fill. Notes written by transactions still open are
 * not visible here, so they stay for the next fill. Otherwise every common list
 * is counted and the notes are left alone.
 */
export async function fillBodyPostingLists(
  database: Queryable,
  options: BodyPostingsOptions = BODY_POSTINGS_DEFAULTS,
  changedOnly = false,
): Promise<BodyPostingsFill> {
  const result = (await database.query(
    `WITH ${
      changedOnly
        ? `noted AS (DELETE FROM knowledge.body_postings_changed RETURNING term, audience, locale),
     changed AS (SELECT DISTINCT term, audience, locale FROM noted WHERE term IS NOT NULL),`
        : ''
    }
     common AS (${
       changedOnly
         ? // Led by the noted terms (primary key probes); the scan of every list only when one
           // note says all (a one-time filter, so otherwise it is not run).
           `SELECT f.term, f.audience, f.locale, f.articles
              FROM changed c JOIN knowledge.term_frequencies f USING (term, audience, locale)
             WHERE f.articles >= $1 AND ${PLAIN_TERM_SQL}
            UNION
            SELECT f.term, f.audience, f.locale, f.articles FROM knowledge.term_frequencies f
             WHERE EXISTS (SELECT 1 FROM noted WHERE term IS NULL) AND f.articles >= $1 AND ${PLAIN_TERM_SQL}`
         : `SELECT f.term, f.audience, f.locale, f.articles FROM knowledge.term_frequencies f
             WHERE f.articles >= $1 AND ${PLAIN_TERM_SQL}`
     }),
     short AS (
       SELECT c.term, c.audience, c.locale, c.articles, least(c.articles, $2) - s.stored AS missing
         FROM common c, LATERAL (
           SELECT count(*)::int AS stored FROM (
             SELECT 1 FROM knowledge.article_terms t
              WHERE t.term = c.term AND t.audience = c.audience AND t.locale = c.locale LIMIT $2) l) s
        WHERE s.stored < least(c.articles, $2)),
     chosen AS (SELECT * FROM short ORDER BY articles DESC, term, audience, locale LIMIT $3),
     added AS (
       INSERT INTO knowledge.article_terms (term, audience, locale, score, article_id)
       SELECT s.term, s.audience, s.locale, b.score, b.id FROM chosen s, LATERAL (
         SELECT a.id, ts_rank_cd(a.search_vector, q.query, 0)::real AS score
           FROM (SELECT plainto_tsquery('simple', s.term) AS query) q, knowledge.articles a
          WHERE a.search_vector @@ q.query AND a.status = 'PUBLISHED'
            AND a.audience = s.audience AND a.locale = s.locale
            AND NOT EXISTS (SELECT 1 FROM knowledge.article_terms t WHERE t.article_id = a.id AND t.term = s.term)
          LIMIT s.missing) b
       ON CONFLICT DO NOTHING RETURNING 1)${
         changedOnly
           ? `,
     deferred AS (
       INSERT INTO knowledge.body_postings_changed (term, audience, locale)
       SELECT term, audience, locale FROM short EXCEPT SELECT term, audience, locale FROM chosen)`
           : ''
       }
     SELECT (SELECT count(*) FROM common)::int AS examined, (SELECT count(*) FROM chosen)::int AS filled,
            (SELECT count(*) FROM added)::int AS added`,
    [options.commonArticles, options.perTerm, options.maxTerms],
  )) as BodyPostingsFill[] | { rows: BodyPostingsFill[] };
  return (Array.isArray(result) ? result : result.rows)[0];
}

/** fillBodyPostingLists over every common list (bulk loads); returns the postings added. */
export async function fillBodyPostings(
  database: Queryable,
  options: BodyPostingsOptions = BODY_POSTINGS_DEFAULTS,
): Promise<number> {
  return (await fillBodyPostingLists(database, options)).added;
}

/**
 * One round of the background fill in its own transaction, under the postings
 * rewrite lock: the lists whose terms changed since the last round
 * (fillBodyPostingLists, changedOnly), so a round after no change counts
 * nothing. Null, and nothing touched, while a bulk load or another replica's
 * round holds the lock (the load fills every list itself when it commits).
 */
export async function fillBodyPostingsUnlessLoading(
  dataSource: DataSource,
  options: BodyPostingsOptions = BODY_POSTINGS_DEFAULTS,
): Promise<BodyPostingsFill | null> {
  return dataSource.transaction(async (manager) =>
    (await tryLockPostingsRewrite(manager)) ? fillBodyPostingLists(manager, options, true) : null,
  );
}
