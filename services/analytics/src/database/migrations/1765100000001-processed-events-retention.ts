import {
  createProcessedEventsRetentionIndex,
  dropProcessedEventsRetentionIndex,
  type MigrationInterface,
  type QueryRunner,
} from '@deskgraph/platform';

/** Lets the retention sweep find old processed-event marks without scanning the table. */
export class ProcessedEventsRetention1765100000001 implements MigrationInterface {
  name = 'ProcessedEventsRetention1765100000001';
  // CREATE INDEX CONCURRENTLY cannot run in a transaction; it keeps consumers writing meanwhile.
  transaction = false;

  async up(queryRunner: QueryRunner): Promise<void> {
    await createProcessedEventsRetentionIndex(queryRunner, 'analytics');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await dropProcessedEventsRetentionIndex(queryRunner, 'analytics');
  }
}
