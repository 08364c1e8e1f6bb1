import type { BackgroundWorker, Logger } from '@deskgraph/platform';
import type { DataSource } from 'typeorm';

export interface SearchMissOptions {
  /** How often pending misses are written (ms). */
  flushIntervalMs: number;
  /** Distinct queries held while the database cannot be written; further ones are dropped (and logged). */
  maxPending: number;
}

export const SEARCH_MISS_DEFAULTS: SearchMissOptions = { flushIntervalMs: 250, maxPending: 10_000 };

/**
 * Searches that found nothing, counted per normalised query for content
 * gaps. A search only notes its miss in memory: written on the request path,
 * the upsert's commit (a WAL flush, and a wait on the row when many callers
 * miss the same query) was most of a no-match search's latency under load.
 * Pending misses are written every `flushIntervalMs` in one upsert (in query
 * order, so two replicas cannot deadlock), kept for the next try when the
 * write fails, and written when the service stops (after the server has
 * drained). `contentGaps` flushes first, so a caller sees its own misses.
 * What a killed process (SIGKILL) loses: the misses of its last interval.
 */
export class SearchMissRecorder implements BackgroundWorker {
  readonly name = 'search-misses';
  private pending = new Map<string, { count: number; lastSeenAt: Date }>();
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> = Promise.resolve();
  private droppedWarned = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly options: SearchMissOptions = SEARCH_MISS_DEFAULTS,
    private readonly logger?: Logger,
  ) {}

  /** Notes a miss; never waits and never throws. */
  record(query: string): void {
    if (!query) return;
    const entry = this.pending.get(query);
    if (entry) {
      entry.count++;
      entry.lastSeenAt = new Date();
    } else if (this.pending.size < this.options.maxPending) {
      this.pending.set(query, { count: 1, lastSeenAt: new Date() });
    } else if (!this.droppedWarned) {
      this.droppedWarned = true;
      this.logger?.warn(
        { pending: this.pending.size },
        'search misses dropped: too many pending while the database cannot be written',
      );
    }
  }

  /** Writes every miss noted so far; resolves once they are committed (or rejects, keeping them pending). */
  flush(): Promise<void> {
    // One write at a time, in order: a flush waits for the one before it, then takes what is pending.
    this.writing = this.writing.catch(() => undefined).then(() => this.write());
    return this.writing;
  }

  async start(): Promise<void> {
    this.timer = setInterval(() => {
      this.flush().catch((error: unknown) =>
        this.logger?.warn({ err: error }, 'search misses not written yet; retrying'),
      );
    }, this.options.flushIntervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.flush();
  }

  private async write(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = [...this.pending.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    this.pending = new Map();
    this.droppedWarned = false;
    try {
      await this.dataSource.query(
        `INSERT INTO search_misses AS m (query, count, first_seen_at, last_seen_at)
         SELECT query, count, seen, seen FROM unnest($1::text[], $2::int[], $3::timestamptz[]) AS b(query, count, seen)
         ON CONFLICT (query) DO UPDATE
           SET count = m.count + excluded.count, last_seen_at = greatest(m.last_seen_at, excluded.last_seen_at)`,
        [
          batch.map(([query]) => query),
          batch.map(([, miss]) => miss.count),
          batch.map(([, miss]) => miss.lastSeenAt),
        ],
      );
    } catch (error) {
      // Put the batch back (merged with what arrived meanwhile) for the next flush.
      for (const [query, miss] of batch) {
        const entry = this.pending.get(query);
        if (entry) {
          entry.count += miss.count;
          if (miss.lastSeenAt > entry.lastSeenAt) entry.lastSeenAt = miss.lastSeenAt;
        } else {
          this.pending.set(query, miss);
        }
      }
      throw error;
    }
  }
}
