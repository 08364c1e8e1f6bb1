import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { graphqlOk, startTestStack, testToken } from '@deskgraph/infra';
import {
  activeGeneration,
  aggregateTables,
  applyEvents,
  createAnalyticsDataSource,
  generationSchema,
} from '@deskgraph/analytics';
import { AGENTS, batchOf, DAY, QUEUES, TIME_ZONE } from './analytics-data';
import { formatMs, summarize } from './stats';

// Analytics over many tickets (issue #14). Builds a year of synthetic tickets
// through the projection appliers' own code path (applyEvents with synthetic
// events, thousands per transaction: the same statements and aggregate
// deltas the live consumer writes), then times the supervisor queries
// through the gateway at each size up to --tickets (10k, 100k, 1M), printing
// p50/p95 and the analytics process's RSS. Prints figures; asserts nothing.
// The last line is one JSON object.
//   node bench/dist/src/analytics-bench.js [--tickets 1000000] [--samples 30] [--batch 2000]
const { values } = parseArgs({
  options: {
    tickets: { type: 'string', default: '100000' },
    samples: { type: 'string', default: '30' },
    batch: { type: 'string', default: '2000' },
  },
});
const maxTickets = Number(values.tickets);
const samples = Number(values.samples);
const batchTickets = Number(values.batch);
const SIZES = [10_000, 100_000, 1_000_000].filter((size) => size <= maxTickets);
if (SIZES.length === 0 || !SIZES.includes(maxTickets)) SIZES.push(maxTickets);

function rssMb(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const line = readFileSync(`/proc/${pid}/status`, 'utf8')
      .split('\n')
      .find((entry) => entry.startsWith('VmRSS:'));
    return line ? Math.round(Number(line.split(/\s+/)[1]) / 1024) : null;
  } catch {
    return null;
  }
}

const FIGURES = /* GraphQL */ `
  period { from to }
  volume { total byType { key count } byQueue { key count } byAgent { key count } byChannel { key count } }
  backlog { open byAge { key count } }
  firstResponse { calendar { count meanMs medianMs p90Ms } business { medianMs } }
  finalResolution { calendar { meanMs medianMs p90Ms } }
  sla { target achieved breached rate running }
  breaches { total byQueue { key count } byPriority { key count } }
  satisfactionRate { value numerator denominator }
  firstContactSatisfactionRate { value }
  satisfactionByTier { key rate { value } }
  responseRate { value } repeatComplaintRate { value } reopenRate { value } oneTouchResolutionRate { value }
  replyRate { value } onTimeReplyRate { value } complaintAnsweredWithin48h { value }
  topCategories { key count } topKeywords { key count }
  targets { kpi value met }
`;
const TICKET_METRICS = `query($period: PeriodInput!, $filter: MetricsFilter) { ticketMetrics(period: $period, filter: $filter) { ${FIGURES} } }`;
const QUEUE_METRICS = `query($period: PeriodInput!) { queueMetrics(period: $period) {
  queueId handled breaches firstResponse { calendar { medianMs p90Ms } } finalResolution { calendar { meanMs } }
  satisfactionRate { value } targets { kpi met } } }`;
const AGENT_METRICS = `query($period: PeriodInput!, $filter: MetricsFilter) { agentMetrics(period: $period, filter: $filter) {
  agentId handled firstResponse { calendar { medianMs } } finalResolution { calendar { medianMs } }
  satisfactionRate { value } refusedReplies } }`;
const WEEKLY_REVIEW = `query { weeklyReview { averageHandlingTimeMs weekOverWeek { name current previous change }
  topIssues { key count } targets { kpi value met } csv markdown metrics { volume { total } } } }`;

