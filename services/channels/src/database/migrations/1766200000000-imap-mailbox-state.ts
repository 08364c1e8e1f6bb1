import type { MigrationInterface, QueryRunner } from '@deskgraph/platform';

export class ImapMailboxState1766200000000 implements MigrationInterface {
  name = 'ImapMailboxState1766200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // The last UID the IMAP poller took per mailbox and UIDVALIDITY: UIDs mean
    // nothing across validities, so a recreated folder starts a row of its own.
    await queryRunner.query(`
      CREATE TABLE "channels"."imap_mailbox_state" (
        "mailbox" TEXT NOT NULL,
        "uid_validity" TEXT NOT NULL,
        "last_uid" BIGINT NOT NULL,
        "updated_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
        PRIMARY KEY ("mailbox", "uid_validity")
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "channels"."imap_mailbox_state"`);
  }
}
