import type { MigrationInterface, QueryRunner } from '@deskgraph/platform';
import { HEAD_TERM_SQL, rebuildArticleTerms, TERM_SCORE_SQL } from '../../search/article-terms';

// Postings of `rows` (a transition table) that are published.
const POSTINGS_OF = (rows: string, ids: string) => `
  INSERT INTO knowledge.article_terms (term, audience, locale, score, article_id)
  SELECT u.lexeme, r.audience, r.locale, ${TERM_SCORE_SQL}, r.id
    FROM ${rows} r, unnest(r.search_vector) u
   WHERE r.status = 'PUBLISHED' AND ${HEAD_TERM_SQL} ${ids ? `AND r.id = ANY (${ids})` : ''}`;

// +1 per term of each published row of `rows`, -1 per term of each published
// row of `gone`, applied as one upsert in term order: concurrent writers lock
// the shared rows (common terms) in the same order and cannot deadlock.
const FREQUENCY_DELTA = (rows: string | null, gone: string | null, ids: string) => `
  INSERT INTO knowledge.term_frequencies AS f (term, audience, locale, articles)
  SELECT term, audience, locale, sum(delta) FROM (
    ${[
      rows &&
        `SELECT u.lexeme AS term, r.audience, r.locale, 1 AS delta
           FROM ${rows} r, unnest(tsvector_to_array(r.search_vector)) u(lexeme)
          WHERE r.status = 'PUBLISHED' ${ids ? `AND r.id = ANY (${ids})` : ''}`,
      gone &&
        `SELECT u.lexeme, g.audience, g.locale, -1
           FROM ${gone} g, unnest(tsvector_to_array(g.search_vector)) u(lexeme)
          WHERE g.status = 'PUBLISHED' ${ids ? `AND g.id = ANY (${ids})` : ''}`,
    ]
      .filter(Boolean)
      .join(' UNION ALL ')}) changes
   GROUP BY 1, 2, 3 HAVING sum(delta) <> 0 ORDER BY 1, 2, 3
  ON CONFLICT (term, audience, locale) DO UPDATE SET articles = f.articles + excluded.articles`;

/**
 * Search postings (issue #15): a search reads the best candidates of a term
 * from a btree in score order and counts one-term queries from a frequency
 * table, so its cost follows the page instead of the number of matches (see
 * search/article-terms.ts). Statement-level triggers with transition tables
 * keep both tables in step with every insert, update and delete of
 * `articles` in the writer's transaction: publishing, editing, archiving, a
 * change of audience or locale, bulk inserts and migrations alike. Existing
 * published articles are indexed here.
 */
export class ArticleTerms1765300000000 implements MigrationInterface {
  name = 'ArticleTerms1765300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "knowledge"."article_terms" (
        "term" TEXT NOT NULL,
        "audience" TEXT NOT NULL,
        "locale" TEXT NOT NULL,
        "score" REAL NOT NULL,
        "article_id" UUID NOT NULL,
        PRIMARY KEY ("article_id", "term")
      )`);
    await queryRunner.query(`
      CREATE TABLE "knowledge"."term_frequencies" (
        "term" TEXT NOT NULL,
        "audience" TEXT NOT NULL,
        "locale" TEXT NOT NULL,
        "articles" INTEGER NOT NULL,
        PRIMARY KEY ("term", "audience", "locale")
      )`);
    await rebuildArticleTerms(queryRunner);
    // Built after the backfill: one sort instead of a btree insert per posting.
    await queryRunner.query(`
      CREATE INDEX "article_terms_ranked_idx"
        ON "knowledge"."article_terms" ("term", "audience", "locale", "score" DESC, "article_id")`);

    await queryRunner.query(`
      CREATE FUNCTION "knowledge"."article_terms_inserted"() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        ${POSTINGS_OF('new_rows', '')};
        ${FREQUENCY_DELTA('new_rows', null, '')};
        RETURN NULL;
      END $$`);
    // Only rows whose indexed state changed (status, audience, locale or the
    // vector) are re-indexed, so view counts and reviewer changes cost a join.
    await queryRunner.query(`
      CREATE FUNCTION "knowledge"."article_terms_updated"() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE changed uuid[];
      BEGIN
        changed := ARRAY(
          SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
           WHERE (o.status = 'PUBLISHED' OR n.status = 'PUBLISHED')
             AND ((o.status, o.audience, o.locale) IS DISTINCT FROM (n.status, n.audience, n.locale)
                  OR o.search_vector IS DISTINCT FROM n.search_vector));
        IF cardinality(changed) = 0 THEN RETURN NULL; END IF;
        DELETE FROM knowledge.article_terms WHERE article_id = ANY (changed);
        ${POSTINGS_OF('new_rows', 'changed')};
        ${FREQUENCY_DELTA('new_rows', 'old_rows', 'changed')};
        RETURN NULL;
      END $$`);
    await queryRunner.query(`
      CREATE FUNCTION "knowledge"."article_terms_deleted"() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        DELETE FROM knowledge.article_terms t USING old_rows o WHERE t.article_id = o.id;
        ${FREQUENCY_DELTA(null, 'old_rows', '')};
        RETURN NULL;
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER "article_terms_inserted" AFTER INSERT ON "knowledge"."articles"
        REFERENCING NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION "knowledge"."article_terms_inserted"()`);
    await queryRunner.query(`
      CREATE TRIGGER "article_terms_updated" AFTER UPDATE ON "knowledge"."articles"
        REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION "knowledge"."article_terms_updated"()`);
    await queryRunner.query(`
      CREATE TRIGGER "article_terms_deleted" AFTER DELETE ON "knowledge"."articles"
        REFERENCING OLD TABLE AS old_rows
        FOR EACH STATEMENT EXECUTE FUNCTION "knowledge"."article_terms_deleted"()`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const operation of ['inserted', 'updated', 'deleted']) {
      await queryRunner.query(`DROP TRIGGER "article_terms_${operation}" ON "knowledge"."articles"`);
      await queryRunner.query(`DROP FUNCTION "knowledge"."article_terms_${operation}"()`);
    }
    await queryRunner.query(`DROP TABLE "knowledge"."term_frequencies"`);
    await queryRunner.query(`DROP TABLE "knowledge"."article_terms"`);
  }
}
