import type { MigrationInterface, QueryRunner } from '@deskgraph/platform';
import { aggregateTable, DAY_QUEUE, keyColumns, ROLLUPS } from '../../projection/aggregate-grains';
import { createRollupTables, generationSchema } from '../../projection/projection-tables';

/**
 * Month and desk-wide aggregate grains (issue #14) in the active generation;
 * later generations get them from createProjectionTables. Each is (re)filled
 * as the sum of the day × queue rows as they stand: the grains stay sums of the
 * base from then on (the appliers and a still-running upgrade backfill write
 * every delta to all of them), so no backfill or rebuild is needed.
 */
export class AggregateRollups1765400000000 implements MigrationInterface {
  name = 'AggregateRollups1765400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const [{ generation }] = await queryRunner.query(`SELECT generation FROM "analytics"."projection_state"`);
    const schema = generationSchema(generation);
    await createRollupTables((sql) => queryRunner.query(sql), schema, ROLLUPS);
    for (const grain of ROLLUPS) {
      for (const kind of ['counters', 'histograms'] as const) {
        const names = keyColumns(kind, grain).map(([column]) => column);
        const day = grain.month ? `date_trunc('month', day)::date` : 'day';
        const selected = names.map((column) => (column === 'day' ? `${day} AS day` : column));
        await queryRunner.query(`TRUNCATE "${schema}"."${aggregateTable(kind, grain)}"`);
        await queryRunner.query(
          `INSERT INTO "${schema}"."${aggregateTable(kind, grain)}" (${names.join(', ')}, n, total)
           SELECT ${selected.join(', ')}, sum(n), sum(total) FROM "${schema}"."${aggregateTable(kind, DAY_QUEUE)}"
            GROUP BY ${names.map((_, index) => index + 1).join(', ')} HAVING sum(n) <> 0 OR sum(total) <> 0`,
        );
      }
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const [{ generation }] = await queryRunner.query(`SELECT generation FROM "analytics"."projection_state"`);
    for (const grain of ROLLUPS) {
      for (const kind of ['counters', 'histograms'] as const) {
        await queryRunner.query(
          `DROP TABLE IF EXISTS "${generationSchema(generation)}"."${aggregateTable(kind, grain)}"`,
        );
      }
    }
  }
}
