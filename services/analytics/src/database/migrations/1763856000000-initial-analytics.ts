import {
  createPlatformTables,
  dropPlatformTables,
  type MigrationInterface,
  type QueryRunner,
} from '@deskgraph/platform';

export class InitialAnalytics1763856000000 implements MigrationInterface {
  name = 'InitialAnalytics1763856000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await createPlatformTables(queryRunner, 'analytics', { outboxNotifyTrigger: true });
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
    await queryRunner.query(
      `CREATE INDEX "ticket_facts_created_idx" ON "analytics"."ticket_facts" ("created_at", "queue_id")`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "analytics"."ticket_facts"`);
    await dropPlatformTables(queryRunner, 'analytics');
  }
}
