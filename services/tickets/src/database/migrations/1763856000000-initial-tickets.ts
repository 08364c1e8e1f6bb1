import {
  createPlatformTables,
  dropPlatformTables,
  type MigrationInterface,
  type QueryRunner,
} from '@deskgraph/platform';

export class InitialTickets1763856000000 implements MigrationInterface {
  name = 'InitialTickets1763856000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await createPlatformTables(queryRunner, 'tickets', { outboxNotifyTrigger: true });
    await queryRunner.query(`
      CREATE TABLE "tickets"."tickets" (
        "id" UUID PRIMARY KEY,
        "number" TEXT NOT NULL,
        "title" TEXT NOT NULL,
        "description" TEXT NOT NULL,
        "channel" TEXT NOT NULL,
        "type" TEXT NOT NULL,
        "category" TEXT,
        "priority" TEXT NOT NULL,
        "status" TEXT NOT NULL,
        "queue_id" TEXT NOT NULL,
        "customer_id" TEXT NOT NULL,
        "customer_name" TEXT NOT NULL,
        "customer_type" TEXT NOT NULL,
        "customer_contact" TEXT,
        "created_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
        "version" INTEGER NOT NULL
      )`);
    await queryRunner.query(`CREATE UNIQUE INDEX "tickets_number_idx" ON "tickets"."tickets" ("number")`);
    await queryRunner.query(`CREATE INDEX "tickets_queue_idx" ON "tickets"."tickets" ("queue_id")`);
    await queryRunner.query(`CREATE INDEX "tickets_customer_idx" ON "tickets"."tickets" ("customer_id")`);
    // One row per month; the upsert's row lock serialises concurrent creators.
    await queryRunner.query(`
      CREATE TABLE "tickets"."ticket_number_sequences" (
        "month_key" TEXT PRIMARY KEY,
        "last_value" INTEGER NOT NULL
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "tickets"."ticket_number_sequences"`);
    await queryRunner.query(`DROP TABLE "tickets"."tickets"`);
    await dropPlatformTables(queryRunner, 'tickets');
  }
}
