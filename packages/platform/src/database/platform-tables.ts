import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * SQL for the tables every service needs: the transactional outbox and the
 * processed-event log of its idempotent consumers. Each service's first
 * migration calls these, so the tables live in the service's own schema.
 */
export async function createPlatformTables(
  queryRunner: QueryRunner,
  schema: string,
  /** Only the four landed first migrations: they created the NOTIFY trigger their 17653… migration drops. */
  options: { outboxNotifyTrigger?: boolean } = {},
): Promise<void> {
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
  if (options.outboxNotifyTrigger) await createOutboxNotifyTrigger(queryRunner, schema);
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
  // The trigger, where a first migration created it, goes with the table.
  await queryRunner.query(`DROP TABLE "${schema}"."outbox"`);
  await queryRunner.query(`DROP FUNCTION IF EXISTS "${schema}"."outbox_notify"()`);
}

/**
 * The trigger the first four services' first migrations created: a NOTIFY in
 * every transaction that wrote the outbox. Their 17653… migrations drop it,
 * because PostgreSQL serialises the commits of all notifying transactions
 * cluster-wide; the relay is woken in-process after the commit instead.
 */
export async function createOutboxNotifyTrigger(queryRunner: QueryRunner, schema: string): Promise<void> {
  await queryRunner.query(`
    CREATE FUNCTION "${schema}"."outbox_notify"() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM pg_notify('${schema}_outbox', '');
      RETURN NULL;
    END $$`);
  await queryRunner.query(`
    CREATE TRIGGER "outbox_notify_trigger" AFTER INSERT ON "${schema}"."outbox"
    FOR EACH STATEMENT EXECUTE FUNCTION "${schema}"."outbox_notify"()`);
}

export async function dropOutboxNotifyTrigger(queryRunner: QueryRunner, schema: string): Promise<void> {
  await queryRunner.query(`DROP TRIGGER "outbox_notify_trigger" ON "${schema}"."outbox"`);
  await queryRunner.query(`DROP FUNCTION "${schema}"."outbox_notify"()`);
}

export type { MigrationInterface, QueryRunner };
