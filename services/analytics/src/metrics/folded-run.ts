import type { Run } from './aggregate-queries';

/**
 * Folds the statements a figure issues in one turn of the event loop into one
 * round trip (issue #14). Each figure's statements are independent reads of
 * bounded rows (counters, quantile buckets, keywords, backlog, targets), so
 * instead of one statement each — queued on the pool and on a busy box, each
 * round trip costing more than the statement itself — they become scalar
 * subqueries of a single SELECT, each returning its rows as a JSON array:
 *
 *   SELECT (SELECT COALESCE(json_agg(s), '[]') FROM (<statement 1>) s) AS s0, …
 *
 * with every statement's placeholders renumbered after the previous ones'.
 * One snapshot answers them all. Rows come back as JSON, so numbers are
 * numbers (also bigint and numeric, which the driver would give as strings)
 * and times are ISO strings: only statements whose callers read numbers and
 * text go through here. A statement's own ORDER BY holds: json_agg reads its
 * subquery in order. An error fails every statement of the fold.
 */
export function foldingRun(send: Run): Run {
  let pending: {
    sql: string;
    parameters: unknown[];
    resolve(rows: never[]): void;
    reject(error: unknown): void;
  }[] = [];
  const flush = async () => {
    const batch = pending;
    pending = [];
    if (batch.length === 1) {
      const [only] = batch;
      send<never>(only.sql, only.parameters).then(only.resolve, only.reject);
      return;
    }
    const parameters: unknown[] = [];
    const columns = batch.map((statement, index) => {
      const offset = parameters.length;
      parameters.push(...statement.parameters);
      const sql = renumber(statement.sql, offset);
      return `(SELECT COALESCE(json_agg(s), '[]'::json) FROM (${sql}) s) AS s${index}`;
    });
    try {
      const [row] = await send<Record<string, never[]>>(`SELECT ${columns.join(',\n')}`, parameters);
      batch.forEach((statement, index) => statement.resolve(row[`s${index}`]));
    } catch (error) {
      for (const statement of batch) statement.reject(error);
    }
  };
  return <T>(sql: string, parameters: unknown[]) =>
    new Promise<T[]>((resolve, reject) => {
      // After every continuation of this turn (Promise.all branches, memoized loaders) has queued its statement.
      if (pending.length === 0) setImmediate(() => void flush());
      pending.push({ sql, parameters, resolve: resolve as (rows: never[]) => void, reject });
    });
}

/** `$n` placeholders shifted by offset (the statements here hold no `$` in literals or dollar quotes). */
export function renumber(sql: string, offset: number): string {
  if (offset === 0) return sql;
  return sql.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + offset}`);
}
