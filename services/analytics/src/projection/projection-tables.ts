import { aggregateTable, DIMENSION_GRAINS, keyColumns, ROLLUPS, type Grain } from './aggregate-grains';
/**
 * Projection tables live in a generation schema (analytics_g1, analytics_g2 …)
 * so a rebuild can fill a fresh generation from the topics while the current
 * one keeps answering, then switch over in one row update.
 */
export function generationSchema(generation: number): string {
  return `analytics_g${generation}`;
}

type Run = (sql: string) => Promise<unknown>;

export async function createProjectionTables(run: Run, schema: string): Promise<void> {
  await run(`CREATE SCHEMA "${schema}"`);
  // Dedupe per generation: the live and the rebuild consumer may both apply an event during a switch-over.
  await run(`CREATE TABLE "${schema}"."applied_events" ("event_id" TEXT PRIMARY KEY)`);
  await run(`
    CREATE TABLE "${schema}"."tickets" (
      "ticket_id" UUID PRIMARY KEY,
      "number" TEXT,
      "title" TEXT,
      "created_at" TIMESTAMPTZ,
      "channel" TEXT,
      "type" TEXT,
      "category" TEXT,
      "priority" TEXT,
      "queue_id" TEXT,
      "customer_type" TEXT,
      "customer_tier" TEXT,
      "customer_region" TEXT,
      "status" TEXT NOT NULL DEFAULT 'NEW',
      "merged_into" UUID,
      "first_response_at" TIMESTAMPTZ,
      "first_resolved_at" TIMESTAMPTZ,
      "last_resolved_at" TIMESTAMPTZ,
      "resolution_count" INTEGER NOT NULL DEFAULT 0,
      "reopen_count" INTEGER NOT NULL DEFAULT 0,
      "transfer_count" INTEGER NOT NULL DEFAULT 0,
      "escalation_count" INTEGER NOT NULL DEFAULT 0,
      "public_agent_replies" INTEGER NOT NULL DEFAULT 0,
      "first_response_business_ms" BIGINT,
      "first_resolution_business_ms" BIGINT,
      "final_resolution_business_ms" BIGINT
    )`);
  await run(`CREATE INDEX ON "${schema}"."tickets" ("created_at", "queue_id")`);
  await run(`
    CREATE TABLE "${schema}"."ticket_agents" (
      "ticket_id" UUID NOT NULL,
      "agent_id" TEXT NOT NULL,
      PRIMARY KEY ("ticket_id", "agent_id")
    )`);
  await run(`
    CREATE TABLE "${schema}"."ticket_transitions" (
      "event_id" TEXT PRIMARY KEY,
      "ticket_id" UUID NOT NULL,
      "version" INTEGER NOT NULL,
      "at" TIMESTAMPTZ NOT NULL,
      "to_status" TEXT NOT NULL,
      "reopened" BOOLEAN NOT NULL
    )`);
  await run(`CREATE INDEX ON "${schema}"."ticket_transitions" ("ticket_id", "at")`);
  await run(`
    CREATE TABLE "${schema}"."ratings" (
      "event_id" TEXT PRIMARY KEY,
      "ticket_id" UUID NOT NULL,
      "at" TIMESTAMPTZ NOT NULL,
      "satisfaction" TEXT NOT NULL,
      "repeat_complaint" BOOLEAN NOT NULL
    )`);
  await run(`CREATE INDEX ON "${schema}"."ratings" ("ticket_id")`);
  await run(`
    CREATE TABLE "${schema}"."sla_clocks" (
      "clock_id" UUID NOT NULL,
      "cycle" INTEGER NOT NULL,
      "ticket_id" UUID NOT NULL,
      "queue_id" TEXT NOT NULL,
      "target" TEXT NOT NULL,
      "business_time" BOOLEAN,
      "started_at" TIMESTAMPTZ,
      "state" TEXT NOT NULL,
      "breached_at" TIMESTAMPTZ,
      "ended_at" TIMESTAMPTZ,
      "elapsed_ms" BIGINT,
      PRIMARY KEY ("clock_id", "cycle")
    )`);
  await run(`CREATE INDEX ON "${schema}"."sla_clocks" ("ticket_id")`);
  await run(`
    CREATE TABLE "${schema}"."ticket_keywords" (
      "ticket_id" UUID NOT NULL,
      "keyword" TEXT NOT NULL,
      PRIMARY KEY ("ticket_id", "keyword")
    )`);
  // Knowledge events are kept generically (type, subject, time) so new knowledge types need no code.
  await run(`
    CREATE TABLE "${schema}"."knowledge_activity" (
      "event_id" TEXT PRIMARY KEY,
      "event_type" TEXT NOT NULL,
      "subject" TEXT NOT NULL,
      "at" TIMESTAMPTZ NOT NULL
    )`);
  await createServicePracticeTables(run, schema);
  await createAggregateTables(run, schema);
  await createRollupTables(run, schema);
}

/**
 * Daily aggregates (issue #14), kept by the appliers in the projection's
 * transaction, and the domain keys of applied facts (issue #17). Idempotent,
 * so the migration that adds them to the generation active at upgrade time
 * shares this definition (it then fills them from the projection rows).
 */
