import type { MigrationInterface, QueryRunner } from '@deskgraph/platform';

/** The ticket classifier's categories, so captured drafts and standards have a home from the start. */
const SEED_CATEGORIES: [string, string][] = [
  ['product', 'Product / 产品'],
  ['service', 'Service / 服务'],
  ['delivery', 'Delivery / 物流配送'],
  ['transaction', 'Transaction / 交易支付'],
  ['technical', 'Technical / 技术问题'],
];

/**
 * Versioned articles with a category tree, bilingual search, feedback, ticket
 * facts kept from events, reply templates and compensation standards.
 *
 * Search: English goes through the `english` text-search configuration
 * (stemming); Chinese runs are stored as overlapping character bigrams
 * (`*_ngrams`, built in TypeScript) and indexed with the `simple`
 * configuration, so a two- or three-character query matches inside a longer
 * run. pg_trgm was not used: its trigrams cannot index two-character queries.
 */
export class KnowledgeDomain1764000000000 implements MigrationInterface {
  name = 'KnowledgeDomain1764000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "knowledge"."categories" (
        "id" TEXT PRIMARY KEY,
        "name" TEXT NOT NULL,
        "parent_id" TEXT REFERENCES "knowledge"."categories" ("id"),
        "updated_by" TEXT NOT NULL,
        "updated_at" TIMESTAMPTZ NOT NULL DEFAULT now()
      )`);
    for (const [id, name] of SEED_CATEGORIES) {
      await queryRunner.query(
        `INSERT INTO "knowledge"."categories" ("id", "name", "updated_by") VALUES ($1, $2, 'migration')`,
        [id, name],
      );
    }
    await queryRunner.query(`
      ALTER TABLE "knowledge"."articles"
        ADD COLUMN "summary" TEXT NOT NULL DEFAULT '',
        ADD COLUMN "category_id" TEXT REFERENCES "knowledge"."categories" ("id"),
        ADD COLUMN "tags" TEXT[] NOT NULL DEFAULT '{}',
        ADD COLUMN "reviewer_id" TEXT,
        ADD COLUMN "version" INTEGER NOT NULL DEFAULT 1,
        ADD COLUMN "source_ticket_id" UUID UNIQUE,
        ADD COLUMN "published_at" TIMESTAMPTZ,
        ADD COLUMN "view_count" INTEGER NOT NULL DEFAULT 0,
        ADD COLUMN "title_ngrams" TEXT NOT NULL DEFAULT '',
        ADD COLUMN "text_ngrams" TEXT NOT NULL DEFAULT '',
        ADD COLUMN "tag_text" TEXT NOT NULL DEFAULT ''`);
    await queryRunner.query(`
      ALTER TABLE "knowledge"."articles" ADD COLUMN "search_vector" TSVECTOR GENERATED ALWAYS AS (
        setweight(to_tsvector('english'::regconfig, "title"), 'A') ||
        setweight(to_tsvector('simple'::regconfig, "title_ngrams"), 'A') ||
        setweight(to_tsvector('english'::regconfig, "summary" || ' ' || "tag_text"), 'B') ||
        setweight(to_tsvector('english'::regconfig, "body"), 'C') ||
        setweight(to_tsvector('simple'::regconfig, "text_ngrams"), 'C')
      ) STORED`);
    await queryRunner.query(
      `CREATE INDEX "articles_search_idx" ON "knowledge"."articles" USING GIN ("search_vector")`,
    );
    await queryRunner.query(`CREATE INDEX "articles_tags_idx" ON "knowledge"."articles" USING GIN ("tags")`);
    await queryRunner.query(
      `CREATE INDEX "articles_status_category_idx" ON "knowledge"."articles" ("status", "category_id")`,
    );
    await queryRunner.query(`
      CREATE TABLE "knowledge"."article_versions" (
        "id" UUID PRIMARY KEY,
        "article_id" UUID NOT NULL REFERENCES "knowledge"."articles" ("id"),
        "version" INTEGER NOT NULL,
        "title" TEXT NOT NULL,
        "summary" TEXT NOT NULL,
        "body" TEXT NOT NULL,
        "category_id" TEXT,
        "tags" TEXT[] NOT NULL,
        "locale" TEXT NOT NULL,
        "audience" TEXT NOT NULL,
        "edited_by" TEXT NOT NULL,
        "edited_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
        "reason" TEXT NOT NULL,
        "restored_from_version" INTEGER,
        UNIQUE ("article_id", "version")
      )`);
    // Articles written before versioning get their first version now.
    await queryRunner.query(`
      INSERT INTO "knowledge"."article_versions"
        ("id", "article_id", "version", "title", "summary", "body", "category_id", "tags", "locale",
         "audience", "edited_by", "edited_at", "reason")
      SELECT gen_random_uuid(), "id", 1, "title", "summary", "body", "category_id", "tags", "locale",
             "audience", "author_id", "created_at", 'created'
        FROM "knowledge"."articles"`);
    await queryRunner.query(`
      CREATE TABLE "knowledge"."article_ticket_links" (
        "article_id" UUID NOT NULL REFERENCES "knowledge"."articles" ("id"),
        "ticket_id" UUID NOT NULL,
        "linked_by" TEXT NOT NULL,
        "linked_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
        PRIMARY KEY ("article_id", "ticket_id")
      )`);
    await queryRunner.query(
      `CREATE INDEX "article_ticket_links_ticket_idx" ON "knowledge"."article_ticket_links" ("ticket_id")`,
    );
    await queryRunner.query(`
      CREATE TABLE "knowledge"."article_votes" (
        "article_id" UUID NOT NULL REFERENCES "knowledge"."articles" ("id"),
        "voter_id" TEXT NOT NULL,
        "helpful" BOOLEAN NOT NULL,
        "comment" TEXT,
        "voted_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
        PRIMARY KEY ("article_id", "voter_id")
      )`);
    await queryRunner.query(`
      CREATE TABLE "knowledge"."search_misses" (
        "query" TEXT PRIMARY KEY,
        "count" INTEGER NOT NULL DEFAULT 1,
        "first_seen_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
        "last_seen_at" TIMESTAMPTZ NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE "knowledge"."ticket_facts" (
        "ticket_id" UUID PRIMARY KEY,
        "number" TEXT NOT NULL,
        "title" TEXT NOT NULL,
        "description" TEXT,
        "type" TEXT NOT NULL,
        "category" TEXT,
        "priority" TEXT NOT NULL,
        "queue_id" TEXT NOT NULL,
        "customer_id" TEXT NOT NULL,
        "customer_type" TEXT,
        "status" TEXT NOT NULL,
        "version" INTEGER NOT NULL,
        "expert_answer" TEXT,
        "expert_id" TEXT,
        "created_at" TIMESTAMPTZ NOT NULL,
        "updated_at" TIMESTAMPTZ NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(
      `CREATE INDEX "ticket_facts_category_idx" ON "knowledge"."ticket_facts" ("category")`,
    );
    await queryRunner.query(`
      CREATE TABLE "knowledge"."reply_templates" (
        "id" UUID PRIMARY KEY,
        "name" TEXT NOT NULL UNIQUE,
        "locale" TEXT NOT NULL,
        "body" TEXT NOT NULL,
        "updated_by" TEXT NOT NULL,
        "updated_at" TIMESTAMPTZ NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE "knowledge"."compensation_standards" (
        "id" UUID PRIMARY KEY,
        "category_id" TEXT NOT NULL REFERENCES "knowledge"."categories" ("id"),
        "kind" TEXT NOT NULL,
        "max_amount" NUMERIC(12, 2),
        "currency" TEXT,
        "note" TEXT NOT NULL DEFAULT '',
        "updated_by" TEXT NOT NULL,
        "updated_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
        UNIQUE ("category_id", "kind")
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of [
      'compensation_standards',
      'reply_templates',
      'ticket_facts',
      'search_misses',
      'article_votes',
      'article_ticket_links',
      'article_versions',
    ]) {
      await queryRunner.query(`DROP TABLE "knowledge"."${table}"`);
    }
    await queryRunner.query(`
      ALTER TABLE "knowledge"."articles"
        DROP COLUMN "search_vector", DROP COLUMN "summary", DROP COLUMN "category_id", DROP COLUMN "tags",
        DROP COLUMN "reviewer_id", DROP COLUMN "version", DROP COLUMN "source_ticket_id",
        DROP COLUMN "published_at", DROP COLUMN "view_count", DROP COLUMN "title_ngrams",
        DROP COLUMN "text_ngrams", DROP COLUMN "tag_text"`);
    await queryRunner.query(`DROP TABLE "knowledge"."categories"`);
  }
}
