import type { MigrationInterface, QueryRunner } from '@deskgraph/platform';
import { shanghaiStandardCalendar } from '../../calendar/business-calendar';
import { DEFAULT_POLICY } from '../../policy/sla-policy';

/** Versioned policies and calendars, pausable clocks and durable timers. */
export class SlaEngine1763860000000 implements MigrationInterface {
  name = 'SlaEngine1763860000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['calendars', 'policies']) {
      await queryRunner.query(`
        CREATE TABLE "sla"."${table}" (
          "id" TEXT NOT NULL,
          "version" INTEGER NOT NULL,
          "effective_from" TIMESTAMPTZ NOT NULL,
          "definition" JSONB NOT NULL,
          "created_by" TEXT NOT NULL,
          "created_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
          PRIMARY KEY ("id", "version")
        )`);
    }
    await queryRunner.query(
      `INSERT INTO "sla"."calendars" ("id", "version", "effective_from", "definition", "created_by")
       VALUES ('default', 1, '1970-01-01T00:00:00Z', $1, 'migration')`,
      [JSON.stringify(shanghaiStandardCalendar())],
    );
    await queryRunner.query(
      `INSERT INTO "sla"."policies" ("id", "version", "effective_from", "definition", "created_by")
       VALUES ('default', 1, '1970-01-01T00:00:00Z', $1, 'migration')`,
      [JSON.stringify(DEFAULT_POLICY)],
    );
    await queryRunner.query(`
      ALTER TABLE "sla"."tracked_tickets"
        ADD COLUMN "ticket_type" TEXT NOT NULL DEFAULT 'OTHER',
        ADD COLUMN "customer_type" TEXT,
        ADD COLUMN "status" TEXT NOT NULL DEFAULT 'NEW',
        ADD COLUMN "version" INTEGER NOT NULL DEFAULT 1`);
    await queryRunner.query(`
      ALTER TABLE "sla"."clocks"
        ADD COLUMN "queue_id" TEXT NOT NULL DEFAULT '',
        ADD COLUMN "cycle" INTEGER NOT NULL DEFAULT 1,
        ADD COLUMN "target_ms" BIGINT NOT NULL DEFAULT 0,
        ADD COLUMN "warning_share" REAL NOT NULL DEFAULT 0.8,
        ADD COLUMN "warning_at" TIMESTAMPTZ,
        ADD COLUMN "policy_version" INTEGER NOT NULL DEFAULT 1,
        ADD COLUMN "calendar_id" TEXT,
        ADD COLUMN "calendar_version" INTEGER,
        ADD COLUMN "pauses" JSONB NOT NULL DEFAULT '[]',
        ADD COLUMN "warned_at" TIMESTAMPTZ,
        ADD COLUMN "breached_at" TIMESTAMPTZ,
        ADD COLUMN "fulfilled_at" TIMESTAMPTZ,
        ADD COLUMN "stopped_at" TIMESTAMPTZ`);
    await queryRunner.query(
      `CREATE INDEX "clocks_queue_due_idx" ON "sla"."clocks" ("queue_id", "due_at") WHERE "state" IN ('RUNNING', 'BREACHED')`,
    );
    // Timers live in PostgreSQL so a restart or an outage never loses one.
    await queryRunner.query(`
      CREATE TABLE "sla"."timers" (
        "id" BIGSERIAL PRIMARY KEY,
        "clock_id" UUID NOT NULL REFERENCES "sla"."clocks" ("id"),
        "cycle" INTEGER NOT NULL,
        "kind" TEXT NOT NULL,
        "fire_at" TIMESTAMPTZ NOT NULL,
        "fired_at" TIMESTAMPTZ,
        "late_ms" BIGINT
      )`);
    await queryRunner.query(
      `CREATE INDEX "timers_due_idx" ON "sla"."timers" ("fire_at") WHERE "fired_at" IS NULL`,
    );
    await queryRunner.query(`
      CREATE TABLE "sla"."anomalies" (
        "kind" TEXT NOT NULL,
        "event_type" TEXT NOT NULL,
        "count" BIGINT NOT NULL DEFAULT 0,
        "last_seen_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
        PRIMARY KEY ("kind", "event_type")
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "sla"."anomalies"`);
    await queryRunner.query(`DROP TABLE "sla"."timers"`);
    await queryRunner.query(`DROP INDEX "sla"."clocks_queue_due_idx"`);
    await queryRunner.query(`
      ALTER TABLE "sla"."clocks"
        DROP COLUMN "queue_id", DROP COLUMN "cycle", DROP COLUMN "target_ms", DROP COLUMN "warning_share",
        DROP COLUMN "warning_at", DROP COLUMN "policy_version", DROP COLUMN "calendar_id",
        DROP COLUMN "calendar_version", DROP COLUMN "pauses", DROP COLUMN "warned_at", DROP COLUMN "breached_at",
        DROP COLUMN "fulfilled_at", DROP COLUMN "stopped_at"`);
    await queryRunner.query(`
      ALTER TABLE "sla"."tracked_tickets"
        DROP COLUMN "ticket_type", DROP COLUMN "customer_type", DROP COLUMN "status", DROP COLUMN "version"`);
    await queryRunner.query(`DROP TABLE "sla"."policies"`);
    await queryRunner.query(`DROP TABLE "sla"."calendars"`);
  }
}
