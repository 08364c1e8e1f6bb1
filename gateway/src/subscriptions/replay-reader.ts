import { randomUUID } from 'node:crypto';
import { namespaced } from '@deskgraph/events';
import {
  CONSUMER_GROUP_TIMINGS,
  superviseConsumer,
  type Kafka,
  type Logger,
  type RestartPolicy,
  type SupervisedConsumer,
} from '@deskgraph/platform';
import type { Admin, Consumer, KafkaMessage } from 'kafkajs';
import { decodeRecord, streamTopics } from './event-stream';
import { partitionKey, type TicketUpdate } from './ticket-update';
import type { Replay, Replayer } from './update-hub';

export interface ReplayReaderOptions {
  kafka: Kafka;
  namespace: string;
  logger: Logger;
  /** Records one replay may read (all partitions together); more is answered with RESYNC_REQUIRED. */
  maxRecords: number;
  /** A replay that has not reached its end offsets by then is given up (RESYNC_REQUIRED). */
  timeoutMs?: number;
  restart?: Partial<RestartPolicy>;
}

export interface ReplayReader extends Replayer {
  start(): Promise<void>;
  stop(): Promise<void>;
  ready(): boolean;
  live(): boolean;
}

interface Range {
  start: bigint;
  end: bigint;
}

interface Request {
  ranges: Map<string, Range>;
  ends: Map<string, bigint>;
  updates: TicketUpdate[];
  /** The newest offset taken per partition: a batch fetched twice must not put an update in twice. */
  taken: Map<string, bigint>;
  /** 'timed out' when the pass did not reach the end offsets; null when the reader stopped. */
  resolve(replay: Replay | null | 'timed out'): void;
}

/**
 * Reads a bounded stretch of the event topics back for reconnecting
 * subscribers, so that any gateway replica — one started a second ago too —
 * can serve `since`. The window is found by broker timestamps
 * (`fetchTopicOffsetsByTimestamp`; topics are created with LogAppendTime) and
 * ends at the high watermarks read after the subscriber's live listener was
 * registered, so the hand-over to live updates goes by offsets.
 *
 * One consumer (its own group, every partition, never committing) is paused
 * between replays; the requests waiting when a pass starts are read in that
 * one pass, so a crowd reconnecting after a gateway died costs one read of
 * the window, not one per subscriber.
 */
