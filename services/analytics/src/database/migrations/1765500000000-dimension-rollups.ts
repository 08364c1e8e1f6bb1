import { parseEnvironment, type MigrationInterface, type QueryRunner } from '@deskgraph/platform';
import { analyticsModel } from '../../environment';
import { aggregateTable, DIMENSION_GRAINS } from '../../projection/aggregate-grains';
import { addToDimensionGrains } from '../../projection/aggregate-store';
import { createRollupTables, generationSchema } from '../../projection/projection-tables';

const CHUNK = 2000;

/**
 * Single-dimension grains (priority, channel, type; aggregate-grains.ts) in
 * the active generation; later generations get them from
 * createProjectionTables. They cannot be summed from the other grains (those
 * have no dimension), so they are filled from the projection rows: each
 * ticket's contribution as it stands, in ticket-id order, a chunk of 2,000 per
 * statement, in the migration's transaction (before this process consumes).
 * While an upgrade backfill (aggregate-backfill.ts) is still running, only the
 * tickets it has passed are added: it writes every grain, these included, for
 * the rest.
 */
export class DimensionRollups1765500000000 implements MigrationInterface {
  name = 'DimensionRollups1765500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const [{ generation }] = await queryRunner.query(`SELECT generation FROM "analytics"."projection_state"`);
    const schema = generationSchema(generation);
    // Desk days are the service's (DESK_TIME_ZONE), as the appliers write them.
    const { timeZone } = parseEnvironment({ analytics: analyticsModel }).analytics;
    await createRollupTables((sql) => queryRunner.query(sql), schema, DIMENSION_GRAINS);
    for (const grain of DIMENSION_GRAINS) {
      for (const kind of ['counters', 'histograms'] as const) {
        await queryRunner.query(`TRUNCATE "${schema}"."${aggregateTable(kind, grain)}"`);
      }
    }
    const backfill: { after_ticket: string | null }[] = await queryRunner.query(
      `SELECT after_ticket FROM "analytics"."aggregate_backfill" WHERE generation = $1`,
      [generation],
    );
    // A running backfill has counted nothing past its cursor (null: nothing at all).
    if (backfill.length > 0 && backfill[0].after_ticket === null) return;
    const through = backfill[0]?.after_ticket ?? null;
    const q = (sql: string, parameters: unknown[]) =>
      queryRunner.query(sql.replaceAll('§', `"${schema}"`), parameters);
    let after: string | null = null;
    for (;;) {
      const ids: string[] = (
        (await q(
          `SELECT ticket_id FROM §.tickets
            WHERE ($1::uuid IS NULL OR ticket_id > $1::uuid) AND ($2::uuid IS NULL OR ticket_id <= $2::uuid)
            ORDER BY ticket_id LIMIT $3`,
          [after, through, CHUNK],
        )) as { ticket_id: string }[]
      ).map((row) => row.ticket_id);
      if (ids.length === 0) return;
      await addToDimensionGrains(q, ids, timeZone);
      after = ids.at(-1)!;
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const [{ generation }] = await queryRunner.query(`SELECT generation FROM "analytics"."projection_state"`);
    for (const grain of DIMENSION_GRAINS) {
      for (const kind of ['counters', 'histograms'] as const) {
        await queryRunner.query(
          `DROP TABLE IF EXISTS "${generationSchema(generation)}"."${aggregateTable(kind, grain)}"`,
        );
      }
    }
  }
}
