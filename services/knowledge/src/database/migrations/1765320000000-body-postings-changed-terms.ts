import type { MigrationInterface, QueryRunner } from '@deskgraph/platform';
import { BODY_POSTINGS_TRIGGERS } from '../../search/article-terms';

// Every (term, audience, locale) of the published rows of the transition tables, once per
// statement (a re-index of many articles notes each term once, not once per article).
const TERMS_OF = (rows: string[], ids: string) => `
  INSERT INTO knowledge.body_postings_changed (term, audience, locale)
  ${rows
    .map(
      (table) => `SELECT u.lexeme, r.audience, r.locale
    FROM ${table} r, unnest(tsvector_to_array(r.search_vector)) u(lexeme)
   WHERE r.status = 'PUBLISHED' ${ids ? `AND r.id = ANY (${ids})` : ''}`,
    )
    .join(' UNION ')}
  ${rows.length === 1 ? 'GROUP BY 1, 2, 3' : ''}`;

/**
 * The background fill of body postings (search/article-terms.ts) counted the
 * postings of every common term each minute, 185–330 ms of PostgreSQL at 100k
 * articles with nothing to fill (issue #15). Now statement-level triggers on
 * `articles` note the terms of every published article that is inserted,
 * re-indexed or deleted (the only writes that drop postings or raise a
 * frequency) in `body_postings_changed`, in the writer's transaction, and a
 * round re-counts only those lists. Append-only, no key: writers never wait on
 * each other here, and a round deletes only the rows it can see (committed),
 * so a write that commits during a round is seen by the next one. A row with
 * no term stands for every list: one is added here, so the first round after
 * the upgrade looks at all of them.
 */
export class BodyPostingsChangedTerms1765320000000 implements MigrationInterface {
  name = 'BodyPostingsChangedTerms1765320000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "knowledge"."body_postings_changed" ("term" TEXT, "audience" TEXT, "locale" TEXT)`);
    await queryRunner.query(`INSERT INTO "knowledge"."body_postings_changed" DEFAULT VALUES`);
    await queryRunner.query(`
      CREATE FUNCTION "knowledge"."body_postings_changed_inserted"() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        ${TERMS_OF(['new_rows'], '')};
        RETURN NULL;
      END $$`);
    // The same test as the postings' own trigger: view counts and reviewer changes note nothing.
    await queryRunner.query(`
      CREATE FUNCTION "knowledge"."body_postings_changed_updated"() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE changed uuid[];
      BEGIN
        changed := ARRAY(
          SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
           WHERE (o.status = 'PUBLISHED' OR n.status = 'PUBLISHED')
             AND ((o.status, o.audience, o.locale) IS DISTINCT FROM (n.status, n.audience, n.locale)
                  OR o.search_vector IS DISTINCT FROM n.search_vector));
        IF cardinality(changed) = 0 THEN RETURN NULL; END IF;
        ${TERMS_OF(['old_rows', 'new_rows'], 'changed')};
        RETURN NULL;
      END $$`);
    await queryRunner.query(`
      CREATE FUNCTION "knowledge"."body_postings_changed_deleted"() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        ${TERMS_OF(['old_rows'], '')};
        RETURN NULL;
      END $$`);
    const [inserted, updated, deleted] = BODY_POSTINGS_TRIGGERS;
    await queryRunner.query(`
      CREATE TRIGGER "${inserted}" AFTER INSERT ON "knowledge"."articles"
        REFERENCING NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION "knowledge"."body_postings_changed_inserted"()`);
    await queryRunner.query(`
      CREATE TRIGGER "${updated}" AFTER UPDATE ON "knowledge"."articles"
        REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION "knowledge"."body_postings_changed_updated"()`);
    await queryRunner.query(`
      CREATE TRIGGER "${deleted}" AFTER DELETE ON "knowledge"."articles"
        REFERENCING OLD TABLE AS old_rows
        FOR EACH STATEMENT EXECUTE FUNCTION "knowledge"."body_postings_changed_deleted"()`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const operation of ['inserted', 'updated', 'deleted']) {
      await queryRunner.query(`DROP TRIGGER "body_postings_changed_${operation}" ON "knowledge"."articles"`);
      await queryRunner.query(`DROP FUNCTION "knowledge"."body_postings_changed_${operation}"()`);
    }
    await queryRunner.query(`DROP TABLE "knowledge"."body_postings_changed"`);
  }
}
