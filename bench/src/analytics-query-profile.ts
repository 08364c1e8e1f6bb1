import { join } from 'node:path';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { createAnalyticsDataSource } from '@deskgraph/analytics';
import { databaseModel, parseEnvironment } from '@deskgraph/platform';
import { AGENTS, DAY, QUEUES, TIME_ZONE } from './analytics-data';
import { summarize } from './stats';

// Where an analytics query's time goes (issue #14), without the gateway: the
// metrics service called in-process on a database the build left
// (`analytics-build.js --keep`), each query timed as a whole and statement by
// statement (the last sample's statements, with their rows), then
// EXPLAIN ANALYZE of the slowest statement of each query.
//   DATABASE_URL=…/analytics_build_xxxx node bench/dist/src/analytics-query-profile.js [--samples 20]
const { values } = parseArgs({ options: { samples: { type: 'string', default: '20' } } });
const samples = Number(values.samples);

interface Statement {
  sql: string;
  parameters: unknown[];
  ms: number;
  rows: number;
}

type Service = Record<string, (...parameters: unknown[]) => Promise<unknown>>;

async function main() {
  const { url } = parseEnvironment({ database: databaseModel }).database;
  const root = join(require.resolve('@deskgraph/analytics'), '..');
  const { MetricsService } = await import(join(root, 'metrics/metrics.service.js'));
  const { KpiTargetService } = await import(join(root, 'targets/kpi-target.service.js'));
  const dataSource = createAnalyticsDataSource({ url, poolSize: 10 });
  await dataSource.initialize();
  let log: Statement[] | null = null;
  const query = dataSource.query.bind(dataSource);
  dataSource.query = (async (sql: string, parameters?: unknown[]) => {
    const start = performance.now();
    const rows = await query(sql, parameters);
    log?.push({ sql, parameters: parameters ?? [], ms: performance.now() - start, rows: rows.length ?? 0 });
    return rows;
  }) as typeof dataSource.query;
  const config = { timeZone: TIME_ZONE, signalIntervalMs: 1000, keyCustomerTiers: ['KEY'] };
  const service = new MetricsService(dataSource, config, new KpiTargetService(dataSource)) as Service;
  const admin = { userId: 'bench-admin', roles: ['admin'], queueIds: [], customerId: null };
  // The periods of the bench, relative to the build's year (ending about now).
  const now = Date.now();
  const lastMonth = { kind: 'MONTH', anchor: new Date(now - 35 * DAY) };
  const lastWeek = { kind: 'WEEK', anchor: new Date(now - 7 * DAY) };
  const calls: [string, () => Promise<unknown>][] = [
    ['ticketMetrics week', () => service.ticketMetrics(admin, lastWeek, null)],
    ['ticketMetrics month', () => service.ticketMetrics(admin, lastMonth, null)],
    ['month, one queue', () => service.ticketMetrics(admin, lastMonth, { queueIds: [QUEUES[0]] })],
    ['month, one agent', () => service.ticketMetrics(admin, lastMonth, { agentIds: [AGENTS[0]] })],
    ['queueMetrics month', () => service.queueMetrics(admin, lastMonth, null)],
    ['agentMetrics month', () => service.agentMetrics(admin, lastMonth, null)],
    [
      'agentMetrics month, one agent',
      () => service.agentMetrics(admin, lastMonth, { agentIds: [AGENTS[0]] }),
    ],
    ['weeklyReview', () => service.weeklyReview(admin, null, null)],
  ];
  for (const [name, call] of calls) {
    await call();
    const times: number[] = [];
    for (let sample = 0; sample < samples; sample++) {
      log = [];
      const start = performance.now();
      await call();
      times.push(performance.now() - start);
    }
    const statements = log ?? [];
    log = null;
    const { p50, p95 } = summarize(times);
    console.log(
      `${name}: p50 ${p50.toFixed(1)} ms, p95 ${p95.toFixed(1)} ms in-process; ${statements.length} statements, ` +
        `SQL ${statements.reduce((sum, s) => sum + s.ms, 0).toFixed(1)} ms summed (they run concurrently)`,
    );
    for (const statement of [...statements].sort((a, b) => b.ms - a.ms)) {
      const flat = statement.sql.replace(/\s+/g, ' ').replace(/"analytics_g\d+"\./g, '');
      console.log(
        `   ${statement.ms.toFixed(1).padStart(7)} ms ${String(statement.rows).padStart(6)} rows  ${flat.slice(0, 150)}`,
      );
    }
    const slowest = [...statements].sort((a, b) => b.ms - a.ms)[0];
    if (slowest) {
      const plan = (await query(`EXPLAIN (ANALYZE, BUFFERS) ${slowest.sql}`, slowest.parameters)) as {
        'QUERY PLAN': string;
      }[];
      console.log(plan.map((row) => `      ${row['QUERY PLAN']}`).join('\n'));
    }
  }
  console.log(
    `load average ${loadavg()
      .map((value) => value.toFixed(2))
      .join(' ')}`,
  );
  await dataSource.destroy();
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
