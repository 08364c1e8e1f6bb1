import type { MigrationInterface, QueryRunner } from '@deskgraph/platform';
import { createAggregateTables, generationSchema } from '../../projection/projection-tables';

/**
 * Daily aggregates, the applied-fact keys and the missing indexes (agent,
 * today's replies, resolutions and ratings; issues #14, #17) in the active projection generation; later generations get them from
 * createProjectionTables. The aggregates start empty: run the rebuild once
 * after upgrading (README "Rebuild"), which fills them from the topics.
 */
export class DailyAggregates1765100000000 implements MigrationInterface {
  name = 'DailyAggregates1765100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const [{ generation }] = await queryRunner.query(`SELECT generation FROM "analytics"."projection_state"`);
    await createAggregateTables((sql) => queryRunner.query(sql), generationSchema(generation));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const [{ generation }] = await queryRunner.query(`SELECT generation FROM "analytics"."projection_state"`);
    const schema = generationSchema(generation);
    for (const table of ['agg_backlog', 'agg_histograms', 'agg_counters', 'applied_facts']) {
      await queryRunner.query(`DROP TABLE IF EXISTS "${schema}"."${table}"`);
    }
    for (const index of [
      'ticket_agents_agent_idx',
      'tickets_first_response_idx',
      'ticket_transitions_at_idx',
      'ratings_at_idx',
    ]) {
      await queryRunner.query(`DROP INDEX IF EXISTS "${schema}"."${index}"`);
    }
  }
}