export function createReplayReader(options: ReplayReaderOptions): ReplayReader {
  const topics = streamTopics(options.namespace);
  const groupId = namespaced(options.namespace, `deskgraph-gateway-replay-${randomUUID()}`);
  const logger = options.logger.child({ component: 'replay-reader' });
  const timeoutMs = options.timeoutMs ?? 15_000;
  let supervised: SupervisedConsumer | null = null;
  let consumer: Consumer | null = null;
  let admin: Admin | null = null;
  // One admin renewal at a time: a crowd of subscribers failing together needs one new admin.
  let renewing: Promise<void> | null = null;
  const queued: Request[] = [];
  let pass: {
    requests: Request[];
    // Partitions still being read, with the offset the pass reads up to (exclusive).
    reading: Map<string, bigint>;
    done(): void;
  } | null = null;

  function pauseAll(current: Consumer) {
    current.pause(topics.map((topic) => ({ topic })));
  }

  async function offsets(
    sinceMs: number,
  ): Promise<{ starts: Map<string, bigint>; ends: Map<string, bigint> }> {
    const starts = new Map<string, bigint>();
    const ends = new Map<string, bigint>();
    await Promise.all(
      topics.map(async (topic) => {
        // Ends first: everything below them is in the log when the caller's listener already runs.
        for (const { partition, high } of await admin!.fetchTopicOffsets(topic)) {
          ends.set(partitionKey(topic, partition), BigInt(high));
        }
        // kafkajs answers the high watermark for a partition with nothing at or after the time.
        for (const { partition, offset } of await admin!.fetchTopicOffsetsByTimestamp(topic, sinceMs)) {
          starts.set(partitionKey(topic, partition), BigInt(offset));
        }
      }),
    );
    return { starts, ends };
  }

  function onBatch(topic: string, partition: number, messages: KafkaMessage[], lastOffset: bigint) {
    const key = partitionKey(topic, partition);
    const end = pass?.reading.get(key);
    if (!pass || end === undefined) return;
    for (const message of messages) {
      const offset = BigInt(message.offset);
      if (offset >= end) break;
      const decoded = decodeRecord(topic, partition, message, logger);
      if (!decoded?.update) continue;
      for (const request of pass.requests) {
        const range = request.ranges.get(key);
        const taken = request.taken.get(key);
        if (!range || offset < range.start || offset >= range.end || (taken !== undefined && offset <= taken))
          continue;
        request.taken.set(key, offset);
        request.updates.push(decoded.update);
      }
    }
    if (lastOffset >= end - 1n) {
      pass.reading.delete(key);
      consumer?.pause([{ topic, partitions: [partition] }]);
      if (pass.reading.size === 0) pass.done();
    }
  }

  async function runPass(requests: Request[]): Promise<void> {
    const current = consumer;
    const reading = new Map<string, bigint>();
    const starts = new Map<string, bigint>();
    for (const request of requests) {
      for (const [key, range] of request.ranges) {
        starts.set(key, starts.has(key) && starts.get(key)! < range.start ? starts.get(key)! : range.start);
        if (!reading.has(key) || reading.get(key)! < range.end) reading.set(key, range.end);
      }
    }
    let finished = false;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        logger.warn(
          { partitions: [...(pass?.reading.keys() ?? [])] },
          'replay did not reach its end offsets in time',
        );
        resolve();
      }, timeoutMs);
      pass = {
        requests,
        reading,
        done: () => {
          finished = true;
          clearTimeout(timer);
          resolve();
        },
      };
      if (!current) return;
      for (const [key, start] of starts) {
        const [topic, partition] = splitKey(key);
        current.seek({ topic, partition, offset: start.toString() });
        current.resume([{ topic, partitions: [partition] }]);
      }
    });
    pass = null;
    if (current) pauseAll(current);
    for (const request of requests) {
      if (!finished) {
        request.resolve('timed out');
        continue;
      }
      request.updates.sort(inStreamOrder);
      request.resolve({ updates: request.updates, ends: request.ends });
    }
  }

  let draining: Promise<void> | null = null;
  function drain() {
    draining ??= (async () => {
      while (queued.length > 0) await runPass(queued.splice(0));
      draining = null;
    })();
  }

  return {
    async start() {
      admin = options.kafka.admin();
      await admin.connect();
      supervised = superviseConsumer({
        create: () =>
          options.kafka.consumer({
            groupId,
            // Ready again within seconds of a restarted broker, like the live stream (the gateway's readiness waits for both).
            ...CONSUMER_GROUP_TIMINGS,
            allowAutoTopicCreation: false,
            maxWaitTimeInMs: 100,
          }),
        run: async (created) => {
          await created.connect();
          await created.subscribe({ topics, fromBeginning: false });
          await created.run({
            autoCommit: false,
            eachBatch: async ({ batch }) =>
              onBatch(batch.topic, batch.partition, batch.messages, BigInt(batch.lastOffset())),
          });
          // Nothing is read until a replay asks for it.
          pauseAll(created);
          consumer = created;
        },
        logger,
        restart: options.restart,
      });
      await supervised.start();
    },
    async stop() {
      await supervised?.stop();
      supervised = null;
      consumer = null;
      await admin?.disconnect().catch(() => undefined);
      admin = null;
      for (const request of queued.splice(0)) request.resolve(null);
    },
    ready: () => supervised?.joined() ?? false,
    live: () => supervised?.live() ?? true,

    async replay(sinceMs) {
      // A pass that did not reach its end offsets in time (a stalled fetch, a
      // rebalance that dropped the seek) is planned once more from fresh
      // offsets before the subscriber is told to resync.
      for (let attempt = 1; attempt <= 2; attempt++) {
        const outcome = await replayOnce(sinceMs);
        if (outcome !== 'timed out') return outcome;
        logger.warn({ attempt }, 'replay pass timed out');
      }
      return null;
    },
  };

  /**
   * offsets(), retried with fresh metadata. kafkajs' admin retries an offsets
   * lookup only for an unknown topic: a partition whose leader just moved (a
   * broker restart, or a topic created a moment ago) answers
   * NOT_LEADER_FOR_PARTITION or LEADER_NOT_AVAILABLE at once, and the admin's
   * cached metadata stays stale for metadataMaxAge (5 min), so every replay
   * would answer RESYNC_REQUIRED until then. A new admin reads fresh metadata.
   */
  async function offsetsWithFreshMetadata(sinceMs: number) {
    for (let attempt = 1; ; attempt++) {
      try {
        return await offsets(sinceMs);
      } catch (error) {
        if (attempt >= OFFSET_LOOKUP_ATTEMPTS || (error as { retriable?: unknown }).retriable !== true)
          throw error;
        logger.info({ err: error, attempt }, 'replay offsets lookup failed: retrying with fresh metadata');
        await renewAdmin();
        await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** attempt));
      }
    }
  }

  function renewAdmin(): Promise<void> {
    renewing ??= (async () => {
      const stale = admin;
      if (!stale) return; // stopped meanwhile
      const fresh = options.kafka.admin();
      await fresh.connect();
      admin = fresh;
      await stale.disconnect().catch(() => undefined);
    })().finally(() => {
      renewing = null;
    });
    return renewing;
  }

  async function replayOnce(sinceMs: number): Promise<Replay | null | 'timed out'> {
    if (!admin || !consumer) return null;
    try {
      const { starts, ends } = await offsetsWithFreshMetadata(sinceMs);
      const ranges = new Map<string, Range>();
      let records = 0n;
      for (const [key, end] of ends) {
        const start = starts.get(key) ?? end;
        if (start >= end) continue;
        ranges.set(key, { start, end });
        records += end - start;
      }
      if (records > BigInt(options.maxRecords)) {
        logger.info({ records, maxRecords: options.maxRecords }, 'replay longer than allowed: resync');
        return null;
      }
      if (ranges.size === 0) return { updates: [], ends };
      return await new Promise<Replay | null | 'timed out'>((resolve) => {
        queued.push({ ranges, ends, updates: [], taken: new Map(), resolve });
        drain();
      });
    } catch (error) {
      logger.warn({ err: error }, 'replay failed: resync');
      return null;
    }
  }
}

/** Lookups of a replay's offsets before it gives up (RESYNC_REQUIRED): ~1.5 s of backoff in all. */
const OFFSET_LOOKUP_ATTEMPTS = 4;

function splitKey(key: string): [string, number] {
  const at = key.lastIndexOf(':');
  return [key.slice(0, at), Number(key.slice(at + 1))];
}

/** Broker time first; ties (same millisecond) by topic, partition and offset. */
function inStreamOrder(a: TicketUpdate, b: TicketUpdate): number {
  const x = a.position!;
  const y = b.position!;
  if (x.timestamp !== y.timestamp) return x.timestamp - y.timestamp;
  if (x.topic !== y.topic) return x.topic < y.topic ? -1 : 1;
  if (x.partition !== y.partition) return x.partition - y.partition;
  return x.offset < y.offset ? -1 : x.offset > y.offset ? 1 : 0;
}
