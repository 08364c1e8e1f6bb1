import { randomBytes, randomUUID } from 'node:crypto';
import type { DeskgraphEvent } from '@deskgraph/events';
import { databaseModel, migrateDataSource, parseEnvironment, type Identity } from '@deskgraph/platform';
import { dropDatabase, ensureDatabase, splitDatabaseUrl } from '@deskgraph/infra';
import fc from 'fast-check';
import type { DataSource } from 'typeorm';
import { createAnalyticsDataSource } from '../../src/database/data-source';
import {
  agentFiguresFromCounters,
  emptyBacklog,
  metricsFromCounters,
  queueFiguresFromCounters,
} from '../../src/metrics/aggregate-metrics';
import {
  backlogAtMidnight,
  backlogNow,
  dayRange,
  loadAgentCounters,
  loadQuantiles,
  loadScopeCounters,
  loadTopKeywords,
  type Run,
} from '../../src/metrics/aggregate-queries';
import { MetricsService } from '../../src/metrics/metrics.service';
import { filterConditions, type EffectiveFilter } from '../../src/metrics/metrics-filter';
import {
  loadBacklogAt,
  loadCohortCounters,
  loadCohortKeywords,
  loadCohortQuantiles,
} from '../../src/metrics/cohort-queries';
import { resolvePeriod, type ResolvedPeriod } from '../../src/metrics/period';
import {
  backlogAt,
  computeAgentMetrics,
  computeQueueMetrics,
  computeTicketMetrics,
  RESOLVED_STATUSES,
} from '../../src/metrics/ticket-metrics';
import { applyEvents, factKey } from '../../src/projection/projection.applier';
import { createProjectionTables, generationSchema } from '../../src/projection/projection-tables';
import { keysetOf, keysetPage, type TicketPage } from '../../src/metrics/drill-down';
import { HISTOGRAM_GAMMA } from '../../src/projection/ticket-contribution';
import {
  aggregateTable,
  DAY_DESK,
  DAY_DIMENSION,
  DAY_QUEUE,
  DIMENSIONS,
  keyColumns,
  MONTH_DIMENSION,
  ROLLUPS,
} from '../../src/projection/aggregate-grains';
import { BASE, eventsOf, HOUR, scenario, ticketScript, TIME_ZONE } from './event-scenarios';
import type { KpiTargetService } from '../../src/targets/kpi-target.service';

// Property (issue #14): for random event sequences, the figures read from the
// daily aggregates equal a brute-force computation over the raw projection
// rows (ticket-metrics.ts): exactly for counts, rates and means, within the
// histogram's stated bound for medians and p90s. Sequences include
// transfers, reclassifications, merges, reopen-and-re-rate, clocks, visits,
// refusals and facts re-sent under new event ids (which must change nothing).

const OPTIONS = { keyCustomerTiers: ['KEY'] };
const ANALYST: Identity = { userId: 'analyst-1', roles: ['analyst'], queueIds: [], customerId: null };
const ALL: EffectiveFilter = {
  queueIds: null,
  agentIds: null,
  types: null,
  categories: null,
  channels: null,
  priorities: null,
  customerTypes: null,
};

/** Ticket ids and estimated percentiles apart, figures must be equal; percentiles within the bound. */
function comparable(value: unknown, percentiles: [string, number | null][], path = ''): unknown {
  if (Array.isArray(value))
    return value.map((item, index) => comparable(item, percentiles, `${path}[${index}]`));
  if (value instanceof Date || value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [field, inner] of Object.entries(value)) {
    if (/ticketIds$/i.test(field)) continue;
    if (field === 'medianMs' || field === 'p90Ms') {
      percentiles.push([`${path}.${field}`, inner as number | null]);
      out[field] = inner === null ? null : 'value';
    } else out[field] = comparable(inner, percentiles, `${path}.${field}`);
  }
  return out;
}

function expectSameFigures(fromAggregates: unknown, fromRows: unknown): void {
  const estimated: [string, number | null][] = [];
  const exact: [string, number | null][] = [];
  expect(comparable(fromAggregates, estimated)).toEqual(comparable(fromRows, exact));
  estimated.forEach(([path, value], index) => {
    const truth = exact[index][1]!;
    // Bucket means lie within their bucket: relative error below γ − 1; under 1 ms, below 1 ms.
    const bound = Math.max(Math.abs(truth) * (HISTOGRAM_GAMMA - 1), 1);
    if (Math.abs(value! - truth) > bound)
      throw new Error(`${path}: ${value} is not within ${bound} of ${truth}`);
  });
}

