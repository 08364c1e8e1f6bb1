import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import type { Producer } from 'kafkajs';
import type { Logger } from '../logging/logger';
import { outboxChannel } from '../database/platform-tables';
import type { Metrics } from '../server/metrics';

export interface OutboxRelayOptions {
  dataSource: DataSource;
  producer: Producer;
  databaseUrl: string;
  schema: string;
  logger: Logger;
  metrics: Metrics;
  /** Poll even without a NOTIFY, in case a notification was missed. */
  pollIntervalMs?: number;
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
 */
export class OutboxRelay {
  private listener: Client | null = null;
  private timer: NodeJS.Timeout | null = null;
  private relistenTimer: NodeJS.Timeout | null = null;
  private running = false;
  private draining: Promise<void> | null = null;
  private wakeRequested = false;
  private lastCleanup = 0;

  constructor(private readonly options: OutboxRelayOptions) {}

  async start(): Promise<void> {
    this.running = true;
    await this.listen();
    this.timer = setInterval(() => this.wake(), this.options.pollIntervalMs ?? 1_000);
    this.wake();
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearInterval(this.timer);
    if (this.relistenTimer) clearTimeout(this.relistenTimer);
    this.relistenTimer = null;
    await this.draining;
    const listener = this.listener;
    this.listener = null;
    await listener?.end().catch(() => undefined);
  }

  /** True while the LISTEN connection is up, i.e. a commit wakes the relay at once rather than on the poll tick. */
  listening(): boolean {
    return this.listener !== null;
  }

  private async listen(): Promise<void> {
    const listener = new Client({ connectionString: this.options.databaseUrl });
    listener.on('notification', () => this.wake());
    // A lost connection (PostgreSQL restarted, a failover) is opened again;
    // without it every event would wait for the poll tick until the process restarts.
    listener.on('error', (error) => this.options.logger.warn({ err: error }, 'outbox listener error'));
    listener.on('end', () => {
      if (this.listener !== listener) return;
      this.listener = null;
      if (this.running) this.relisten(0);
    });
    try {
      await listener.connect();
      await listener.query(`LISTEN "${outboxChannel(this.options.schema)}"`);
    } catch (error) {
      await listener.end().catch(() => undefined);
      throw error;
    }
    this.listener = listener;
  }

  /** Reopens the LISTEN connection with jittered backoff (100 ms doubling to 5 s). */
  private relisten(attempt: number): void {
    const delay = Math.min(5_000, 100 * 2 ** attempt) * (0.5 + Math.random() / 2);
    this.relistenTimer = setTimeout(async () => {
      this.relistenTimer = null;
      if (!this.running) return;
      try {
        await this.listen();
      } catch (error) {
        this.options.logger.warn(
          { err: error, attempt: attempt + 1 },
          'outbox listener not back yet; retrying',
        );
        this.relisten(attempt + 1);
        return;
      }
      if (!this.running) {
        await this.listener?.end().catch(() => undefined);
        this.listener = null;
        return;
      }
      this.options.logger.info({ attempts: attempt + 1 }, 'outbox listener re-established');
      this.options.metrics.outboxListenerReconnects.inc();
      // Commits while the listener was gone sent no NOTIFY it could hear.
      this.wake();
    }, delay);
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
    try {
      while (this.running && (await this.publishBatch()) > 0) {
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
      const [{ locked }] = await manager.query(`SELECT pg_try_advisory_xact_lock(hashtext($1)) AS locked`, [
        `${schema}.outbox`,
      ]);
      if (!locked) return 0;
      const rows: OutboxRow[] = await manager.query(
        `SELECT sequence, topic, message_key, event_type, payload FROM outbox
          WHERE published_at IS NULL ORDER BY sequence LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [batchSize],
      );
      if (rows.length === 0) return 0;
      const byTopic = new Map<string, OutboxRow[]>();
      for (const row of rows) byTopic.set(row.topic, [...(byTopic.get(row.topic) ?? []), row]);
      try {
        await producer.sendBatch({
          acks: -1,
          topicMessages: [...byTopic].map(([topic, topicRows]) => ({
            topic,
            messages: topicRows.map((row) => ({
              key: row.message_key,
              value: JSON.stringify(row.payload),
              headers: { ce_type: row.event_type, 'content-type': 'application/cloudevents+json' },
            })),
          })),
        });
      } catch (error) {
        throw new OutboxPublishError(
          rows.map((row) => row.sequence),
          error,
        );
      }
      await manager.query(`UPDATE outbox SET published_at = now() WHERE sequence = ANY($1::bigint[])`, [
        rows.map((row) => row.sequence),
      ]);
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
