import {
  REMASK_COLUMN_RULES,
  remaskStoredText,
  type MigrationInterface,
  type QueryRunner,
} from '@deskgraph/platform';

/**
 * Re-masks the text channels stored (mail subjects, bodies, sender names,
 * attachment names, mail and delivery logs, robot texts, event bodies kept
 * for webhooks) with the current detector: `npm run privacy:remask` did not
 * cover the channels schema, so nothing had. Keys, secrets and addresses
 * (REMASK_COLUMN_RULES, shared with the CLI) stay as they are. Masking cannot be undone, so
 * `down` changes nothing.
 */
export class RemaskStoredText1766100000000 implements MigrationInterface {
  name = 'RemaskStoredText1766100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await remaskStoredText((sql, parameters) => queryRunner.query(sql, parameters), {
      schema: 'channels',
      ...REMASK_COLUMN_RULES.channels,
    });
  }

  async down(): Promise<void> {}
}
