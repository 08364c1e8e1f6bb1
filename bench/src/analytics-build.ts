import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { DeskgraphEvent } from '@deskgraph/events';
import { dropDatabase, ensureDatabase, splitDatabaseUrl } from '@deskgraph/infra';
import { databaseModel, migrateDataSource, parseEnvironment } from '@deskgraph/platform';
import { Client } from 'pg';
import { batchOf, DAY, TIME_ZONE } from './analytics-data';

// The analytics bench's build alone (issue #14): the bench's synthetic
// tickets through the projection appliers (applyEvents, the live consumer's
// code path), into a fresh database on DATABASE_URL, timed; no stack, no
// queries. For paired before/after build rates and for finding where a
// batch's time goes:
//   node bench/dist/src/analytics-build.js [--tickets 10000] [--batch 400] [--spread 1000000]
//     [--analytics <an analytics dist/src directory>] [--profile] [--sync-off] [--keep]
// --spread N spreads the tickets as the first ones of an N-ticket year (a 1M build's density per day);
// --analytics loads the appliers from another build (a copy of main's dist, for a paired comparison;
// run with NODE_PATH pointing at this checkout's node_modules); --profile times each statement;
// --sync-off commits the build's transactions with synchronous_commit off, as the bench does; --keep
// leaves the database (its name is printed) for EXPLAIN ANALYZE of the queries.
const { values } = parseArgs({
  options: {
    tickets: { type: 'string', default: '10000' },
    batch: { type: 'string', default: '400' },
    spread: { type: 'string' },
    analytics: { type: 'string' },
    profile: { type: 'boolean', default: false },
    'sync-off': { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
  },
});
const tickets = Number(values.tickets);
const batchTickets = Number(values.batch);
const spread = Number(values.spread ?? values.tickets);

type Apply = (
  events: DeskgraphEvent[],
  manager: unknown,
  schema: string,
  timeZone: string,
) => Promise<unknown>;
type CreateDataSource = (database: { url: string; poolSize: number }) => unknown;

/** The statement's first words with identifiers and literals dropped: one profile line per statement shape. */
function label(sql: string): string {
  const flat = sql.replace(/\s+/g, ' ').replace(/"[^"]*"\./g, '');
  const match =
    /(INSERT INTO \w+|UPDATE \w+|DELETE FROM \w+|SELECT t\.\*|WITH changed AS \( INSERT INTO \w+)/.exec(flat);
  return match ? match[1].replace('WITH changed AS ( ', 'upsert ') : flat.slice(0, 60);
}

async function main() {
  const root = values.analytics ?? join(require.resolve('@deskgraph/analytics'), '..');
  const { applyEvents } = (await import(join(root, 'projection/projection.applier.js'))) as {
    applyEvents: Apply;
  };
  const { createAnalyticsDataSource } = (await import(join(root, 'database/data-source.js'))) as {
    createAnalyticsDataSource: CreateDataSource;
  };
  const { url } = parseEnvironment({ database: databaseModel }).database;
  const { serverUrl } = splitDatabaseUrl(url);
  const databaseName = `analytics_build_${randomBytes(4).toString('hex')}`;
  const databaseUrl = await ensureDatabase(serverUrl, databaseName);
  // As the service's start: the analytics schema and generation 1 (nothing to backfill in a new database).
  await migrateDataSource(
    createAnalyticsDataSource({ url: databaseUrl, poolSize: 1 }) as Parameters<typeof migrateDataSource>[0],
    'analytics',
  );
  const client = new Client({
    connectionString: databaseUrl,
    // As the analytics data source runs.
    options: '-c jit=off',
  });
  await client.connect();
  const profile = new Map<string, { calls: number; ms: number; rows: number }>();
  let sqlMs = 0;
  const manager = {
    query: async (sql: string, parameters: unknown[]) => {
      const start = performance.now();
      const result = await client.query(sql, parameters);
      const ms = performance.now() - start;
      sqlMs += ms;
      if (values.profile) {
        const entry = profile.get(label(sql)) ?? { calls: 0, ms: 0, rows: 0 };
        entry.calls += 1;
        entry.ms += ms;
        entry.rows += result.rowCount ?? 0;
        profile.set(label(sql), entry);
      }
      return result.rows;
    },
  };
  try {
    const schema = 'analytics_g1';
    await client.query('DELETE FROM analytics.aggregate_backfill');
    const yearStart = Date.now() - 366 * DAY;
    const started = performance.now();
    let events = 0;
    let generateMs = 0;
    for (let built = 0; built < tickets; built += batchTickets) {
      const generating = performance.now();
      const batch = batchOf(yearStart, built, spread, Math.min(batchTickets, tickets - built));
      generateMs += performance.now() - generating;
      await client.query('BEGIN');
      if (values['sync-off']) await client.query('SET LOCAL synchronous_commit = off');
      await applyEvents(batch, manager, schema, TIME_ZONE);
      await client.query('COMMIT');
      events += batch.length;
    }
    const seconds = (performance.now() - started) / 1000;
    const applySeconds = seconds - generateMs / 1000;
    console.log(
      `${tickets} tickets (spread over ${spread}), batch ${batchTickets}: ${events} events in ${seconds.toFixed(1)} s, ` +
        `${Math.round(events / applySeconds)} events/s applied (generation ${(generateMs / 1000).toFixed(1)} s apart; ` +
        `SQL ${(sqlMs / 1000).toFixed(1)} s, the rest in the applier's process); load average ${loadavg()
          .map((value) => value.toFixed(2))
          .join(' ')}`,
    );
    if (values.profile) {
      for (const [name, entry] of [...profile].sort(([, a], [, b]) => b.ms - a.ms)) {
        console.log(
          `  ${((100 * entry.ms) / sqlMs).toFixed(1).padStart(5)} %  ${(entry.ms / 1000).toFixed(2).padStart(7)} s  ` +
            `${String(entry.calls).padStart(6)} calls  ${String(entry.rows).padStart(9)} rows  ${name}`,
        );
      }
    }
    console.log(
      JSON.stringify({
        bench: 'analytics-build',
        tickets,
        spread,
        batchTickets,
        events,
        seconds,
        applySeconds,
      }),
    );
  } finally {
    if (values.keep) await client.query(`ANALYZE`);
    await client.end();
    if (values.keep) console.log(`kept database ${databaseName}`);
    else await dropDatabase(serverUrl, databaseName);
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
