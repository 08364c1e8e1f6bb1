import type { MigrationInterface, QueryRunner } from '@deskgraph/platform';
import { generationSchema } from '../../projection/projection-tables';

/**
 * Upgrades from before the daily aggregates: the active generation's
 * aggregates are emptied (they hold nothing, or only the deltas written
 * since 1765100000000 added the tables) and marked for the backfill the
 * service runs at start from the projection rows (src/projection/
 * aggregate-backfill.ts), so no manual rebuild is needed. On a fresh
 * database the generation has no tickets and the backfill ends at once.
 */
export class AggregateBackfill1765200000000 implements MigrationInterface {
  name = 'AggregateBackfill1765200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE IF NOT EXISTS "analytics"."aggregate_backfill" ("generation" INTEGER PRIMARY KEY, "after_ticket" UUID)`,
    );
    const [{ generation }] = await queryRunner.query(`SELECT generation FROM "analytics"."projection_state"`);
    const schema = generationSchema(generation);
    await queryRunner.query(
      `TRUNCATE "${schema}"."agg_counters", "${schema}"."agg_histograms", "${schema}"."agg_backlog"`,
    );
    await queryRunner.query(
      `INSERT INTO "analytics"."aggregate_backfill" (generation, after_ticket) VALUES ($1, NULL)
       ON CONFLICT (generation) DO UPDATE SET after_ticket = NULL`,
      [generation],
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE IF EXISTS "analytics"."aggregate_backfill"`);
  }
}