/** Figures without their ticket ids: the SQL over the rows must give them exactly, percentiles included. */
function withoutIds(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutIds);
  if (value instanceof Date || value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([field]) => !/ticketIds$/i.test(field))
      .map(([field, inner]) => [field, withoutIds(inner)]),
  );
}

/** Filters on one dimension, which the single-dimension grains answer desk-wide (the channel is always EMAIL). */
const DIMENSION_FILTERS: Partial<EffectiveFilter>[] = [
  { priorities: ['P2'] },
  { priorities: ['P0', 'P3'] },
  { types: ['COMPLAINT'] },
  { types: ['CONSULTATION', 'FAULT_REPORT'] },
  { channels: ['EMAIL'] },
];

/** Filters no aggregate grain answers, alone and combined (the scenarios' channel is EMAIL, customer type PERSONAL). */
const FILTERS: Partial<EffectiveFilter>[] = [
  { agentIds: ['a1'] },
  { agentIds: ['a2', 'a3'], customerTypes: ['PERSONAL'] },
  { types: ['COMPLAINT'], channels: ['EMAIL'] },
  { channels: ['PHONE'] },
  { priorities: ['P1', 'P2'], queueIds: ['q2'] },
  { categories: ['delivery'] },
];

describe('analytics: daily aggregates equal the figures computed from the projection rows', () => {
  const suffix = randomBytes(4).toString('hex');
  const serverUrl = splitDatabaseUrl(parseEnvironment({ database: databaseModel }).database.url).serverUrl;
  const databaseName = `analytics_property_${suffix}`;
  let dataSource: DataSource;
  let service: MetricsService;
  let schemas = 0;

  beforeAll(async () => {
    const url = await ensureDatabase(serverUrl, databaseName);
    dataSource = createAnalyticsDataSource({ url, poolSize: 3 });
    await migrateDataSource(dataSource, 'analytics');
    await dataSource.initialize();
    const config = { timeZone: TIME_ZONE, signalIntervalMs: 1000, keyCustomerTiers: ['KEY'] };
    service = new MetricsService(dataSource, config, {} as KpiTargetService);
  }, 120_000);

  afterAll(async () => {
    await dataSource?.destroy();
    await dropDatabase(serverUrl, databaseName);
  });

  async function project(
    events: DeskgraphEvent[],
    batch: number,
  ): Promise<{ schema: string; run: Run; generation: number }> {
    // Generation schemas, so the service can be pointed at one (keyset drill-downs read the active generation).
    const schema = generationSchema(1000 + ++schemas);
    await createProjectionTables((sql) => dataSource.query(sql), schema);
    for (let start = 0; start < events.length; start += batch) {
      await dataSource.transaction((manager) =>
        applyEvents(events.slice(start, start + batch), manager, schema, TIME_ZONE),
      );
    }
    const run: Run = (sql, parameters) => dataSource.query(sql.replaceAll('§', `"${schema}"`), parameters);
    return { schema, run, generation: 1000 + schemas };
  }

  async function figures(schema: string, run: Run, period: ResolvedPeriod, queueIds: string[] | null) {
    const days = dayRange(period.from, period.to, TIME_ZONE)!;
    const [scope, breakdowns, quantiles, keywords, agentCounters, agentQuantiles, queueQuantiles] =
      await Promise.all([
        loadScopeCounters(run, days, queueIds),
        loadScopeCounters(run, days, queueIds, 'breakdowns'),
        loadQuantiles(run, days, queueIds, 'none'),
        loadTopKeywords(run, days, queueIds),
        loadAgentCounters(run, days, queueIds),
        loadQuantiles(run, days, queueIds, 'agent'),
        loadQuantiles(run, days, queueIds, 'queue'),
      ]);
    const cohort = await service.loadCohort(schema, period, { ...ALL, queueIds });
    return {
      aggregated: {
        metrics: metricsFromCounters(period, scope, quantiles, emptyBacklog(), keywords, OPTIONS),
        // Desk-wide figures from the desk-wide grains, per-queue breakdowns from the queue ones.
        fromBreakdowns: metricsFromCounters(period, breakdowns, quantiles, emptyBacklog(), keywords, OPTIONS),
        agents: agentFiguresFromCounters(agentCounters, agentQuantiles),
        queues: queueFiguresFromCounters(scope.perQueue, queueQuantiles),
      },
      rows: {
        metrics: computeTicketMetrics(period, cohort, emptyBacklog(), OPTIONS),
        fromBreakdowns: computeTicketMetrics(period, cohort, emptyBacklog(), OPTIONS),
        agents: computeAgentMetrics(cohort),
        queues: computeQueueMetrics(cohort),
      },
    };
  }

  it('should give exact medians and p90s from the rows for cohorts of more than ten samples', async () => {
    // The main property's scenarios hold at most six tickets, where a running count and the
    // group's size pick the same ranks; these hold 12 to 30.
    // Each ticket answered publicly and resolved first, so most count in the time figures.
    const answered = ticketScript.chain((ticket) =>
      fc
        .tuple(fc.nat(2), fc.integer({ min: 1, max: 40 * HOUR }), fc.integer({ min: 1, max: 40 * HOUR }))
        .map(([agent, replyAfter, resolveAfter]) => ({
          ...ticket,
          created: true,
          ops: [
            [{ kind: 'reply' as const, agent, public: true }, replyAfter] as (typeof ticket.ops)[number],
            [{ kind: 'resolve' as const }, resolveAfter] as (typeof ticket.ops)[number],
            ...ticket.ops,
          ],
        })),
    );
    const large = fc.record({ tickets: fc.array(answered, { minLength: 25, maxLength: 40 }) });
    await fc.assert(
      fc.asyncProperty(large, async ({ tickets }) => {
        const { schema, run } = await project(eventsOf(tickets), 1000);
        const fromNoon = resolvePeriod(
          { from: new Date(BASE + 5 * HOUR), to: new Date(BASE + 20 * 24 * HOUR + 3 * HOUR) },
          TIME_ZONE,
        );
        for (const narrowing of [{}, { queueIds: ['q1', 'q2'] }]) {
          const filter = { ...ALL, ...narrowing };
          const cohort = { from: fromNoon.from, to: fromNoon.to, filter };
          const [counters, quantiles, keywords, agentQuantiles] = await Promise.all([
            loadCohortCounters(run, cohort),
            loadCohortQuantiles(run, cohort, 'none'),
            loadCohortKeywords(run, cohort),
            loadCohortQuantiles(run, cohort, 'agent'),
          ]);
          const rows = await service.loadCohort(schema, fromNoon, filter);
          const truth = computeTicketMetrics(fromNoon, rows, emptyBacklog(), OPTIONS);
          console.log(
            'SAMPLES',
            truth.firstResponse.calendar.count,
            truth.finalResolution.calendar.count,
            rows.tickets?.length,
          );
          expect(
            withoutIds({
              metrics: metricsFromCounters(fromNoon, counters, quantiles, emptyBacklog(), keywords, OPTIONS),
              agents: agentFiguresFromCounters(counters.all, agentQuantiles),
            }),
          ).toEqual(
            withoutIds({
              metrics: computeTicketMetrics(fromNoon, rows, emptyBacklog(), OPTIONS),
              agents: computeAgentMetrics(rows),
            }),
          );
        }
      }),
      { numRuns: 4 },
    );
  }, 300_000);

  /**
   * Walks every keyset drill-down of served figures page by page and compares it with the same field of the
   * figures computed from the rows (list items matched by key, target or kpi). Returns how many it walked.
   */
  async function walkDrills(served: unknown, truth: unknown): Promise<number> {
    if (Array.isArray(served)) {
      let walked = 0;
      for (const item of served) {
        const id = (value: unknown) => {
          const record = value as Record<string, unknown>;
          return record.key ?? record.target ?? record.kpi;
        };
        walked += await walkDrills(
          item,
          (truth as unknown[]).find((other) => id(other) === id(item)),
        );
      }
      return walked;
    }
    if (!served || typeof served !== 'object' || served instanceof Date) return 0;
    const expected = truth as Record<string, unknown>;
    let walked = 0;
    for (const field of Object.keys(served)) {
      if (field === 'period') continue;
      const drill = /ticketIds$/i.test(field) ? keysetOf(served, field) : undefined;
      if (drill) {
        const ids = expected[field] as string[];
        const pages: string[] = [];
        let after: string | null = null;
        for (;;) {
          const next: TicketPage = await keysetPage(drill, 2, after);
          expect([field, next.totalCount]).toEqual([field, ids.length]);
          pages.push(...next.ticketIds);
          if (!next.hasNextPage) break;
          after = next.endCursor;
        }
        expect([field, pages]).toEqual([field, [...ids].sort()]);
        walked++;
      } else {
        walked += await walkDrills((served as Record<string, unknown>)[field], expected[field]);
      }
    }
    return walked;
  }

  /** The backlog's definition, ticket by ticket: the last status change before the moment was not a resolution. */
  async function openTicketsByDefinition(run: Run, at: Date, filter: EffectiveFilter) {
    const parameters: unknown[] = [at, RESOLVED_STATUSES];
    const rows = await run<{ ticket_id: string; created_at: Date }>(
      `SELECT t.ticket_id, t.created_at FROM §.tickets t
        WHERE ${filterConditions(filter, parameters)} AND t.created_at < $1
          AND COALESCE((SELECT tr.to_status FROM §.ticket_transitions tr
                         WHERE tr.ticket_id = t.ticket_id AND tr.at < $1
                         ORDER BY tr.version DESC, tr.at DESC LIMIT 1), 'NEW') <> ALL($2::text[])`,
      parameters,
    );
    return rows.map((row) => ({ ticketId: row.ticket_id, createdAt: row.created_at }));
  }

  it('should give the same figures from the aggregates as from the rows when random events are applied', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async ({ tickets, batch, resend }) => {
        const events = eventsOf(tickets);
        // Facts re-sent under new event ids (a restore, a re-emit) must change nothing.
        // Only facts that count (status changes, replies, ratings, breaches …) are re-sent: those are what a
        // duplicate would count twice; created/classified re-sent late would also restore stale values.
        const counting = events.filter((candidate) => factKey(candidate) !== null);
        const resent = resend
          .filter((index) => index < counting.length)
          .map((index) => counting[index])
          .map((original) => ({ ...original, id: randomUUID() }) as DeskgraphEvent);
        const { schema, run, generation } = await project([...events, ...resent], batch);
        const clean = await project(events, 1000);

        const week = resolvePeriod({ kind: 'WEEK', anchor: new Date(BASE + 3 * 24 * HOUR) }, TIME_ZONE);
        const fortnight = resolvePeriod(
          { from: new Date(BASE), to: new Date(BASE + 21 * 24 * HOUR) },
          TIME_ZONE,
        );
        const day = resolvePeriod({ kind: 'DAY', anchor: new Date(BASE + 5 * 24 * HOUR) }, TIME_ZONE);
        // Whole months read the month grains: November alone, and with days of October and December around it.
        const month = resolvePeriod({ kind: 'MONTH', anchor: new Date(BASE + 3 * 24 * HOUR) }, TIME_ZONE);
        const months = resolvePeriod(
          { from: new Date('2026-10-19T16:00:00Z'), to: new Date('2026-12-04T16:00:00Z') },
          TIME_ZONE,
        );
        // A range starting and ending inside desk days: no grain answers it.
        const fromNoon = resolvePeriod(
          { from: new Date(BASE + 5 * HOUR), to: new Date(BASE + 9 * 24 * HOUR + 3 * HOUR) },
          TIME_ZONE,
        );
        const now = new Date(BASE + 40 * 24 * HOUR);
        for (const period of [week, fortnight, day, month, months]) {
          for (const queueIds of [null, ['q2']]) {
            const { aggregated, rows } = await figures(schema, run, period, queueIds);
            expectSameFigures(aggregated, rows);
            const again = await figures(clean.schema, clean.run, period, queueIds);
            expect(comparable(again.aggregated, [])).toEqual(comparable(aggregated, []));
          }
        }
        // Every coarser grain holds the sums of the day × queue rows (no zero rows left behind).
        for (const grain of ROLLUPS) {
          for (const kind of ['counters', 'histograms'] as const) {
            const columns = keyColumns(kind, grain).map(([column]) =>
              column === 'day' && grain.month ? `date_trunc('month', day)::date AS day` : column,
            );
            const order = columns.map((_, index) => index + 1).join(', ');
            const [expected, stored] = await Promise.all([
              run(
                `SELECT ${columns.join(', ')}, sum(n)::bigint AS n, sum(total)::bigint AS total
                   FROM §.${aggregateTable(kind, DAY_QUEUE)} GROUP BY ${order}
                 HAVING sum(n) <> 0 OR sum(total) <> 0 ORDER BY ${order}`,
                [],
              ),
              run(`SELECT * FROM §.${aggregateTable(kind, grain)} ORDER BY ${order}`, []),
            ]);
            expect(stored).toEqual(expected);
          }
        }
        // The dimension grains: under each dimension the day rows sum to the desk-wide day rows, and the
        // month rows are the sums of the day rows (no zero rows left behind).
        for (const kind of ['counters', 'histograms'] as const) {
          const keys = keyColumns(kind, DAY_DESK).map(([column]) => column);
          const order = keys.map((_, index) => index + 1).join(', ');
          const desk = await run(`SELECT * FROM §.${aggregateTable(kind, DAY_DESK)} ORDER BY ${order}`, []);
          for (const dimension of DIMENSIONS) {
            const summed = await run(
              `SELECT ${keys.join(', ')}, sum(n)::bigint AS n, sum(total)::bigint AS total
                 FROM §.${aggregateTable(kind, DAY_DIMENSION)} WHERE dimension = $1 GROUP BY ${order}
               HAVING sum(n) <> 0 OR sum(total) <> 0 ORDER BY ${order}`,
              [dimension],
            );
            expect([dimension, summed]).toEqual([dimension, desk]);
          }
          const columns = keyColumns(kind, DAY_DIMENSION).map(([column]) =>
            column === 'day' ? `date_trunc('month', day)::date AS day` : column,
          );
          const monthOrder = columns.map((_, index) => index + 1).join(', ');
          const [expected, stored] = await Promise.all([
            run(
              `SELECT ${columns.join(', ')}, sum(n)::bigint AS n, sum(total)::bigint AS total
                 FROM §.${aggregateTable(kind, DAY_DIMENSION)} GROUP BY ${monthOrder}
               HAVING sum(n) <> 0 OR sum(total) <> 0 ORDER BY ${monthOrder}`,
              [],
            ),
            run(`SELECT * FROM §.${aggregateTable(kind, MONTH_DIMENSION)} ORDER BY ${monthOrder}`, []),
          ]);
          expect(stored).toEqual(expected);
        }
        // Every drill-down is paged by PostgreSQL (keyset, 2 ids a page) and walks the tickets the rows give:
        // volume, durations, SLA, breaches, rates, categories, keywords, and the backlog at the period's end.
        await dataSource.query(`UPDATE analytics.projection_state SET generation = $1`, [generation]);
        const drilled: [ResolvedPeriod, Partial<EffectiveFilter>][] = [
          [week, {}],
          [week, { queueIds: ['q2'] }],
          [week, { agentIds: ['a1'] }],
          [fromNoon, { types: ['COMPLAINT'] }],
        ];
        for (const [period, narrowing] of drilled) {
          const filter = { ...ALL, ...narrowing };
          const served = await service.metricsFor(period, filter, now, []);
          const truth = computeTicketMetrics(
            period,
            await service.loadCohort(schema, period, filter),
            backlogAt(await openTicketsByDefinition(run, period.to, filter), period.to),
            OPTIONS,
          );
          expect(await walkDrills(served, truth)).toBeGreaterThan(20);
        }

        // One dimension over whole days (a day, a week, a month, months with days around them): the service
        // reads the dimension grains; every figure, the per-queue breakdowns and per-agent figures equal the
        // rows' (percentiles within the bound), the backlog apart (computed from the rows, checked below).
        for (const period of [week, day, month, months]) {
          for (const narrowing of DIMENSION_FILTERS) {
            const filter = { ...ALL, ...narrowing };
            const rows = await service.loadCohort(schema, period, filter);
            const served = await service.metricsFor(period, filter, now, []);
            expectSameFigures(
              { ...served, backlog: null, targets: null },
              {
                ...computeTicketMetrics(period, rows, emptyBacklog(), OPTIONS),
                backlog: null,
                targets: null,
              },
            );
            const input = { from: period.from, to: period.to };
            expectSameFigures(
              await service.agentMetrics(ANALYST, input, narrowing),
              computeAgentMetrics(rows),
            );
          }
        }

        // The backlog at desk midnights from the open/close counters, and now.
        for (const offsetDays of [1, 4, 9, 16, 30]) {
          const at = new Date(BASE + offsetDays * 24 * HOUR);
          for (const queueIds of [null, ['q1']]) {
            const fromCounters = await backlogAtMidnight(run, at, queueIds, TIME_ZONE);
            const fromRows = backlogAt(await service.openTicketsAt(schema, at, { ...ALL, queueIds }), at);
            expect(comparable(fromCounters, [])).toEqual(comparable(fromRows, []));
          }
        }
        const live = await backlogNow(run, now, null, TIME_ZONE);
        const liveRows = backlogAt(await service.openTicketsAt(schema, now, ALL), now);
        expect(comparable(live, [])).toEqual(comparable(liveRows, []));

        // Filters no grain answers, and ranges starting or ending inside a day: summed by PostgreSQL over the
        // rows (cohort-queries.ts), exactly the figures ticket-metrics.ts computes from the loaded rows.
        for (const period of [week, fromNoon]) {
          for (const narrowing of [...FILTERS, {}, { queueIds: ['q1'] }]) {
            const filter = { ...ALL, ...narrowing };
            const cohort = { from: period.from, to: period.to, filter };
            const [counters, quantiles, keywords, agentQuantiles, queueQuantiles] = await Promise.all([
              loadCohortCounters(run, cohort),
              loadCohortQuantiles(run, cohort, 'none'),
              loadCohortKeywords(run, cohort),
              loadCohortQuantiles(run, cohort, 'agent'),
              loadCohortQuantiles(run, cohort, 'queue'),
            ]);
            const rows = await service.loadCohort(schema, period, filter);
            const picked = <T extends { agentId: string }>(agents: T[]) =>
              agents.filter((agent) => !filter.agentIds || filter.agentIds.includes(agent.agentId));
            const fromSql = {
              metrics: metricsFromCounters(period, counters, quantiles, emptyBacklog(), keywords, OPTIONS),
              agents: picked(agentFiguresFromCounters(counters.all, agentQuantiles)),
              queues: queueFiguresFromCounters(counters.perQueue, queueQuantiles),
            };
            const truth = {
              metrics: computeTicketMetrics(period, rows, emptyBacklog(), OPTIONS),
              agents: picked(computeAgentMetrics(rows)),
              queues: computeQueueMetrics(rows),
            };
            expect(withoutIds(fromSql)).toEqual(withoutIds(truth));
            // The service answers such a query from these statements (backlog apart, checked below).
            const served = await service.metricsFor(period, filter, now, []);
            expect(withoutIds({ ...served, backlog: null, targets: null })).toEqual(
              withoutIds({ ...truth.metrics, backlog: null, targets: null }),
            );
          }
        }
        // The filtered backlog at midnights, inside a day and now, against the per-ticket definition.
        for (const at of [
          BASE + 4 * 24 * HOUR,
          BASE + 9 * 24 * HOUR + 3 * HOUR,
          BASE + 16 * 24 * HOUR,
          now.getTime(),
        ]) {
          for (const narrowing of [...FILTERS, {}, { queueIds: ['q1'] }]) {
            const filter = { ...ALL, ...narrowing };
            const moment = new Date(at);
            const counted = await loadBacklogAt(run, moment, filter);
            const truth = backlogAt(await openTicketsByDefinition(run, moment, filter), moment);
            expect(withoutIds(counted)).toEqual(withoutIds(truth));
            expect(
              (await service.openTicketsAt(schema, moment, filter)).map((t) => t.ticketId).sort(),
            ).toEqual(truth.ticketIds);
          }
        }
      }),
      { numRuns: 40 },
    );
  }, 600_000);
});
