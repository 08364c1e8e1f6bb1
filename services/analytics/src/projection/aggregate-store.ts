import {
  contributionDelta,
  mergeInto,
  SEPARATOR,
  ticketContribution,
  type Contribution,
  type TicketState,
} from './ticket-contribution';

import { ticketFieldsOf, type TicketRow } from '../metrics/ticket-metrics';
import {
  aggregateTable,
  DIMENSION_GRAINS,
  DIMENSIONS,
  GRAINS,
  keepsQueue,
  keyColumns,
  spanStart,
  type AggregateKind,
  type Grain,
} from './aggregate-grains';

type Query = (sql: string, parameters: unknown[]) => Promise<unknown>;

interface StateRow extends TicketRow {
  agents: string[];
  ratings: { s: string; r: boolean }[];
  clocks: { t: string; s: string }[];
  keywords: string[];
  visits: { c: boolean; r: boolean | null; s: boolean | null }[];
  refusals: { a: string; p: string[] }[];
  transitions: { at: string; to: string }[];
}

/** Everything a ticket's contribution depends on, for many tickets in one round trip. */
export async function loadTicketStates(q: Query, ticketIds: string[]): Promise<Map<string, TicketState>> {
  if (ticketIds.length === 0) return new Map();
  const rows = (await q(
    `SELECT t.*,
       ARRAY(SELECT a.agent_id FROM §.ticket_agents a WHERE a.ticket_id = t.ticket_id ORDER BY a.agent_id) AS agents,
       COALESCE((SELECT json_agg(json_build_object('s', r.satisfaction, 'r', r.repeat_complaint) ORDER BY r.at, r.event_id)
                   FROM §.ratings r WHERE r.ticket_id = t.ticket_id), '[]') AS ratings,
       COALESCE((SELECT json_agg(json_build_object('t', c.target, 's', c.state))
                   FROM §.sla_clocks c WHERE c.ticket_id = t.ticket_id), '[]') AS clocks,
       ARRAY(SELECT k.keyword FROM §.ticket_keywords k WHERE k.ticket_id = t.ticket_id) AS keywords,
       COALESCE((SELECT json_agg(json_build_object('c', v.completed_at IS NOT NULL, 'r', v.reached, 's', v.satisfied))
                   FROM §.visits v WHERE v.ticket_id = t.ticket_id), '[]') AS visits,
       COALESCE((SELECT json_agg(json_build_object('a', f.agent_id, 'p', f.phrases))
                   FROM §.reply_refusals f WHERE f.ticket_id = t.ticket_id), '[]') AS refusals,
       COALESCE((SELECT json_agg(json_build_object('at', tr.at, 'to', tr.to_status) ORDER BY tr.version, tr.at)
                   FROM §.ticket_transitions tr WHERE tr.ticket_id = t.ticket_id), '[]') AS transitions
     FROM §.tickets t WHERE t.ticket_id = ANY($1::uuid[])`,
    [ticketIds],
  )) as StateRow[];
  return new Map(
    rows.map((row) => [
      row.ticket_id,
      {
        ...ticketFieldsOf(row),
        number: row.number,
        mergedInto: row.merged_into,
        agents: row.agents,
        ratings: row.ratings.map((r) => ({ satisfaction: r.s, repeatComplaint: r.r })),
        clocks: row.clocks.map((c) => ({ target: c.t, state: c.s })),
        keywords: row.keywords,
        visits: row.visits.map((v) => ({ completed: v.c, reached: v.r, satisfied: v.s })),
        refusals: row.refusals.map((f) => ({ agentId: f.a, phrases: f.p })),
        transitions: row.transitions.map((tr) => ({ at: new Date(tr.at), toStatus: tr.to })),
      },
    ]),
  );
}

/** The contributions of some tickets as they stand now (before a batch applies). */
export async function contributionsOf(
  q: Query,
  ticketIds: string[],
  timeZone: string,
): Promise<Map<string, Contribution>> {
  const states = await loadTicketStates(q, ticketIds);
  return new Map(ticketIds.map((id) => [id, ticketContribution(states.get(id), timeZone)]));
}

/**
 * Writes after − before of the touched tickets into the aggregate tables, in
 * the caller's transaction: one statement per table for the whole batch.
 */
