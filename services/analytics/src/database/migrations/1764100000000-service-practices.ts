import type { MigrationInterface, QueryRunner } from '@deskgraph/platform';
import { createServicePracticeTables, generationSchema } from '../../projection/projection-tables';

/**
 * Service practices (issue #8): customer tier and region, refused replies
 * and visits in the active projection generation (later generations get
 * them from createProjectionTables); KPI targets as data with the handbook
 * defaults; the last known met/missed state per KPI and scope, so a
 * crossing is announced exactly once.
 */
export class ServicePractices1764100000000 implements MigrationInterface {
  name = 'ServicePractices1764100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const [{ generation }] = await queryRunner.query(`SELECT generation FROM "analytics"."projection_state"`);
    await createServicePracticeTables((sql) => queryRunner.query(sql), generationSchema(generation));
    await queryRunner.query(`
      CREATE TABLE "analytics"."kpi_targets" (
        "id" UUID PRIMARY KEY DEFAULT gen_random_uuid(),
        "kpi" TEXT NOT NULL,
        "queue_id" TEXT,
        "target" DOUBLE PRECISION NOT NULL CHECK ("target" >= 0 AND "target" <= 1),
        "direction" TEXT NOT NULL CHECK ("direction" IN ('AT_LEAST', 'AT_MOST')),
        "updated_by" TEXT NOT NULL,
        "updated_at" TIMESTAMPTZ NOT NULL DEFAULT now()
      )`);
    // One target per KPI and scope; '' stands for desk-wide so the pair is unique.
    await queryRunner.query(
      `CREATE UNIQUE INDEX "kpi_targets_scope_idx" ON "analytics"."kpi_targets" ("kpi", COALESCE("queue_id", ''))`,
    );
    await queryRunner.query(`
      INSERT INTO "analytics"."kpi_targets" ("kpi", "queue_id", "target", "direction", "updated_by") VALUES
        ('replyRate', NULL, 1, 'AT_LEAST', 'handbook'),
        ('onTimeReplyRate', NULL, 1, 'AT_LEAST', 'handbook'),
        ('repeatComplaintRate', NULL, 0.01, 'AT_MOST', 'handbook'),
        ('satisfactionRate', NULL, 0.9, 'AT_LEAST', 'handbook'),
        ('keyCustomerComplaintSatisfactionRate', NULL, 0.95, 'AT_LEAST', 'handbook'),
        ('complaintAnsweredWithin48h', NULL, 1, 'AT_LEAST', 'handbook')`);
    await queryRunner.query(`
      CREATE TABLE "analytics"."kpi_target_state" (
        "kpi" TEXT NOT NULL,
        "scope" TEXT NOT NULL,
        "met" BOOLEAN NOT NULL,
        "value" DOUBLE PRECISION NOT NULL,
        "target" DOUBLE PRECISION NOT NULL,
        "changed_at" TIMESTAMPTZ NOT NULL,
        PRIMARY KEY ("kpi", "scope")
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "analytics"."kpi_target_state"`);
    await queryRunner.query(`DROP TABLE "analytics"."kpi_targets"`);
    const [{ generation }] = await queryRunner.query(`SELECT generation FROM "analytics"."projection_state"`);
    const schema = generationSchema(generation);
    await queryRunner.query(`DROP TABLE IF EXISTS "${schema}"."visits"`);
    await queryRunner.query(`DROP TABLE IF EXISTS "${schema}"."reply_refusals"`);
    await queryRunner.query(`ALTER TABLE "${schema}"."tickets" DROP COLUMN IF EXISTS "customer_region"`);
    await queryRunner.query(`ALTER TABLE "${schema}"."tickets" DROP COLUMN IF EXISTS "customer_tier"`);
  }
}
