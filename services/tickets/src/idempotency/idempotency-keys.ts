import { createHash } from 'node:crypto';
import type { Identity } from '@deskgraph/platform';
import { describeProblems } from '@deskgraph/platform';
import type { DataSource, EntityManager } from 'typeorm';
import { TicketError, TicketErrorCode } from '../ticket/ticket.errors';

/** The mutations that take an idempotency key: a retry of any of them would double something. */
export type IdempotentOperation = 'createTicket' | 'replyToTicket' | 'proposeCompensation' | 'scheduleVisit';

/** What an attempt stores to answer its retries: ids (and small values) to read the result back. */
export type RememberedResult = Record<string, unknown>;

export interface IdempotentRequest {
  identity: Identity;
  operation: IdempotentOperation;
  /** From the `Idempotency-Key` header or the input's `idempotencyKey`; none → no idempotency. */
  key: string | null;
  /** The mutation's input as received; its fingerprint tells a retry from a reuse of the key. */
  input: unknown;
}

export interface IdempotentWork<T> {
  /** Work outside the transaction that a replay must skip (e.g. recording a refused reply). */
  before?: () => Promise<void>;
  /** The change itself, in the transaction that holds the key. */
  execute: (manager: EntityManager) => Promise<T>;
  remember: (result: T) => RememberedResult;
  replay: (remembered: RememberedResult, manager: EntityManager) => Promise<T>;
}

interface KeyRow {
  operation: string;
  fingerprint: string;
  result: RememberedResult | null;
  created_at: Date;
}

/** Stripe's limit; keys are usually UUIDs. */
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

/**
 * Picks the key of a request: the `Idempotency-Key` HTTP header (forwarded
 * by the gateway) or the input's `idempotencyKey` (for graphql-ws and
 * batching clients, which cannot set a header per operation).
 */
export function requestIdempotencyKey(headerKey: string | null | undefined, input: unknown): string | null {
  const fieldKey = (input as { idempotencyKey?: unknown } | null)?.idempotencyKey;
  const fromField = typeof fieldKey === 'string' ? fieldKey : null;
  const key = fromField ?? headerKey ?? null;
  if (key === null) return null;
  const problems = [];
  if (fromField !== null && headerKey != null && fromField !== headerKey) {
    problems.push({
      field: 'idempotencyKey',
      message: 'The Idempotency-Key header and input.idempotencyKey differ; send one of them.',
    });
  }
  if (!KEY_PATTERN.test(key)) {
    problems.push({
      field: 'idempotencyKey',
      message: 'An idempotency key is 1-255 printable ASCII characters without spaces, e.g. a UUID.',
    });
  }
  if (problems.length > 0) {
    throw new TicketError(TicketErrorCode.InvalidInput, describeProblems(problems), {
      problems,
    });
  }
  return key;
}

/** Order-independent JSON of an input: keys sorted, null and absent fields alike, the key itself left out. */
function canonical(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([name, field]) => field != null && name !== 'idempotencyKey')
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([name, field]) => [name, canonical(field)]),
    );
  }
  return value;
}

export function requestFingerprint(operation: IdempotentOperation, input: unknown): string {
  return createHash('sha256')
    .update(JSON.stringify([operation, canonical(input)]))
    .digest('hex');
}

/**
 * Idempotency keys in PostgreSQL (`idempotency_keys`, one row per caller and
 * key). The first attempt inserts the row as the first statement of its
 * transaction and stores its result there before commit; a concurrent retry
 * blocks on the row's unique key until that transaction ends, then reads the
 * committed result (or, if the first attempt rolled back, runs itself). So a
 * retry never repeats the change, its timeline entry or its events — while
 * the first attempt runs, after it, and across restarts.
 */
export class IdempotencyKeys {
  constructor(private readonly dataSource: DataSource) {}

  async run<T>(request: IdempotentRequest, work: IdempotentWork<T>): Promise<T> {
    if (request.key === null) {
      await work.before?.();
      return this.dataSource.transaction((manager) => work.execute(manager));
    }
    const key = request.key;
    const callerId = request.identity.userId;
    const fingerprint = requestFingerprint(request.operation, request.input);
    const done = await this.find(this.dataSource.manager, callerId, key);
    if (done?.result) return this.replay(done, request, fingerprint, work, this.dataSource.manager);
    await work.before?.();
    return this.dataSource.transaction(async (manager) => {
      for (;;) {
        const claimed = await manager.query(
          `INSERT INTO idempotency_keys (caller_id, key, operation, fingerprint) VALUES ($1, $2, $3, $4)
           ON CONFLICT (caller_id, key) DO NOTHING RETURNING key`,
          [callerId, key, request.operation, fingerprint],
        );
        if (claimed.length > 0) break;
        // Another attempt with this key committed while this one waited on its row.
        const other = await this.find(manager, callerId, key);
        if (other) return this.replay(other, request, fingerprint, work, manager);
        // …and its row was purged since: claim it again.
      }
      const result = await work.execute(manager);
      await manager.query(`UPDATE idempotency_keys SET result = $3 WHERE caller_id = $1 AND key = $2`, [
        callerId,
        key,
        JSON.stringify(work.remember(result)),
      ]);
      return result;
    });
  }

  private async find(manager: EntityManager, callerId: string, key: string): Promise<KeyRow | null> {
    const [row] = await manager.query(
      `SELECT operation, fingerprint, result, created_at FROM idempotency_keys WHERE caller_id = $1 AND key = $2`,
      [callerId, key],
    );
    return (row as KeyRow | undefined) ?? null;
  }

  private replay<T>(
    row: KeyRow,
    request: IdempotentRequest,
    fingerprint: string,
    work: IdempotentWork<T>,
    manager: EntityManager,
  ): Promise<T> {
    if (row.operation !== request.operation || row.fingerprint !== fingerprint) {
      throw new TicketError(
        TicketErrorCode.IdempotencyKeyReused,
        `Idempotency key "${request.key}" was used at ${row.created_at.toISOString()} for ${
          row.operation === request.operation ? `${row.operation} with different input` : row.operation
        }; send the same input to retry that request, or a new key for a new one.`,
        { operation: row.operation, firstUsedAt: row.created_at.toISOString() },
      );
    }
    return work.replay(row.result!, manager);
  }
}
