import type { EntityManager, QueryRunner } from 'typeorm';

/**
 * A fact can come back under a new event id — a producer restored from a
 * backup, a timer re-emitted — so the processed-event mark, which keys on the
 * event id, does not recognise it. A consumer whose action must not happen
 * twice (an escalation, a visit, a notification) also claims the fact's
 * domain key, in the same transaction as its change: the first claim wins,
 * every later one is told to leave the fact alone.
 *
 * @param kind what sort of fact, e.g. `sla-breach`
 * @param key the fact's identity within its kind, e.g. `<clockId>:<cycle>`
 * @returns true when this is the first time the fact is seen
 */
export async function claimFact(
  manager: EntityManager,
  kind: string,
  key: string,
  eventId: string,
): Promise<boolean> {
  const inserted: unknown[] = await manager.query(
    `INSERT INTO processed_facts (kind, fact_key, event_id) VALUES ($1, $2, $3)
     ON CONFLICT DO NOTHING RETURNING fact_key`,
    [kind, key, eventId],
  );
  return inserted.length > 0;
}

/** The domain-key log for `claimFact`, in the service's own schema; call from a migration. */
export async function createProcessedFactsTable(queryRunner: QueryRunner, schema: string): Promise<void> {
  await queryRunner.query(`
    CREATE TABLE "${schema}"."processed_facts" (
      "kind" TEXT NOT NULL,
      "fact_key" TEXT NOT NULL,
      "event_id" TEXT NOT NULL,
      "processed_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
      PRIMARY KEY ("kind", "fact_key")
    )`);
}

export async function dropProcessedFactsTable(queryRunner: QueryRunner, schema: string): Promise<void> {
  await queryRunner.query(`DROP TABLE "${schema}"."processed_facts"`);
}
