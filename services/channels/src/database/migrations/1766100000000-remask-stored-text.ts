import { remaskStoredText, type MigrationInterface, type QueryRunner } from '@deskgraph/platform';

/**
 * Re-masks the text channels stored (mail subjects, bodies, sender names,
 * attachment names, mail and delivery logs, robot texts, event bodies kept
 * for webhooks) with the current detector: `npm run privacy:remask` did not
 * cover the channels schema, so nothing had. Keys, secrets and addresses
 * (the same as the CLI's) stay as they are. Masking cannot be undone, so
 * `down` changes nothing.
 */
export class RemaskStoredText1766100000000 implements MigrationInterface {
  name = 'RemaskStoredText1766100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await remaskStoredText((sql, parameters) => queryRunner.query(sql, parameters), {
      schema: 'channels',
      keepColumns: [
        'inbound_mail.message_id',
        'inbound_mail.in_reply_to',
        'inbound_mail.references',
        'inbound_mail.from_address',
        'mail_message_ids.message_id',
        'mail_threads.address',
        'outbound_mail.message_id',
        'outbound_mail.to_address',
        'webhook_endpoints.url',
        'webhook_endpoints.secret',
      ],
    });
  }

  async down(): Promise<void> {}
}
