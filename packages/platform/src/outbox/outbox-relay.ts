import type { DataSource } from 'typeorm';
import type { Producer } from 'kafkajs';
import type { Logger } from '../logging/logger';
import type { Metrics } from '../server/metrics';
import { endSpan, startPublishSpan, type TraceCarrier } from '../telemetry/event-tracing';
import { queryPrepared } from '../database/prepared-query';
import { onOutboxCommitted } from './outbox-commits';

export interface OutboxRelayOptions {
  dataSource: DataSource;
  producer: Producer;
  schema: string;
  logger: Logger;
  metrics: Metrics;
  /** Poll this often besides the wake-ups, for rows whose writer died between its commit and waking the relay. */
  pollIntervalMs?: number;
  /** Most rows per producer request. */
  batchSize?: number;
  /** Published rows older than this are deleted. */
  retentionMs?: number;
}

class OutboxPublishError extends Error {
  constructor(
    readonly sequences: string[],
    cause: unknown,
  ) {
    super(cause instanceof Error ? cause.message : String(cause));
    this.name = 'OutboxPublishError';
  }
}

/** Orders bigint sequences as PostgreSQL returns them (decimal strings). */
function compareSequences(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}

type PublishedEvent = { id: string; type: string } & TraceCarrier;

interface OutboxRow {
  sequence: string;
  topic: string;
  message_key: string;
  event_type: string;
  payload: unknown;
}

/**
 * Publishes outbox rows to Kafka in commit order and marks them sent.
 *
 * A transaction-scoped advisory lock lets one replica publish at a time, so
 * two replicas can never interleave one ticket's events out of order; FOR
 * UPDATE SKIP LOCKED additionally guarantees no row is claimed twice. A crash
 * between the Kafka ack and the commit republishes the batch: delivery is
 * at-least-once and consumers deduplicate on the event id.
 *
 * Wake-ups come from this process's own commits that wrote the outbox (see
 * onOutboxCommitted), with no SQL. Other replicas need no signal: a woken
 * relay waits for the lock instead of skipping when another replica holds
 * it, then reads every row committed before it woke, so each commit's rows
 * leave right after the batch ahead of them, by their writer's relay or an
 * earlier one. A NOTIFY to other replicas could not be faster than that and
 * would cost a commit under PostgreSQL's cluster-wide notification lock; a
 * poll would add its interval. The poll that remains only covers a writer
 * that died between its commit and its wake-up.
 */
export class OutboxRelay {
  private unsubscribe: (() => void) | null = null;
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private draining: Promise<void> | null = null;
  private wakeRequested = false;
  private lastCleanup = 0;

  constructor(private readonly options: OutboxRelayOptions) {}

  async start(): Promise<void> {
    this.running = true;
    this.unsubscribe = onOutboxCommitted(this.options.dataSource, () => this.wake());
    this.timer = setInterval(() => this.wake(), this.options.pollIntervalMs ?? 1_000);
    this.wake();
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearInterval(this.timer);
    this.unsubscribe?.();
    this.unsubscribe = null;
    await this.draining;
  }

  /** Coalesces wake-ups: one drain loop at a time, rerun if woken meanwhile. */
  private wake(): void {
    if (!this.running) return;
    if (this.draining) {
      this.wakeRequested = true;
      return;
    }
    this.draining = this.drain().finally(() => {
      this.draining = null;
      if (this.wakeRequested && this.running) {
        this.wakeRequested = false;
        this.wake();
      }
    });
  }

  private async drain(): Promise<void> {
    const { batchSize = 200 } = this.options;
    try {
      // A batch that was not full took everything committed before it; later commits wake us again.
      while (this.running && (await this.publishBatch()) >= batchSize) {
        // keep going while there is a backlog
      }
      await this.cleanup();
    } catch (error) {
      this.options.metrics.outboxPublishFailures.inc();
      this.options.logger.error({ err: error }, 'outbox publish failed; will retry');
      if (error instanceof OutboxPublishError) await this.recordFailure(error).catch(() => undefined);
    }
  }

  /** Publishes one batch; returns how many rows were sent. */
  async publishBatch(): Promise<number> {
    const { dataSource, producer, schema, batchSize = 200 } = this.options;
    return dataSource.transaction(async (manager) => {
      // Wait rather than skip: the holder may have read the outbox before our rows committed.
      await queryPrepared(manager, `SELECT pg_advisory_xact_lock(hashtext($1))`, [`${schema}.outbox`]);
      // Claimed and marked sent in one statement: a failed send rolls the mark back with the rest.
      const rows = await queryPrepared<OutboxRow>(
        manager,
        `UPDATE outbox SET published_at = now()
          WHERE sequence IN (SELECT sequence FROM outbox WHERE published_at IS NULL
                              ORDER BY sequence LIMIT $1 FOR UPDATE SKIP LOCKED)
          RETURNING sequence, topic, message_key, event_type, payload`,
        [batchSize],
      );
      if (rows.length === 0) return 0;
      // RETURNING promises no order; commit order is what consumers must see.
      rows.sort((a, b) => compareSequences(a.sequence, b.sequence));
      const byTopic = new Map<string, OutboxRow[]>();
      for (const row of rows) {
        const topicRows = byTopic.get(row.topic);
        if (topicRows) topicRows.push(row);
        else byTopic.set(row.topic, [row]);
      }
      const spans = rows.map((row) => startPublishSpan(row.payload as PublishedEvent, row.topic));
      const traced = new Map(rows.map((row, index) => [row, spans[index]?.carrier ?? {}]));
      try {
        await producer.sendBatch({
          acks: -1,
          topicMessages: [...byTopic].map(([topic, topicRows]) => ({
            topic,
            messages: topicRows.map((row) => {
              // The publish span replaces the creating context: consumers continue from it.
              const trace = traced.get(row) ?? {};
              return {
                key: row.message_key,
                value: JSON.stringify({ ...(row.payload as object), ...trace }),
                headers: {
                  ce_type: row.event_type,
                  'content-type': 'application/cloudevents+json',
                  ...(trace.traceparent ? { traceparent: trace.traceparent } : {}),
                },
              };
            }),
          })),
        });
        for (const traced of spans) endSpan(traced?.span);
      } catch (error) {
        for (const traced of spans) endSpan(traced?.span, error);
        throw new OutboxPublishError(
          rows.map((row) => row.sequence),
          error,
        );
      }
      this.options.metrics.outboxPublished.inc(rows.length);
      return rows.length;
    });
  }

  // Runs after the batch transaction rolled back, so the attempt count survives.
  private async recordFailure(error: OutboxPublishError): Promise<void> {
    await this.options.dataSource.query(
      `UPDATE outbox SET attempts = attempts + 1, last_error = $2 WHERE sequence = ANY($1::bigint[])`,
      [error.sequences, error.message],
    );
  }

  private async cleanup(): Promise<void> {
    const now = Date.now();
    if (now - this.lastCleanup < 60_000) return;
    this.lastCleanup = now;
    const retentionSeconds = Math.floor((this.options.retentionMs ?? 7 * 24 * 3600_000) / 1000);
    await this.options.dataSource.query(
      `DELETE FROM outbox WHERE published_at < now() - make_interval(secs => $1)`,
      [retentionSeconds],
    );
  }

  /** Rows waiting to be published: exported as a gauge and used by tests. */
  async backlog(): Promise<number> {
    const [{ count }] = await this.options.dataSource.query(
      `SELECT count(*)::int AS count FROM outbox WHERE published_at IS NULL`,
    );
    return count;
  }
}