async function main() {
  const stack = await startTestStack({
    env: { RATE_LIMIT_PER_SECOND: '1000000', RATE_LIMIT_BURST: '1000000', LOG_LEVEL: 'warn' },
    // The machine may be shared and loaded: a slow start is not a failure of what this measures.
    readyTimeoutMs: 600_000,
  });
  const dataSource = createAnalyticsDataSource({ url: stack.databaseUrl, poolSize: 2 });
  await dataSource.initialize();
  try {
    const token = await testToken({ userId: 'bench-admin', roles: ['admin'] });
    const schema = generationSchema(await activeGeneration(dataSource.manager));
    // The builder writes aggregates for every ticket, so the start-time backfill (nothing to do on a fresh
    // database) must have finished first, or it would count the built tickets again.
    while ((await dataSource.query(`SELECT 1 FROM analytics.aggregate_backfill`)).length > 0) {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const now = Date.now();
    // A year of tickets ending yesterday (desk time): past weeks and months are complete.
    const yearStart = now - 366 * DAY;
    const lastMonth = new Date(now - 35 * DAY).toISOString();
    const lastWeek = new Date(now - 7 * DAY).toISOString();
    const midnight = (at: number) => {
      const local = new Intl.DateTimeFormat('en-CA', { timeZone: TIME_ZONE }).format(new Date(at));
      return `${local}T00:00:00+08:00`;
    };
    const year = { from: midnight(now - 365 * DAY), to: midnight(now) };
    const noon = (at: number) => midnight(at).replace('T00:00:00', 'T12:00:00');
    const subDay = { from: noon(now - 14 * DAY), to: noon(now - 7 * DAY) };
    const queries: [string, string, Record<string, unknown>][] = [
      ['ticketMetrics week', TICKET_METRICS, { period: { kind: 'WEEK', anchor: lastWeek } }],
      ['ticketMetrics month', TICKET_METRICS, { period: { kind: 'MONTH', anchor: lastMonth } }],
      ['ticketMetrics year', TICKET_METRICS, { period: year }],
      [
        'ticketMetrics month, one queue',
        TICKET_METRICS,
        { period: { kind: 'MONTH', anchor: lastMonth }, filter: { queueIds: [QUEUES[0]] } },
      ],
      [
        'ticketMetrics month, one agent',
        TICKET_METRICS,
        { period: { kind: 'MONTH', anchor: lastMonth }, filter: { agentIds: [AGENTS[0]] } },
      ],
      ['ticketMetrics year, one agent', TICKET_METRICS, { period: year, filter: { agentIds: [AGENTS[0]] } }],
      [
        'ticketMetrics month, type+channel',
        TICKET_METRICS,
        {
          period: { kind: 'MONTH', anchor: lastMonth },
          filter: { types: ['COMPLAINT'], channels: ['PHONE'] },
        },
      ],
      ['ticketMetrics year, priority', TICKET_METRICS, { period: year, filter: { priorities: ['P1'] } }],
      // A range starting and ending inside desk days: no day grain answers it.
      ['ticketMetrics week from noon', TICKET_METRICS, { period: subDay }],
      ['queueMetrics month', QUEUE_METRICS, { period: { kind: 'MONTH', anchor: lastMonth } }],
      ['agentMetrics month', AGENT_METRICS, { period: { kind: 'MONTH', anchor: lastMonth } }],
      [
        'agentMetrics month, one agent',
        AGENT_METRICS,
        { period: { kind: 'MONTH', anchor: lastMonth }, filter: { agentIds: [AGENTS[0]] } },
      ],
      ['weeklyReview', WEEKLY_REVIEW, {}],
    ];
    const analyticsPid = stack.processes.analytics.pid;
    const results: Record<string, unknown>[] = [];
    let built = 0;
    for (const size of SIZES) {
      const started = Date.now();
      const first = built;
      let events = 0;
      while (built < size) {
        const count = Math.min(batchTickets, size - built);
        const batch = batchOf(yearStart, built - first, size - first, count);
        await dataSource.transaction(async (manager) => {
          // The build's commits need not wait for the WAL flush (a crash loses only the bench's data);
          // the statements are the appliers' own.
          await manager.query('SET LOCAL synchronous_commit = off');
          await applyEvents(batch, manager, schema, TIME_ZONE);
        });
        built += count;
        events += batch.length;
        if (built % 20_000 === 0) console.log(`  built ${built} tickets`);
      }
      const buildSeconds = (Date.now() - started) / 1000;
      const analyzed = [...aggregateTables().map(([table]) => table), 'tickets', 'ticket_agents'];
      await dataSource.query(`ANALYZE ${analyzed.map((table) => `"${schema}".${table}`).join(', ')}`);
      console.log(
        `${size} tickets: built ${events} events in ${buildSeconds.toFixed(0)} s (${Math.round(events / buildSeconds)} events/s)`,
      );
      const figures: Record<string, { p50: number; p95: number }> = {};
      let peakRss = rssMb(analyticsPid) ?? 0;
      for (const [name, query, variables] of queries) {
        for (let warm = 0; warm < 2; warm++) await graphqlOk(stack.gatewayUrl, query, variables, token);
        const times: number[] = [];
        for (let sample = 0; sample < samples; sample++) {
          const start = performance.now();
          await graphqlOk(stack.gatewayUrl, query, variables, token);
          times.push(performance.now() - start);
          peakRss = Math.max(peakRss, rssMb(analyticsPid) ?? 0);
        }
        const { p50, p95 } = summarize(times);
        figures[name] = { p50: Math.round(p50 * 10) / 10, p95: Math.round(p95 * 10) / 10 };
        console.log(
          `  ${name.padEnd(32)} p50 ${formatMs(p50).padStart(10)}  p95 ${formatMs(p95).padStart(10)}`,
        );
      }
      console.log(
        `  analytics RSS ${rssMb(analyticsPid)} MB (peak while querying ${peakRss} MB), load average ${loadavg()
          .map((value) => value.toFixed(2))
          .join(' ')}`,
      );
      results.push({ tickets: size, events, buildSeconds, queries: figures, analyticsRssMb: peakRss });
    }
    console.log(
      JSON.stringify({
        bench: 'analytics',
        samples,
        loadAverage: loadavg().map((value) => Math.round(value * 100) / 100),
        results,
      }),
    );
  } finally {
    await dataSource.destroy();
    await stack.stop();
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
