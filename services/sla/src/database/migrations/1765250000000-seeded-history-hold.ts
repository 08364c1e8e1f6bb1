import type { MigrationInterface, QueryRunner } from '@deskgraph/platform';

/**
 * Where a ticket's event stream has got to, so the scheduler does not fire a
 * timer ahead of seeded history still on its way (the demo seed's past).
 */
export class SeededHistoryHold1765250000000 implements MigrationInterface {
  name = 'SeededHistoryHold1765250000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE "sla"."tracked_tickets"
        ADD COLUMN "last_event_at" TIMESTAMPTZ,
        ADD COLUMN "hold_timers_until" TIMESTAMPTZ`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE "sla"."tracked_tickets" DROP COLUMN "hold_timers_until", DROP COLUMN "last_event_at"`);
  }
}
