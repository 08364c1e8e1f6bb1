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
}
