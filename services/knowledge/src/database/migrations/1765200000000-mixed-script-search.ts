import type { MigrationInterface, QueryRunner } from '@deskgraph/platform';
import { articleSearchColumns } from '../../search/text-analysis';

const BATCH = 500;

/** The vector before this migration: raw text through `english`, so `您的iPhone订单` was one token. */
const RAW_TEXT_VECTOR = `
  setweight(to_tsvector('english'::regconfig, "title"), 'A') ||
  setweight(to_tsvector('simple'::regconfig, "title_ngrams"), 'A') ||
  setweight(to_tsvector('english'::regconfig, "summary" || ' ' || "tag_text"), 'B') ||
  setweight(to_tsvector('english'::regconfig, "body"), 'C') ||
  setweight(to_tsvector('simple'::regconfig, "text_ngrams"), 'C')`;

/** From the analysed columns (search/text-analysis.ts): scripts split, case and width folded. */
const HEAD_PARTS = `
  setweight(to_tsvector('english'::regconfig, "title_words"), 'A') ||
  setweight(to_tsvector('simple'::regconfig, "title_ngrams"), 'A') ||
  setweight(to_tsvector('english'::regconfig, "summary_words"), 'B') ||
  setweight(to_tsvector('simple'::regconfig, "summary_ngrams"), 'B')`;
const ANALYSED_VECTOR = `${HEAD_PARTS} ||
  setweight(to_tsvector('english'::regconfig, "body_words"), 'C') ||
  setweight(to_tsvector('simple'::regconfig, "body_ngrams"), 'C')`;

/**
 * Mixed-script search: Latin words, digits and CJK are cut apart and folded
 * in TypeScript (one analysis for index, query, suggestions and content
 * gaps), and `search_vector` is generated from those analysed columns
 * instead of the raw text. Every stored article is re-analysed here, so
 * `iPhone` finds articles written before this change.
 *
 * `head_vector` (title, summary, tags) has its own GIN index: a search takes
 * its ranking candidates from it first, so the best answers are among the
 * few it ranks even when a term is in half of the articles.
 */
export class MixedScriptSearch1765200000000 implements MigrationInterface {
  name = 'MixedScriptSearch1765200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // Dropping the generated column drops its GIN index; both are rebuilt once, after the backfill.
    await queryRunner.query(`ALTER TABLE "knowledge"."articles" DROP COLUMN "search_vector"`);
    await queryRunner.query(
      `ALTER TABLE "knowledge"."articles" RENAME COLUMN "text_ngrams" TO "body_ngrams"`,
    );
    await queryRunner.query(`
      ALTER TABLE "knowledge"."articles"
        ADD COLUMN "title_words" TEXT NOT NULL DEFAULT '',
        ADD COLUMN "summary_words" TEXT NOT NULL DEFAULT '',
        ADD COLUMN "summary_ngrams" TEXT NOT NULL DEFAULT '',
        ADD COLUMN "body_words" TEXT NOT NULL DEFAULT '',
        DROP COLUMN "tag_text"`);
    for (let after = '00000000-0000-0000-0000-000000000000'; ;) {
      const rows: { id: string; title: string; summary: string; body: string; tags: string[] }[] =
        await queryRunner.query(
          `SELECT "id", "title", "summary", "body", "tags" FROM "knowledge"."articles"
            WHERE "id" > $1 ORDER BY "id" LIMIT ${BATCH}`,
          [after],
        );
      if (rows.length === 0) break;
      const columns = rows.map((row) => articleSearchColumns(row));
      await queryRunner.query(
        `UPDATE "knowledge"."articles" a
            SET "title_words" = v.title_words, "title_ngrams" = v.title_ngrams,
                "summary_words" = v.summary_words, "summary_ngrams" = v.summary_ngrams,
                "body_words" = v.body_words, "body_ngrams" = v.body_ngrams
           FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[])
                AS v(id, title_words, title_ngrams, summary_words, summary_ngrams, body_words, body_ngrams)
          WHERE a."id" = v.id`,
        [
          rows.map((row) => row.id),
          columns.map((c) => c.titleWords),
          columns.map((c) => c.titleNgrams),
          columns.map((c) => c.summaryWords),
          columns.map((c) => c.summaryNgrams),
          columns.map((c) => c.bodyWords),
          columns.map((c) => c.bodyNgrams),
        ],
      );
      after = rows[rows.length - 1].id;
    }
    await queryRunner.query(`
      ALTER TABLE "knowledge"."articles"
        ADD COLUMN "search_vector" TSVECTOR GENERATED ALWAYS AS (${ANALYSED_VECTOR}) STORED,
        ADD COLUMN "head_vector" TSVECTOR GENERATED ALWAYS AS (${HEAD_PARTS}) STORED`);
    await queryRunner.query(
      `CREATE INDEX "articles_search_idx" ON "knowledge"."articles" USING GIN ("search_vector")`,
    );
    await queryRunner.query(
      `CREATE INDEX "articles_head_search_idx" ON "knowledge"."articles" USING GIN ("head_vector")`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "knowledge"."articles" DROP COLUMN "search_vector", DROP COLUMN "head_vector"`,
    );
    // The n-gram columns keep their (folded) bigrams: the old vector read them the same way.
    await queryRunner.query(
      `ALTER TABLE "knowledge"."articles" RENAME COLUMN "body_ngrams" TO "text_ngrams"`,
    );
    await queryRunner.query(`
      ALTER TABLE "knowledge"."articles" ADD COLUMN "tag_text" TEXT NOT NULL DEFAULT ''`);
    await queryRunner.query(`
      UPDATE "knowledge"."articles"
         SET "tag_text" = array_to_string("tags", ' '),
             "text_ngrams" = concat_ws(' ', "summary_ngrams", "text_ngrams")`);
    await queryRunner.query(`
      ALTER TABLE "knowledge"."articles"
        DROP COLUMN "title_words", DROP COLUMN "summary_words", DROP COLUMN "summary_ngrams",
        DROP COLUMN "body_words"`);
    await queryRunner.query(
      `ALTER TABLE "knowledge"."articles" ADD COLUMN "search_vector" TSVECTOR GENERATED ALWAYS AS (${RAW_TEXT_VECTOR}) STORED`,
    );
    await queryRunner.query(
      `CREATE INDEX "articles_search_idx" ON "knowledge"."articles" USING GIN ("search_vector")`,
    );
  }
}
