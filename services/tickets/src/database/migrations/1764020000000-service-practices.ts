import type { MigrationInterface, QueryRunner } from '@deskgraph/platform';
import { DEFAULT_SERVICE_LANGUAGE_RULES } from '../../service-language/service-language';

/**
 * Service practices from the handbooks: customer tier and region on tickets,
 * service-language rules as admin-edited data (seeded with the handbook's
 * examples), follow-up and key-customer visits, and shift handovers.
 */
export class ServicePractices1764020000000 implements MigrationInterface {
  name = 'ServicePractices1764020000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "tickets"."tickets" ADD COLUMN "customer_tier" TEXT`);
    await queryRunner.query(`ALTER TABLE "tickets"."tickets" ADD COLUMN "customer_region" TEXT`);
    await queryRunner.query(`
      CREATE TABLE "tickets"."service_language_rules" (
        "position" INTEGER PRIMARY KEY,
        "kind" TEXT NOT NULL CHECK ("kind" IN ('FORBIDDEN', 'GREETING', 'CLOSING')),
        "language" TEXT NOT NULL CHECK ("language" IN ('ZH', 'EN')),
        "phrase" TEXT NOT NULL,
        "suggestion" TEXT
      )`);
    for (const [position, rule] of DEFAULT_SERVICE_LANGUAGE_RULES.entries()) {
      await queryRunner.query(
        `INSERT INTO "tickets"."service_language_rules" ("position", "kind", "language", "phrase", "suggestion")
         VALUES ($1, $2, $3, $4, $5)`,
        [position, rule.kind, rule.language, rule.phrase, rule.suggestion],
      );
    }
    await queryRunner.query(`
      CREATE TABLE "tickets"."visits" (
        "id" UUID PRIMARY KEY,
        "ticket_id" UUID NOT NULL REFERENCES "tickets"."tickets" ("id"),
        "customer_id" TEXT NOT NULL,
        "kind" TEXT NOT NULL CHECK ("kind" IN ('FOLLOW_UP', 'KEY_CUSTOMER_TRACKING')),
        "due_at" TIMESTAMPTZ NOT NULL,
        "assignee_id" TEXT,
        "created_at" TIMESTAMPTZ NOT NULL,
        "created_by" TEXT NOT NULL,
        "overdue_at" TIMESTAMPTZ,
        "completed_at" TIMESTAMPTZ,
        "completed_by" TEXT,
        "reached" BOOLEAN,
        "satisfied" BOOLEAN,
        "note" TEXT
      )`);
    await queryRunner.query(`CREATE INDEX "visits_ticket" ON "tickets"."visits" ("ticket_id", "created_at")`);
    await queryRunner.query(
      `CREATE INDEX "visits_open_due" ON "tickets"."visits" ("due_at") WHERE "completed_at" IS NULL`,
    );
    // One open follow-up per ticket and one open tracking visit per key customer, even under races.
    await queryRunner.query(
      `CREATE UNIQUE INDEX "visits_one_open_follow_up" ON "tickets"."visits" ("ticket_id")
        WHERE "kind" = 'FOLLOW_UP' AND "completed_at" IS NULL`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "visits_one_open_tracking" ON "tickets"."visits" ("customer_id")
        WHERE "kind" = 'KEY_CUSTOMER_TRACKING' AND "completed_at" IS NULL`,
    );
    await queryRunner.query(`
      CREATE TABLE "tickets"."handovers" (
        "id" UUID PRIMARY KEY,
        "queue_id" TEXT NOT NULL,
        "from_agent_id" TEXT NOT NULL,
        "to_agent_id" TEXT,
        "note" TEXT,
        "created_at" TIMESTAMPTZ NOT NULL,
        "acknowledged_at" TIMESTAMPTZ,
        "acknowledged_by" TEXT
      )`);
    await queryRunner.query(
      `CREATE INDEX "handovers_queue_created" ON "tickets"."handovers" ("queue_id", "created_at" DESC, "id" DESC)`,
    );
    await queryRunner.query(`
      CREATE TABLE "tickets"."handover_items" (
        "handover_id" UUID NOT NULL REFERENCES "tickets"."handovers" ("id"),
        "position" INTEGER NOT NULL,
        "ticket_id" UUID NOT NULL REFERENCES "tickets"."tickets" ("id"),
        "status" TEXT NOT NULL,
        "next_step" TEXT,
        PRIMARY KEY ("handover_id", "position")
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "tickets"."handover_items"`);
    await queryRunner.query(`DROP TABLE "tickets"."handovers"`);
    await queryRunner.query(`DROP TABLE "tickets"."visits"`);
    await queryRunner.query(`DROP TABLE "tickets"."service_language_rules"`);
    await queryRunner.query(`ALTER TABLE "tickets"."tickets" DROP COLUMN "customer_region"`);
    await queryRunner.query(`ALTER TABLE "tickets"."tickets" DROP COLUMN "customer_tier"`);
  }
}