export async function writeAggregateDeltas(
  q: Query,
  before: Map<string, Contribution>,
  ticketIds: string[],
  timeZone: string,
): Promise<void> {
  if (ticketIds.length === 0) return;
  const states = await loadTicketStates(q, ticketIds);
  const total: Contribution = { counters: new Map(), histograms: new Map(), backlog: new Map() };
  for (const id of ticketIds) {
    const after = ticketContribution(states.get(id), timeZone);
    mergeInto(total, contributionDelta(before.get(id) ?? ticketContribution(undefined, timeZone), after));
  }
  await upsertCounters(q, total.counters, false);
  await upsertCounters(q, total.histograms, true);
  if (total.backlog.size > 0) {
    const queues: string[] = [];
    const ageDays: string[] = [];
    const changeDays: string[] = [];
    const deltas: number[] = [];
    for (const [key, delta] of sorted(total.backlog)) {
      const [queue, ageDay, changeDay] = key.split(SEPARATOR);
      queues.push(queue);
      ageDays.push(ageDay);
      changeDays.push(changeDay);
      deltas.push(delta);
    }
    const changed = (await q(
      `WITH changed AS (
         INSERT INTO §.agg_backlog (queue_id, age_day, change_day, delta)
         SELECT * FROM unnest($1::text[], $2::date[], $3::date[], $4::int[])
         ON CONFLICT (queue_id, age_day, change_day) DO UPDATE SET delta = agg_backlog.delta + EXCLUDED.delta
         RETURNING queue_id, age_day, change_day, delta)
       SELECT queue_id, age_day::text, change_day::text FROM changed WHERE delta = 0`,
      [queues, ageDays, changeDays, deltas],
    )) as { queue_id: string; age_day: string; change_day: string }[];
    // Changes that cancel out (a ticket moved away from a queue and day) leave a zero: purge it.
    const zero = changed;
    if (zero.length > 0) {
      await q(
        `DELETE FROM §.agg_backlog b USING unnest($1::text[], $2::date[], $3::date[]) AS z(queue_id, age_day, change_day)
          WHERE b.queue_id = z.queue_id AND b.age_day = z.age_day AND b.change_day = z.change_day AND b.delta = 0`,
        [zero.map((row) => row.queue_id), zero.map((row) => row.age_day), zero.map((row) => row.change_day)],
      );
    }
  }
}

/**
 * Adds the current contributions of some tickets to the single-dimension
 * grains only: how the migration that adds those grains fills them from the
 * projection rows, while the other grains already hold these tickets.
 */
export async function addToDimensionGrains(q: Query, ticketIds: string[], timeZone: string): Promise<void> {
  if (ticketIds.length === 0) return;
  const total: Contribution = { counters: new Map(), histograms: new Map(), backlog: new Map() };
  for (const contribution of (await contributionsOf(q, ticketIds, timeZone)).values()) {
    mergeInto(total, contribution);
  }
  await upsertCounters(q, total.counters, false, DIMENSION_GRAINS);
  await upsertCounters(q, total.histograms, true, DIMENSION_GRAINS);
}

/**
 * Rows in key order: concurrent batches (replicas on other partitions, a
 * rebuild beside the live consumer) then lock shared aggregate rows in the
 * same order and wait for each other instead of deadlocking.
 */
