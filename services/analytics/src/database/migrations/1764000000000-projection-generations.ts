import type { MigrationInterface, QueryRunner } from '@deskgraph/platform';
import { createProjectionTables, generationSchema } from '../../projection/projection-tables';

/**
 * Moves the projections into generation schemas (analytics_g1 …) so a rebuild
 * can fill a fresh one from the topics and switch over, and adds the dirty
 * set behind the batched metrics_changed signal. The slice's ticket_facts
 * table is dropped: a rebuild refills everything from the topics.
 */
export class ProjectionGenerations1764000000000 implements MigrationInterface {
  name = 'ProjectionGenerations1764000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "analytics"."projection_state" (
        "id" INTEGER PRIMARY KEY CHECK ("id" = 1),
        "generation" INTEGER NOT NULL,
        "switched_at" TIMESTAMPTZ NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`INSERT INTO "analytics"."projection_state" ("id", "generation") VALUES (1, 1)`);
    await queryRunner.query(`
      CREATE TABLE "analytics"."dirty_queues" (
        "queue_id" TEXT PRIMARY KEY,
        "events" INTEGER NOT NULL DEFAULT 0
      )`);
    await createProjectionTables((sql) => queryRunner.query(sql), generationSchema(1));
    await queryRunner.query(`DROP TABLE "analytics"."ticket_facts"`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const [{ generation }] = await queryRunner.query(`SELECT generation FROM "analytics"."projection_state"`);
    await queryRunner.query(`DROP SCHEMA "${generationSchema(generation)}" CASCADE`);
    await queryRunner.query(`DROP TABLE "analytics"."dirty_queues"`);
    await queryRunner.query(`DROP TABLE "analytics"."projection_state"`);
    await queryRunner.query(`
      CREATE TABLE "analytics"."ticket_facts" (
        "ticket_id" UUID PRIMARY KEY,
        "number" TEXT,
        "created_at" TIMESTAMPTZ NOT NULL,
        "channel" TEXT,
        "type" TEXT,
        "category" TEXT,
        "priority" TEXT NOT NULL,
        "queue_id" TEXT NOT NULL,
        "first_response_due_at" TIMESTAMPTZ
      )`);
  }
}
