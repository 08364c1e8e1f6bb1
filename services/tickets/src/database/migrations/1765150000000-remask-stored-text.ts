import { remaskStoredText, type MigrationInterface, type QueryRunner } from '@deskgraph/platform';

/**
 * Re-masks text stored before masking moved to the input boundary (issue
 * #16): full-width and differently grouped numbers, IDs with a wrong check
 * digit and knowledge text were kept in clear. Idempotent; `npm run
 * privacy:remask` runs the same pass again at any time. Masking cannot be
 * undone, so `down` changes nothing.
 */
export class RemaskStoredText1765150000000 implements MigrationInterface {
  name = 'RemaskStoredText1765150000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await remaskStoredText((sql, parameters) => queryRunner.query(sql, parameters), {
      schema: 'tickets',
      phoneColumns: ['tickets.customer_contact'],
    });
  }

  async down(): Promise<void> {}
}
