import { maskSensitiveValues } from './mask-input';
import { maskSensitive } from './sensitive-numbers';

/** Runs one SQL statement and returns its rows (a TypeORM QueryRunner's `query`, or pg's wrapped). */
export type SqlRunner = (sql: string, parameters?: unknown[]) => Promise<Array<Record<string, unknown>>>;

export interface RemaskOptions {
  /** The Postgres schema whose tables are re-masked. */
  schema: string;
  /** `table.column` pairs that hold phone numbers (masked as phone fields, see DetectionOptions). */
  phoneColumns?: readonly string[];
  /** `table.column` pairs that hold keys, secrets or addresses rather than free text: left as they are. */
  keepColumns?: readonly string[];
  /** Rows read per batch. */
  batchSize?: number;
}

/**
 * Per service schema, the columns the remask pass treats specially: phone
 * columns are masked for ID and card numbers but keep the phone number; keep
 * columns are keys, secrets or addresses, not free text (masking them would
 * break mail threading and deduplication, robot signatures and the way a
 * customer is reached). Used by `npm run privacy:remask` and the services'
 * RemaskStoredText migrations alike.
 */
export const REMASK_COLUMN_RULES: Record<string, Pick<RemaskOptions, 'phoneColumns' | 'keepColumns'>> = {
  tickets: { phoneColumns: ['tickets.customer_contact'] },
  channels: {
    keepColumns: [
      'inbound_mail.message_id',
      'inbound_mail.in_reply_to',
      'inbound_mail.references',
      'inbound_mail.from_address',
      'mail_message_ids.message_id',
      'mail_threads.address',
      'outbound_mail.message_id',
      'outbound_mail.to_address',
      'webhook_endpoints.url',
      'webhook_endpoints.secret',
    ],
  },
};

export interface RemaskResult {
  rowsChanged: number;
  /** Rows whose masked form already existed under a unique key: the row in clear is deleted. */
  rowsDeleted: number;
  /** `table.column` → rows changed in it. */
  columns: Record<string, number>;
}

interface TextColumn {
  table: string;
  column: string;
  kind: 'text' | 'json' | 'array';
  sqlType: string;
}

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** Text, JSON and text-array columns of the schema's tables, except those in foreign keys (masking would break references). */
async function textColumns(run: SqlRunner, schema: string): Promise<TextColumn[]> {
  const rows = await run(
    `SELECT c.table_name, c.column_name, c.data_type, c.udt_name
       FROM information_schema.columns c
       JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
      WHERE c.table_schema = $1 AND t.table_type = 'BASE TABLE'
        AND (c.data_type IN ('text', 'character varying', 'json', 'jsonb')
             OR (c.data_type = 'ARRAY' AND c.udt_name IN ('_text', '_varchar')))
        AND NOT EXISTS (
          SELECT 1 FROM pg_constraint f
            JOIN pg_attribute a ON a.attrelid IN (f.conrelid, f.confrelid)
                               AND a.attnum = ANY (CASE WHEN a.attrelid = f.conrelid THEN f.conkey ELSE f.confkey END)
           WHERE f.contype = 'f' AND a.attrelid = format('%I.%I', c.table_schema, c.table_name)::regclass
             AND a.attname = c.column_name)
      ORDER BY c.table_name, c.ordinal_position`,
    [schema],
  );
  return rows.map((row) => {
    const dataType = String(row.data_type);
    return {
      table: String(row.table_name),
      column: String(row.column_name),
      kind: dataType === 'ARRAY' ? 'array' : dataType.startsWith('json') ? 'json' : 'text',
      sqlType: dataType === 'ARRAY' ? `${String(row.udt_name).slice(1)}[]` : dataType,
    };
  });
}

function maskColumnValue(value: unknown, column: TextColumn, phoneField: boolean): unknown {
  if (value === null || value === undefined) return value;
  if (column.kind === 'text') return maskSensitive(String(value), { phoneField });
  // JSON documents and arrays: every string inside; keys and other values stay.
  return maskSensitiveValues(value);
}

/**
 * Re-masks text stored before the current detector: every text, JSON and
 * text-array column of every table in `schema` (outbox payloads included) is
 * read in batches and rewritten where the detector finds an ID or card number.
 * Idempotent: a second run changes nothing. Runs inside a transaction (one
 * savepoint per changed row). Columns in foreign keys are left alone; a row
 * whose masked form already exists under a unique key is deleted, since the
 * masked row stands for it.
 * Events already published to Kafka cannot be rewritten; they age out with
 * the topic's retention.
 */
export async function remaskStoredText(run: SqlRunner, options: RemaskOptions): Promise<RemaskResult> {
  const batchSize = options.batchSize ?? 500;
  const phoneColumns = new Set(options.phoneColumns ?? []);
  const result: RemaskResult = { rowsChanged: 0, rowsDeleted: 0, columns: {} };
  const byTable = new Map<string, TextColumn[]>();
  const keep = new Set(options.keepColumns ?? []);
  for (const column of await textColumns(run, options.schema)) {
    if (keep.has(`${column.table}.${column.column}`)) continue;
    byTable.set(column.table, [...(byTable.get(column.table) ?? []), column]);
  }
  for (const [table, columns] of byTable) {
    const target = `${quote(options.schema)}.${quote(table)}`;
    // Only rows with at least one digit can hold a number (full-width digits too).
    const hasDigits = columns.map((column) => `${quote(column.column)}::text ~ '[0-9０-９]'`).join(' OR ');
    let after = '(0,0)';
    for (;;) {
      const rows = await run(
        `SELECT ctid::text AS row_ctid, ${columns.map((column) => quote(column.column)).join(', ')}
           FROM ${target} WHERE ctid > $1::tid AND (${hasDigits}) ORDER BY ctid LIMIT ${batchSize}`,
        [after],
      );
      if (rows.length === 0) break;
      after = String(rows[rows.length - 1].row_ctid);
      for (const row of rows) {
        const changed = columns.filter((column) => {
          const masked = maskColumnValue(
            row[column.column],
            column,
            phoneColumns.has(`${table}.${column.column}`),
          );
          if (masked === row[column.column]) return false;
          row[column.column] = masked;
          return true;
        });
        if (changed.length === 0) continue;
        const assignments = changed.map(
          (column, index) => `${quote(column.column)} = $${index + 2}::${column.sqlType}`,
        );
        // A savepoint per row: a unique key (e.g. a recorded search text) may already hold the masked form.
        await run('SAVEPOINT remask_row');
        try {
          await run(`UPDATE ${target} SET ${assignments.join(', ')} WHERE ctid = $1::tid`, [
            row.row_ctid,
            ...changed.map((column) =>
              column.kind === 'json' ? JSON.stringify(row[column.column]) : row[column.column],
            ),
          ]);
          await run('RELEASE SAVEPOINT remask_row');
        } catch (error) {
          if ((error as { code?: string }).code !== '23505') throw error;
          await run('ROLLBACK TO SAVEPOINT remask_row');
          await run(`DELETE FROM ${target} WHERE ctid = $1::tid`, [row.row_ctid]);
          result.rowsDeleted++;
          continue;
        }
        result.rowsChanged++;
        for (const column of changed) {
          const key = `${table}.${column.column}`;
          result.columns[key] = (result.columns[key] ?? 0) + 1;
        }
      }
      if (rows.length < batchSize) break;
    }
  }
  return result;
}
