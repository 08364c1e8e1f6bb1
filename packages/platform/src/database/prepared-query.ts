import { createHash } from 'node:crypto';
import type { PoolClient } from 'pg';
import { QueryFailedError, type EntityManager } from 'typeorm';

const statementNames = new Map<string, string>();

function statementName(text: string): string {
  let name = statementNames.get(text);
  if (!name) {
    name = `deskgraph_${createHash('sha1').update(text).digest('hex').slice(0, 24)}`;
    statementNames.set(text, name);
  }
  return name;
}

/**
 * Runs a hot statement in `manager`'s transaction as a named prepared
 * statement: PostgreSQL parses and plans it once per connection instead of on
 * every call (planning the intake context read cost about as much as running
 * it), and the call skips TypeORM's query wrapper. For statements written
 * in code, whose texts are few; counted like every other statement. Outside
 * a transaction it is an ordinary query.
 */
export async function queryPrepared<T = Record<string, unknown>>(
  manager: EntityManager,
  text: string,
  parameters: unknown[],
): Promise<T[]> {
  const queryRunner = manager.queryRunner;
  if (!queryRunner?.isTransactionActive) return manager.query(text, parameters);
  const client = (await queryRunner.connect()) as PoolClient;
  manager.connection.logger.logQuery(text, parameters, queryRunner);
  try {
    const result = await client.query({ name: statementName(text), text, values: parameters });
    return result.rows as T[];
  } catch (error) {
    // As TypeORM reports it, so callers see the same error (its `code` included).
    throw new QueryFailedError(text, parameters, error as Error);
  }
}
