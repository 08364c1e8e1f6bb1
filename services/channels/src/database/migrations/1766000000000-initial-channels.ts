import {
  createPlatformTables,
  dropPlatformTables,
  type MigrationInterface,
  type QueryRunner,
} from '@deskgraph/platform';

export class InitialChannels1766000000000 implements MigrationInterface {
  name = 'InitialChannels1766000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await createPlatformTables(queryRunner, 'channels');
    // The retention sweep finds old processed-event marks by this (a new table: no CONCURRENTLY needed).
    await queryRunner.query(
      `CREATE INDEX "processed_events_processed_at_idx" ON "channels"."processed_events" ("processed_at")`,
    );
    // Accepted mail, parsed and masked, written before the SMTP 250: the
    // processor turns it into a ticket or message from here, idempotently.
    await queryRunner.query(`
      CREATE TABLE "channels"."inbound_mail" (
        "id" UUID PRIMARY KEY,
        "message_id" TEXT NOT NULL UNIQUE,
        "from_address" TEXT NOT NULL,
        "from_name" TEXT,
        "subject" TEXT NOT NULL,
        "body" TEXT NOT NULL,
        "attachment_names" TEXT[] NOT NULL DEFAULT '{}',
        "in_reply_to" TEXT,
        "references" TEXT[] NOT NULL DEFAULT '{}',
        "received_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
        "state" TEXT NOT NULL,
        "ignored_reason" TEXT,
        "ticket_id" UUID,
        "attempts" INTEGER NOT NULL DEFAULT 0,
        "next_attempt_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
        "last_error" TEXT,
        "processed_at" TIMESTAMPTZ
      )`);
    await queryRunner.query(
      `CREATE INDEX "inbound_mail_pending_idx" ON "channels"."inbound_mail" ("next_attempt_at") WHERE "state" = 'PENDING'`,
    );
    // Who a ticket's mail goes to, and as which customer their replies are posted.
    await queryRunner.query(`
      CREATE TABLE "channels"."mail_threads" (
        "ticket_id" UUID PRIMARY KEY,
        "ticket_number" TEXT NOT NULL,
        "customer_id" TEXT NOT NULL,
        "address" TEXT NOT NULL,
        "name" TEXT,
        "subject" TEXT NOT NULL,
        "created_at" TIMESTAMPTZ NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(
      `CREATE INDEX "mail_threads_number_idx" ON "channels"."mail_threads" ("ticket_number")`,
    );
    // Every Message-ID seen or sent on a ticket, so In-Reply-To/References find it.
    await queryRunner.query(`
      CREATE TABLE "channels"."mail_message_ids" (
        "message_id" TEXT PRIMARY KEY,
        "ticket_id" UUID NOT NULL,
        "created_at" TIMESTAMPTZ NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE "channels"."outbound_mail" (
        "id" UUID PRIMARY KEY,
        "message_id" TEXT NOT NULL UNIQUE,
        "source_event_id" TEXT NOT NULL,
        "kind" TEXT NOT NULL,
        "ticket_id" UUID NOT NULL,
        "body" TEXT NOT NULL,
        "to_address" TEXT,
        "subject" TEXT,
        "state" TEXT NOT NULL,
        "attempts" INTEGER NOT NULL DEFAULT 0,
        "next_attempt_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
        "last_response" TEXT,
        "last_code" INTEGER,
        "created_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
        "sent_at" TIMESTAMPTZ,
        "failed_at" TIMESTAMPTZ,
        "failure_reason" TEXT,
        "agent_notified_at" TIMESTAMPTZ,
        UNIQUE ("source_event_id", "kind")
      )`);
    await queryRunner.query(
      `CREATE INDEX "outbound_mail_due_idx" ON "channels"."outbound_mail" ("next_attempt_at") WHERE "state" = 'PENDING'`,
    );
    await queryRunner.query(
      `CREATE INDEX "outbound_mail_unnotified_idx" ON "channels"."outbound_mail" ("failed_at")
       WHERE "failed_at" IS NOT NULL AND "agent_notified_at" IS NULL`,
    );
    // What webhooks and robots need of a ticket, kept from the ticket events.
    await queryRunner.query(`
      CREATE TABLE "channels"."ticket_facts" (
        "ticket_id" UUID PRIMARY KEY,
        "number" TEXT NOT NULL,
        "title" TEXT NOT NULL,
        "priority" TEXT NOT NULL,
        "queue_id" TEXT NOT NULL,
        "channel" TEXT NOT NULL,
        "customer_id" TEXT NOT NULL
      )`);
    await queryRunner.query(`
      CREATE TABLE "channels"."webhook_endpoints" (
        "id" UUID PRIMARY KEY,
        "name" TEXT NOT NULL,
        "url" TEXT NOT NULL,
        "format" TEXT NOT NULL,
        "secret" TEXT NOT NULL,
        "event_types" TEXT[] NOT NULL DEFAULT '{}',
        "queue_ids" TEXT[] NOT NULL DEFAULT '{}',
        "enabled" BOOLEAN NOT NULL DEFAULT true,
        "consecutive_failures" INTEGER NOT NULL DEFAULT 0,
        "disabled_reason" TEXT,
        "created_by" TEXT NOT NULL,
        "created_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMPTZ NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE "channels"."webhook_deliveries" (
        "id" UUID PRIMARY KEY,
        "endpoint_id" UUID NOT NULL REFERENCES "channels"."webhook_endpoints" ("id") ON DELETE CASCADE,
        "event_id" TEXT NOT NULL,
        "event_type" TEXT NOT NULL,
        "ticket_id" UUID,
        "body" TEXT NOT NULL,
        "state" TEXT NOT NULL,
        "attempts" INTEGER NOT NULL DEFAULT 0,
        "next_attempt_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
        "last_status" INTEGER,
        "last_error" TEXT,
        "replay_of" UUID,
        "created_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
        "delivered_at" TIMESTAMPTZ
      )`);
    // One delivery per endpoint and event; replays are new rows pointing at the original.
    await queryRunner.query(
      `CREATE UNIQUE INDEX "webhook_deliveries_event_idx" ON "channels"."webhook_deliveries" ("endpoint_id", "event_id") WHERE "replay_of" IS NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX "webhook_deliveries_due_idx" ON "channels"."webhook_deliveries" ("next_attempt_at") WHERE "state" = 'PENDING'`,
    );
    await queryRunner.query(
      `CREATE INDEX "webhook_deliveries_log_idx" ON "channels"."webhook_deliveries" ("endpoint_id", "created_at" DESC)`,
    );
    // 《客户满意度确认函》: one link per choice; using one uses the whole letter.
    await queryRunner.query(`
      CREATE TABLE "channels"."confirmation_links" (
        "id" UUID PRIMARY KEY,
        "letter_id" UUID NOT NULL,
        "ticket_id" UUID NOT NULL,
        "customer_id" TEXT NOT NULL,
        "choice" TEXT NOT NULL,
        "expires_at" TIMESTAMPTZ NOT NULL,
        "used_at" TIMESTAMPTZ,
        "created_at" TIMESTAMPTZ NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(
      `CREATE INDEX "confirmation_links_letter_idx" ON "channels"."confirmation_links" ("letter_id")`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of [
      'confirmation_links',
      'webhook_deliveries',
      'webhook_endpoints',
      'ticket_facts',
      'outbound_mail',
      'mail_message_ids',
      'mail_threads',
      'inbound_mail',
    ]) {
      await queryRunner.query(`DROP TABLE "channels"."${table}"`);
    }
    await dropPlatformTables(queryRunner, 'channels');
  }
}
