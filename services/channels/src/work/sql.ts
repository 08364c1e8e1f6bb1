import type { DataSource, EntityManager } from 'typeorm';

/**
 * Rows of an UPDATE … RETURNING. TypeORM's Postgres driver answers UPDATE and
 * DELETE with `[rows, affectedCount]`, SELECT and INSERT with the rows.
 */
export async function updateReturning<T = { id: string }>(
  runner: DataSource | EntityManager,
  sql: string,
  parameters: unknown[],
): Promise<T[]> {
  const result = (await runner.query(sql, parameters)) as [T[], number] | T[];
  return Array.isArray(result[0]) ? (result[0] as T[]) : (result as T[]);
}
