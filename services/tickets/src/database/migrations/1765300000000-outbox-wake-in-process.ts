import {
  createOutboxNotifyTrigger,
  dropOutboxNotifyTrigger,
  type MigrationInterface,
  type QueryRunner,
} from '@deskgraph/platform';

/** The relay is woken in-process after each commit; a NOTIFY per commit serialised commits cluster-wide. */
export class OutboxWakeInProcess1765300000000 implements MigrationInterface {
  name = 'OutboxWakeInProcess1765300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await dropOutboxNotifyTrigger(queryRunner, 'tickets');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await createOutboxNotifyTrigger(queryRunner, 'tickets');
  }
}
