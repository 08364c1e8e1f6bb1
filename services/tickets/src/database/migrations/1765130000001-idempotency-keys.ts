import type { MigrationInterface, QueryRunner } from '@deskgraph/platform';

/**
 * Idempotency keys of retried mutations, per caller: the first attempt's
 * request fingerprint and what it returned, kept at least 24 hours.
 */
export class IdempotencyKeys1765130000001 implements MigrationInterface {
  name = 'IdempotencyKeys1765130000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "tickets"."idempotency_keys" (
        "caller_id" TEXT NOT NULL,
        "key" TEXT NOT NULL,
        "operation" TEXT NOT NULL,
        "fingerprint" TEXT NOT NULL,
        "result" JSONB,
        "created_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
        PRIMARY KEY ("caller_id", "key")
      )`);
    await queryRunner.query(
      `CREATE INDEX "idempotency_keys_created_at" ON "tickets"."idempotency_keys" ("created_at")`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "tickets"."idempotency_keys"`);
  }
}
