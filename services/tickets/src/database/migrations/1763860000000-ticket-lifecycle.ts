import type { MigrationInterface, QueryRunner } from '@deskgraph/platform';

/** Everything the full handling process needs beyond the first slice. */
export class TicketLifecycle1763860000000 implements MigrationInterface {
  name = 'TicketLifecycle1763860000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE "tickets"."tickets"
        ADD COLUMN "assignee_id" TEXT,
        ADD COLUMN "occurred_at" TIMESTAMPTZ,
        ADD COLUMN "expected_outcome" TEXT,
        ADD COLUMN "expected_by" TIMESTAMPTZ,
        ADD COLUMN "customer_mood" TEXT,
        ADD COLUMN "attachments" JSONB NOT NULL DEFAULT '[]',
        ADD COLUMN "tags" TEXT[] NOT NULL DEFAULT '{}',
        ADD COLUMN "suggestion" JSONB,
        ADD COLUMN "escalation_tier" TEXT,
        ADD COLUMN "helper_queue_ids" TEXT[] NOT NULL DEFAULT '{}',
        ADD COLUMN "first_responded_at" TIMESTAMPTZ,
        ADD COLUMN "resolved_at" TIMESTAMPTZ,
        ADD COLUMN "closed_at" TIMESTAMPTZ,
        ADD COLUMN "archived_at" TIMESTAMPTZ,
        ADD COLUMN "auto_closed" BOOLEAN NOT NULL DEFAULT false,
        ADD COLUMN "satisfaction" TEXT,
        ADD COLUMN "satisfaction_comment" TEXT,
        ADD COLUMN "repeat_complaint" BOOLEAN NOT NULL DEFAULT false,
        ADD COLUMN "reopen_count" INTEGER NOT NULL DEFAULT 0,
        ADD COLUMN "merged_into_id" UUID REFERENCES "tickets"."tickets" ("id"),
        ADD COLUMN "possible_duplicate_of" UUID REFERENCES "tickets"."tickets" ("id")`);
    await queryRunner.query(
      `CREATE INDEX "tickets_assignee_idx" ON "tickets"."tickets" ("assignee_id") WHERE "assignee_id" IS NOT NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX "tickets_status_idx" ON "tickets"."tickets" ("status", "queue_id")`,
    );
    await queryRunner.query(
      `CREATE INDEX "tickets_created_idx" ON "tickets"."tickets" ("created_at" DESC, "id" DESC)`,
    );
    // Append-only: every step of the handling, the handbooks' 全程留痕.
    await queryRunner.query(`
      CREATE TABLE "tickets"."timeline" (
        "id" BIGSERIAL PRIMARY KEY,
        "ticket_id" UUID NOT NULL REFERENCES "tickets"."tickets" ("id"),
        "at" TIMESTAMPTZ NOT NULL DEFAULT now(),
        "actor_id" TEXT NOT NULL,
        "actor_role" TEXT NOT NULL,
        "action" TEXT NOT NULL,
        "before" JSONB,
        "after" JSONB,
        "result" TEXT,
        "note" TEXT
      )`);
    await queryRunner.query(`CREATE INDEX "timeline_ticket_idx" ON "tickets"."timeline" ("ticket_id", "id")`);
    await queryRunner.query(`
      CREATE FUNCTION "tickets"."timeline_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'the ticket timeline is append-only';
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER "timeline_append_only_trigger" BEFORE UPDATE OR DELETE ON "tickets"."timeline"
      FOR EACH ROW EXECUTE FUNCTION "tickets"."timeline_append_only"()`);
    await queryRunner.query(`
      CREATE TABLE "tickets"."messages" (
        "id" UUID PRIMARY KEY,
        "ticket_id" UUID NOT NULL REFERENCES "tickets"."tickets" ("id"),
        "author_id" TEXT NOT NULL,
        "author_kind" TEXT NOT NULL,
        "visibility" TEXT NOT NULL,
        "channel" TEXT NOT NULL,
        "body" TEXT NOT NULL,
        "created_at" TIMESTAMPTZ NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(
      `CREATE INDEX "messages_ticket_idx" ON "tickets"."messages" ("ticket_id", "created_at")`,
    );
    await queryRunner.query(`
      CREATE TABLE "tickets"."compensations" (
        "id" UUID PRIMARY KEY,
        "ticket_id" UUID NOT NULL REFERENCES "tickets"."tickets" ("id"),
        "kind" TEXT NOT NULL,
        "amount" NUMERIC(12, 2),
        "currency" TEXT,
        "reason" TEXT NOT NULL,
        "status" TEXT NOT NULL,
        "proposed_by" TEXT NOT NULL,
        "proposed_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
        "decided_by" TEXT,
        "decided_at" TIMESTAMPTZ,
        "decision_note" TEXT,
        "carried_out_at" TIMESTAMPTZ
      )`);
    await queryRunner.query(`
      CREATE TABLE "tickets"."ticket_links" (
        "ticket_id" UUID NOT NULL REFERENCES "tickets"."tickets" ("id"),
        "related_ticket_id" UUID NOT NULL REFERENCES "tickets"."tickets" ("id"),
        "created_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
        PRIMARY KEY ("ticket_id", "related_ticket_id")
      )`);
    await queryRunner.query(`
      CREATE TABLE "tickets"."queues" (
        "id" TEXT PRIMARY KEY,
        "name" TEXT NOT NULL,
        "duty_manager_id" TEXT
      )`);
    await queryRunner.query(`
      CREATE TABLE "tickets"."agents" (
        "id" TEXT PRIMARY KEY,
        "display_name" TEXT NOT NULL,
        "available" BOOLEAN NOT NULL DEFAULT true,
        "queue_ids" TEXT[] NOT NULL DEFAULT '{}'
      )`);
    await queryRunner.query(`
      CREATE TABLE "tickets"."routing_rules" (
        "id" TEXT PRIMARY KEY,
        "position" INTEGER NOT NULL,
        "type" TEXT,
        "category" TEXT,
        "queue_id" TEXT NOT NULL
      )`);
    await queryRunner.query(`INSERT INTO "tickets"."queues" ("id", "name") VALUES ('general', 'General')`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['routing_rules', 'agents', 'queues', 'ticket_links', 'compensations', 'messages']) {
      await queryRunner.query(`DROP TABLE "tickets"."${table}"`);
    }
    await queryRunner.query(`DROP TRIGGER "timeline_append_only_trigger" ON "tickets"."timeline"`);
    await queryRunner.query(`DROP FUNCTION "tickets"."timeline_append_only"()`);
    await queryRunner.query(`DROP TABLE "tickets"."timeline"`);
    await queryRunner.query(`
      ALTER TABLE "tickets"."tickets"
        DROP COLUMN "assignee_id", DROP COLUMN "occurred_at", DROP COLUMN "expected_outcome",
        DROP COLUMN "expected_by", DROP COLUMN "customer_mood", DROP COLUMN "attachments", DROP COLUMN "tags",
        DROP COLUMN "suggestion", DROP COLUMN "escalation_tier", DROP COLUMN "helper_queue_ids",
        DROP COLUMN "first_responded_at", DROP COLUMN "resolved_at", DROP COLUMN "closed_at",
        DROP COLUMN "archived_at", DROP COLUMN "auto_closed", DROP COLUMN "satisfaction",
        DROP COLUMN "satisfaction_comment", DROP COLUMN "repeat_complaint", DROP COLUMN "reopen_count",
        DROP COLUMN "merged_into_id", DROP COLUMN "possible_duplicate_of"`);
  }
}