export async function createAggregateTables(run: Run, schema: string): Promise<void> {
  // A fact re-sent under a new event id has the same domain key (e.g. clock id and cycle of a breach).
  await run(`CREATE TABLE IF NOT EXISTS "${schema}"."applied_facts" ("fact_key" TEXT PRIMARY KEY)`);
  // Filtering by agent starts from the agent.
  await run(
    `CREATE INDEX IF NOT EXISTS "ticket_agents_agent_idx" ON "${schema}"."ticket_agents" ("agent_id", "ticket_id")`,
  );
  // liveMetrics reads today's first replies, resolutions and ratings by their own time.
  await run(
    `CREATE INDEX IF NOT EXISTS "tickets_first_response_idx" ON "${schema}"."tickets" ("first_response_at")`,
  );
  await run(
    `CREATE INDEX IF NOT EXISTS "ticket_transitions_at_idx" ON "${schema}"."ticket_transitions" ("at")`,
  );
  await run(`CREATE INDEX IF NOT EXISTS "ratings_at_idx" ON "${schema}"."ratings" ("at")`);
  // Counts and sums per desk day of creation and current queue: figure names in ticket-contribution.ts.
  await run(`
    CREATE TABLE IF NOT EXISTS "${schema}"."agg_counters" (
      "day" DATE NOT NULL,
      "queue_id" TEXT NOT NULL,
      "figure" TEXT NOT NULL,
      "key" TEXT NOT NULL,
      "n" BIGINT NOT NULL,
      "total" BIGINT NOT NULL,
      PRIMARY KEY ("day", "queue_id", "figure", "key")
    )`);
  // Log-scale duration buckets (count and sum per bucket), mergeable across days and queues.
  await run(`
    CREATE TABLE IF NOT EXISTS "${schema}"."agg_histograms" (
      "day" DATE NOT NULL,
      "queue_id" TEXT NOT NULL,
      "figure" TEXT NOT NULL,
      "key" TEXT NOT NULL,
      "bucket" INTEGER NOT NULL,
      "n" BIGINT NOT NULL,
      "total" BIGINT NOT NULL,
      PRIMARY KEY ("day", "queue_id", "figure", "key", "bucket")
    )`);
  // Changes of the open count per queue, desk day of (creation − 1 ms) and desk day of the change.
  await run(`
    CREATE TABLE IF NOT EXISTS "${schema}"."agg_backlog" (
      "queue_id" TEXT NOT NULL,
      "age_day" DATE NOT NULL,
      "change_day" DATE NOT NULL,
      "delta" INTEGER NOT NULL,
      PRIMARY KEY ("queue_id", "age_day", "change_day")
    )`);
}

/**
 * Projections of the service practices (issue #8): refused replies and
 * follow-up visits. Idempotent (IF NOT EXISTS), so the migration that adds
 * them to the generation active at upgrade time can share this definition.
 */
export async function createServicePracticeTables(run: Run, schema: string): Promise<void> {
  await run(`ALTER TABLE "${schema}"."tickets" ADD COLUMN IF NOT EXISTS "customer_tier" TEXT`);
  await run(`ALTER TABLE "${schema}"."tickets" ADD COLUMN IF NOT EXISTS "customer_region" TEXT`);
  await run(`
    CREATE TABLE IF NOT EXISTS "${schema}"."reply_refusals" (
      "event_id" TEXT PRIMARY KEY,
      "ticket_id" UUID NOT NULL,
      "agent_id" TEXT NOT NULL,
      "at" TIMESTAMPTZ NOT NULL,
      "phrases" TEXT[] NOT NULL
    )`);
  await run(
    `CREATE INDEX IF NOT EXISTS "reply_refusals_ticket_idx" ON "${schema}"."reply_refusals" ("ticket_id")`,
  );
  // One row per visit; scheduled, overdue and completed events fill it in whatever order they arrive.
  await run(`
    CREATE TABLE IF NOT EXISTS "${schema}"."visits" (
      "visit_id" UUID PRIMARY KEY,
      "ticket_id" UUID NOT NULL,
      "queue_id" TEXT NOT NULL,
      "kind" TEXT NOT NULL,
      "due_at" TIMESTAMPTZ,
      "assignee_id" TEXT,
      "overdue_at" TIMESTAMPTZ,
      "completed_at" TIMESTAMPTZ,
      "reached" BOOLEAN,
      "satisfied" BOOLEAN
    )`);
  await run(`CREATE INDEX IF NOT EXISTS "visits_ticket_idx" ON "${schema}"."visits" ("ticket_id")`);
}

/**
 * The coarser aggregate grains (month, desk-wide; see aggregate-grains.ts):
 * the same columns as `agg_counters` / `agg_histograms`, `day` being the
 * first day of the span, without `queue_id` when desk-wide, with `dimension`
 * and `value` for the single-dimension grains. Idempotent.
 */
export async function createRollupTables(
  run: Run,
  schema: string,
  grains: Grain[] = [...ROLLUPS, ...DIMENSION_GRAINS],
): Promise<void> {
  for (const grain of grains) {
    for (const kind of ['counters', 'histograms'] as const) {
      const keys = keyColumns(kind, grain);
      await run(`
        CREATE TABLE IF NOT EXISTS "${schema}"."${aggregateTable(kind, grain)}" (
          ${keys.map(([name, type]) => `"${name}" ${type.toUpperCase()} NOT NULL`).join(', ')},
          "n" BIGINT NOT NULL,
          "total" BIGINT NOT NULL,
          PRIMARY KEY (${keys.map(([name]) => `"${name}"`).join(', ')})
        )`);
    }
  }
}
