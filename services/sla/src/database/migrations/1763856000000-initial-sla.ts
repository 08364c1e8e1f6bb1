import {
  createPlatformTables,
  dropPlatformTables,
  type MigrationInterface,
  type QueryRunner,
} from '@deskgraph/platform';

export class InitialSla1763856000000 implements MigrationInterface {
  name = 'InitialSla1763856000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await createPlatformTables(queryRunner, 'sla', { outboxNotifyTrigger: true });
    await queryRunner.query(`
      CREATE TABLE "sla"."tracked_tickets" (
        "ticket_id" UUID PRIMARY KEY,
        "queue_id" TEXT NOT NULL,
        "customer_id" TEXT NOT NULL,
        "priority" TEXT NOT NULL,
        "created_at" TIMESTAMPTZ NOT NULL
      )`);
    await queryRunner.query(`
      CREATE TABLE "sla"."clocks" (
        "id" UUID PRIMARY KEY,
        "ticket_id" UUID NOT NULL REFERENCES "sla"."tracked_tickets" ("ticket_id"),
        "target" TEXT NOT NULL,
        "state" TEXT NOT NULL,
        "priority" TEXT NOT NULL,
        "started_at" TIMESTAMPTZ NOT NULL,
        "due_at" TIMESTAMPTZ,
        "business_time" BOOLEAN NOT NULL,
        CONSTRAINT "clocks_ticket_target_uq" UNIQUE ("ticket_id", "target")
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "sla"."clocks"`);
    await queryRunner.query(`DROP TABLE "sla"."tracked_tickets"`);
    await dropPlatformTables(queryRunner, 'sla');
  }
}
