import type { MigrationInterface, QueryRunner } from '@deskgraph/platform';

/** Lets the retention sweep find long-fired timers without scanning the table. */
export class FiredTimersRetention1765100000002 implements MigrationInterface {
  name = 'FiredTimersRetention1765100000002';
  // CREATE INDEX CONCURRENTLY cannot run in a transaction; it keeps the scheduler writing meanwhile.
  transaction = false;

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE INDEX CONCURRENTLY IF NOT EXISTS "timers_fired_idx" ON "sla"."timers" ("fired_at") WHERE "fired_at" IS NOT NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX CONCURRENTLY IF EXISTS "sla"."timers_fired_idx"`);
  }
}
