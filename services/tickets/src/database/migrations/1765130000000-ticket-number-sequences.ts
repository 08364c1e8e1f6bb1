import type { MigrationInterface, QueryRunner } from '@deskgraph/platform';

/**
 * Ticket numbers come from one PostgreSQL SEQUENCE per month
 * (`tickets.ticket_number_YYYYMM`) instead of an upserted row per month.
 * The row's lock was held from the upsert until commit, so creations ran
 * one at a time; `nextval` takes no lock that lasts until commit. Existing
 * months continue where their row stood.
 */
export class TicketNumberSequences1765130000000 implements MigrationInterface {
  name = 'TicketNumberSequences1765130000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      DO $$
      DECLARE month record;
      BEGIN
        FOR month IN SELECT month_key, last_value FROM "tickets"."ticket_number_sequences" LOOP
          EXECUTE format('CREATE SEQUENCE "tickets".%I AS bigint MINVALUE 1 CACHE 1',
            'ticket_number_' || month.month_key);
          PERFORM setval(format('"tickets".%I', 'ticket_number_' || month.month_key), month.last_value);
        END LOOP;
      END $$`);
    await queryRunner.query(`DROP TABLE "tickets"."ticket_number_sequences"`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "tickets"."ticket_number_sequences" (
        "month_key" TEXT PRIMARY KEY,
        "last_value" INTEGER NOT NULL
      )`);
    await queryRunner.query(`
      INSERT INTO "tickets"."ticket_number_sequences" ("month_key", "last_value")
      SELECT substring(sequencename FROM 15), last_value FROM pg_sequences
       WHERE schemaname = 'tickets' AND sequencename ~ '^ticket_number_[0-9]{6}$' AND last_value IS NOT NULL`);
    await queryRunner.query(`
      DO $$
      DECLARE month record;
      BEGIN
        FOR month IN SELECT sequencename FROM pg_sequences
          WHERE schemaname = 'tickets' AND sequencename ~ '^ticket_number_[0-9]{6}$' LOOP
          EXECUTE format('DROP SEQUENCE "tickets".%I', month.sequencename);
        END LOOP;
      END $$`);
  }
}