function sorted<T>(rows: Map<string, T>): [string, T][] {
  return [...rows].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

interface AggregateRow {
  day: string;
  queue: string;
  /** The ticket's priority, channel and type (DIMENSIONS order). */
  values: string[];
  /** Set in the single-dimension grains' rows. */
  dimension: string;
  value: string;
  figure: string;
  key: string;
  bucket: number;
  n: number;
  total: number;
}

/**
 * Adds the batch's counter (or histogram) deltas to every grain's table
 * (aggregate-grains.ts): one upsert per table, rows in key order; deltas that
 * cancel out at a coarser grain (a transfer within a day) are not written.
 */
async function upsertCounters(
  q: Query,
  rows: Map<string, { n: number; total: number }>,
  bucketed: boolean,
  grains: Grain[] = [...GRAINS, ...DIMENSION_GRAINS],
): Promise<void> {
  if (rows.size === 0) return;
  const kind: AggregateKind = bucketed ? 'histograms' : 'counters';
  const parsed: AggregateRow[] = [];
  for (const [compound, value] of rows) {
    const parts = compound.split(SEPARATOR);
    // Keys may hold the separator (keywords, phrases): day, queue, dimensions and figure never do; bucket is last.
    const [day, queue, priority, channel, type, figure] = parts;
    const key = parts.slice(6, bucketed ? -1 : undefined).join(SEPARATOR);
    const values = [priority, channel, type];
    const bucket = bucketed ? Number(parts.at(-1)) : 0;
    parsed.push({ day, queue, values, dimension: '', value: '', figure, key, bucket, ...value });
  }
  for (const grain of grains) {
    const summed = new Map<string, AggregateRow>();
    const addRow = (row: AggregateRow, queue: string, dimension: string, value: string) => {
      const day = spanStart(row.day, grain);
      const compound = [day, dimension, value, queue, row.figure, row.key, row.bucket].join(SEPARATOR);
      const sum = summed.get(compound);
      if (sum) {
        sum.n += row.n;
        sum.total += row.total;
      } else summed.set(compound, { ...row, day, queue, dimension, value });
    };
    for (const row of parsed) {
      if (!grain.dimension) addRow(row, grain.queue ? row.queue : '', '', '');
      else {
        const queue = keepsQueue(row.figure, row.key) ? row.queue : '';
        DIMENSIONS.forEach((dimension, index) => addRow(row, queue, dimension, row.values[index]));
      }
    }
    const changes = sorted(summed)
      .map(([, row]) => row)
      .filter((row) => row.n !== 0 || row.total !== 0);
    if (changes.length > 0) await upsertGrain(q, kind, grain, changes);
  }
}

async function upsertGrain(q: Query, kind: AggregateKind, grain: Grain, rows: AggregateRow[]): Promise<void> {
  const name = aggregateTable(kind, grain);
  const table = `§.${name}`;
  const keys = keyColumns(kind, grain);
  const names = keys.map(([column]) => column);
  const valueOf: Record<string, (row: AggregateRow) => unknown> = {
    day: (row) => row.day,
    dimension: (row) => row.dimension,
    value: (row) => row.value,
    queue_id: (row) => row.queue,
    figure: (row) => row.figure,
    key: (row) => row.key,
    bucket: (row) => row.bucket,
  };
  const keyArrays = names.map((column) => rows.map(valueOf[column]));
  const keyTypes = keys.map(([, type]) => type);
  const unnestKeys = keyTypes.map((type, index) => `$${index + 1}::${type}[]`).join(', ');
  const m = keys.length;
  const parameters = [...keyArrays, rows.map((row) => row.n), rows.map((row) => row.total)];
  // A stored n is never negative (a ticket counts 0 or more in each row), so only a delta with n <= 0 can
  // leave a row at zero. A batch that only adds (new tickets: every build and creation storm) skips
  // returning its rows and looking for zeros.
  if (rows.every((row) => row.n > 0)) {
    await q(
      `INSERT INTO ${table} (${names.join(', ')}, n, total)
       SELECT * FROM unnest(${unnestKeys}, $${m + 1}::bigint[], $${m + 2}::bigint[])
       ON CONFLICT (${names.join(', ')})
       DO UPDATE SET n = ${name}.n + EXCLUDED.n, total = ${name}.total + EXCLUDED.total`,
      parameters,
    );
    return;
  }
  const changed = (await q(
    `WITH changed AS (
       INSERT INTO ${table} (${names.join(', ')}, n, total)
       SELECT * FROM unnest(${unnestKeys}, $${m + 1}::bigint[], $${m + 2}::bigint[])
       ON CONFLICT (${names.join(', ')})
       DO UPDATE SET n = ${name}.n + EXCLUDED.n, total = ${name}.total + EXCLUDED.total
       RETURNING ${names.join(', ')}, n, total)
     SELECT ${names.map((column) => (column === 'day' ? 'day::text' : column)).join(', ')} FROM changed
      WHERE n = 0 AND total = 0`,
    parameters,
  )) as Record<string, unknown>[];
  // A ticket that left a row (transfer, reclassification, merge) leaves it at zero: purge it, so no
  // reader lists a key with nothing behind it (e.g. a type with count 0).
  if (changed.length === 0) return;
  await q(
    `DELETE FROM ${table} h
      USING unnest(${unnestKeys}) AS z(${names.join(', ')})
      WHERE (${names.map((column) => `h.${column}`).join(', ')}) = (${names.map((column) => `z.${column}`).join(', ')})
        AND h.n = 0 AND h.total = 0`,
    names.map((column) => changed.map((row) => row[column])),
  );
}
