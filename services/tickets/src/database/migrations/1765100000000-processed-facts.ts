import {
  createProcessedFactsTable,
  dropProcessedFactsTable,
  type MigrationInterface,
  type QueryRunner,
} from '@deskgraph/platform';

/** Domain keys of consumed facts (an SLA breach is its clock and cycle), so a re-sent fact acts once. */
export class ProcessedFacts1765100000000 implements MigrationInterface {
  name = 'ProcessedFacts1765100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await createProcessedFactsTable(queryRunner, 'tickets');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await dropProcessedFactsTable(queryRunner, 'tickets');
  }
}
