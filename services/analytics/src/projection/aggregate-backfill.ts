import type { BackgroundWorker, Logger } from '@deskgraph/platform';
import type { DataSource, EntityManager } from 'typeorm';
import { activeGeneration } from '../events/consumers/projection.consumer';
import { writeAggregateDeltas } from './aggregate-store';
import { generationSchema } from './projection-tables';

/**
 * Aggregates of a generation that had projection rows before it had
 * aggregates (an upgrade) are filled from those rows, in ticket-id order, a
 * chunk per transaction: each ticket adds its contribution as it stands, the
 * very sum the appliers keep. `analytics.aggregate_backfill` holds the
 * generation's cursor (the last ticket id done) until it is complete; no row
 * means complete. While a cursor exists the appliers write aggregate deltas
 * only for tickets at or below it (later tickets are counted when the
 * backfill reaches them, from their rows as they are then), and a chunk
 * locks the cursor row FOR UPDATE while consumer batches hold it FOR SHARE,
 * so a chunk and a batch never interleave: every ticket is counted once.
 */
export const BACKFILL_CHUNK = 2000;

/**
 * How far the aggregates of a generation are complete, read FOR SHARE in the
 * caller's transaction: undefined when they are whole, otherwise the last
 * ticket id counted (null: none yet).
 */
export async function aggregatesThrough(
  manager: EntityManager,
  generation: number,
): Promise<string | null | undefined> {
  const rows: { after_ticket: string | null }[] = await manager.query(
    `SELECT after_ticket FROM analytics.aggregate_backfill WHERE generation = $1 FOR SHARE`,
    [generation],
  );
  return rows.length === 0 ? undefined : rows[0].after_ticket;
}

/** One chunk of the active generation's backfill; false once nothing is left. */
export async function backfillAggregatesStep(
  dataSource: DataSource,
  timeZone: string,
  chunk = BACKFILL_CHUNK,
): Promise<boolean> {
  return dataSource.transaction(async (manager) => {
    // FOR SHARE: a rebuild's switch-over waits for the chunk.
    const generation = await activeGeneration(manager, true);
    // A generation that is no longer active is never read again (the next rebuild drops it).
    await manager.query(`DELETE FROM analytics.aggregate_backfill WHERE generation <> $1`, [generation]);
    const pending: { after_ticket: string | null }[] = await manager.query(
      `SELECT after_ticket FROM analytics.aggregate_backfill WHERE generation = $1 FOR UPDATE`,
      [generation],
    );
    if (pending.length === 0) return false;
    const schema = generationSchema(generation);
    const q = (sql: string, parameters: unknown[]) =>
      manager.query(sql.replaceAll('§', `"${schema}"`), parameters);
    const ids = (
      (await q(
        `SELECT ticket_id FROM §.tickets WHERE $1::uuid IS NULL OR ticket_id > $1::uuid ORDER BY ticket_id LIMIT $2`,
        [pending[0].after_ticket, chunk],
      )) as { ticket_id: string }[]
    ).map((row) => row.ticket_id);
    if (ids.length === 0) {
      await manager.query(`DELETE FROM analytics.aggregate_backfill WHERE generation = $1`, [generation]);
      return false;
    }
    // No contribution before: each ticket adds what it contributes now.
    await writeAggregateDeltas(q, new Map(), ids, timeZone);
    await manager.query(`UPDATE analytics.aggregate_backfill SET after_ticket = $2 WHERE generation = $1`, [
      generation,
      ids.at(-1),
    ]);
    return true;
  });
}

/**
 * Runs the backfill at start, in the background (the service answers
 * meanwhile, with figures that grow until it is done), chunk after chunk
 * until complete; replicas share the work through the cursor row.
 */
export function createAggregateBackfillWorker(
  dataSource: DataSource,
  timeZone: string,
  logger: Logger,
): BackgroundWorker {
  let stopping = false;
  let running: Promise<void> | null = null;
  async function run() {
    let chunks = 0;
    while (!stopping) {
      try {
        if (!(await backfillAggregatesStep(dataSource, timeZone))) break;
        chunks++;
        if (chunks % 50 === 0)
          logger.info({ tickets: chunks * BACKFILL_CHUNK }, 'aggregate backfill running');
      } catch (error) {
        logger.warn({ err: error }, 'aggregate backfill step failed; retrying');
        await new Promise((resolve) => setTimeout(resolve, 5_000));
      }
    }
    if (chunks > 0 && !stopping) logger.info({ chunks }, 'aggregate backfill complete');
  }
  return {
    name: 'aggregate-backfill',
    async start() {
      running = run();
    },
    async stop() {
      stopping = true;
      await running;
    },
  };
}
