import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * SQL for the tables every service needs: the transactional outbox and the
 * processed-event log of its idempotent consumers. Each service's first
 * migration calls these, so the tables live in the service's own schema.
 */
export async function createPlatformTables(queryRunner: QueryRunner, schema: string): Promise<void> {
  await queryRunner.query(`
    CREATE TABLE "${schema}"."outbox" (
      "sequence" BIGSERIAL PRIMARY KEY,
      "event_id" UUID NOT NULL UNIQUE,
      "topic" TEXT NOT NULL,
      "message_key" TEXT NOT NULL,
      "event_type" TEXT NOT NULL,
      "payload" JSONB NOT NULL,
      "created_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
      "published_at" TIMESTAMPTZ,
      "attempts" INTEGER NOT NULL DEFAULT 0,
      "last_error" TEXT
    )`);
  await queryRunner.query(
    `CREATE INDEX "outbox_unpublished_idx" ON "${schema}"."outbox" ("sequence") WHERE "published_at" IS NULL`,
  );
  // NOTIFY is delivered on commit, so the relay wakes exactly when rows become visible.
  await queryRunner.query(`
    CREATE FUNCTION "${schema}"."outbox_notify"() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM pg_notify('${schema}_outbox', '');
      RETURN NULL;
    END $$`);
  await queryRunner.query(`
    CREATE TRIGGER "outbox_notify_trigger" AFTER INSERT ON "${schema}"."outbox"
    FOR EACH STATEMENT EXECUTE FUNCTION "${schema}"."outbox_notify"()`);
  await queryRunner.query(`
    CREATE TABLE "${schema}"."processed_events" (
      "consumer_group" TEXT NOT NULL,
      "event_id" TEXT NOT NULL,
      "event_type" TEXT NOT NULL,
      "processed_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
      PRIMARY KEY ("consumer_group", "event_id")
    )`);
}

export async function dropPlatformTables(queryRunner: QueryRunner, schema: string): Promise<void> {
  await queryRunner.query(`DROP TABLE "${schema}"."processed_events"`);
  await queryRunner.query(`DROP TRIGGER "outbox_notify_trigger" ON "${schema}"."outbox"`);
  await queryRunner.query(`DROP FUNCTION "${schema}"."outbox_notify"()`);
  await queryRunner.query(`DROP TABLE "${schema}"."outbox"`);
}

export function outboxChannel(schema: string): string {
  return `${schema}_outbox`;
}

export type { MigrationInterface, QueryRunner };
