import type { Admin } from 'kafkajs';
import type { Logger } from '../logging/logger';

// Answers a broker gives while it, a topic it just created or a group
// coordinator is still coming up. kafkajs's own `waitForLeaders` tolerates
// only LEADER_NOT_AVAILABLE, yet a KRaft broker that has just started answers
// UNKNOWN_TOPIC_OR_PARTITION for a topic it created a moment ago.
const NOT_YET_TYPES = new Set([
  'UNKNOWN_TOPIC_OR_PARTITION',
  'LEADER_NOT_AVAILABLE',
  'NOT_LEADER_FOR_PARTITION',
  // kafkajs's names for the coordinator answers (Kafka's NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE,
  // COORDINATOR_LOAD_IN_PROGRESS), which a broker gives while it loads its groups after a restart.
  'NOT_COORDINATOR_FOR_GROUP',
  'GROUP_COORDINATOR_NOT_AVAILABLE',
  'GROUP_LOAD_IN_PROGRESS',
  'NOT_CONTROLLER',
  'REQUEST_TIMED_OUT',
  'BROKER_NOT_AVAILABLE',
]);

// Errors of a broker that is not reachable yet (a slow external Kafka, or a
// local one still binding its port).
const NOT_YET_NAMES = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSBrokerNotFound',
  'KafkaJSRequestTimeoutError',
  'KafkaJSMetadataNotLoaded',
  'KafkaJSLockTimeout',
  'KafkaJSTimeout',
  // FindCoordinator kept failing: a fresh or restarted broker is still creating or loading __consumer_offsets.
  'KafkaJSGroupCoordinatorNotFound',
  'TopicsNotReadyError',
]);

interface ErrorLike {
  name?: string;
  type?: string;
  code?: string;
  cause?: unknown;
  originalError?: unknown;
  errors?: unknown[];
}

/** True when a Kafka error means "not yet" during start, so the call is worth repeating. */
export function isKafkaNotYetError(error: unknown, depth = 0): boolean {
  if (!error || typeof error !== 'object' || depth > 5) return false;
  const candidate = error as ErrorLike;
  if (candidate.type && NOT_YET_TYPES.has(candidate.type)) return true;
  if (candidate.name && NOT_YET_NAMES.has(candidate.name)) return true;
  if (candidate.code === 'ECONNREFUSED' || candidate.code === 'ECONNRESET') return true;
  // kafkajs wraps the broker's answer after its own retries run out.
  const nested = [candidate.cause, candidate.originalError, ...(candidate.errors ?? [])];
  return nested.some((inner) => isKafkaNotYetError(inner, depth + 1));
}

/** Kafka did not become ready in time; names the brokers and topics so the user knows what to check. */
export class KafkaStartupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KafkaStartupError';
  }
}

/** Raised while some topic still lacks a leader for a partition; treated as "not yet". */
class TopicsNotReadyError extends Error {
  constructor(readonly topics: string[]) {
    super(`no leader yet for every partition of ${topics.join(', ')}`);
    this.name = 'TopicsNotReadyError';
  }
}

export interface KafkaStartupOptions {
  /** The brokers, named in the message when the deadline passes. */
  brokers?: string[];
  /** What is being started, e.g. "the sla consumer group", for logs and the final error. */
  what: string;
  /** Give up after this long; the default suits a broker that is still booting. */
  timeoutMs?: number;
  /** Topics involved, named in the final error. */
  topics?: string[];
  logger?: Logger;
}

export const DEFAULT_KAFKA_START_TIMEOUT_MS = 90_000;

/**
 * Runs `attempt` until it succeeds, retrying "not yet" answers with jittered
 * exponential backoff (100 ms doubling to 2 s, ±50 %) until the deadline; any
 * other error is thrown at once.
 */
export async function retryKafkaStartup<T>(
  attempt: () => Promise<T>,
  options: KafkaStartupOptions,
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_KAFKA_START_TIMEOUT_MS;
  const deadline = Date.now() + timeoutMs;
  for (let attemptNumber = 0; ; attemptNumber++) {
    try {
      return await attempt();
    } catch (error) {
      if (!isKafkaNotYetError(error)) throw error;
      const message = error instanceof Error ? error.message : String(error);
      if (Date.now() >= deadline) {
        const topics = options.topics?.length ? ` (topics: ${options.topics.join(', ')})` : '';
        throw new KafkaStartupError(
          `Kafka at ${options.brokers?.join(',') ?? 'KAFKA_BROKERS'} was not ready for ${options.what} within ${Math.round(timeoutMs / 1000)} s${topics}; last answer: ${message}`,
        );
      }
      const backoff = Math.min(2_000, 100 * 2 ** attemptNumber) * (0.5 + Math.random());
      options.logger?.info(
        { attempt: attemptNumber + 1, err: message },
        `Kafka not ready for ${options.what}; retrying`,
      );
      await new Promise((resolve) =>
        setTimeout(resolve, Math.min(backoff, Math.max(0, deadline - Date.now()))),
      );
    }
  }
}

/**
 * Starts a Kafka client component (a consumer, an event stream) with
 * `retryKafkaStartup`; a try that failed half-way is stopped before the
 * next, so no half-started connection or group member is left behind.
 */
export async function startKafkaComponent(
  component: { start(): Promise<void>; stop(): Promise<void> },
  options: KafkaStartupOptions,
): Promise<void> {
  await retryKafkaStartup(async () => {
    try {
      await component.start();
    } catch (error) {
      await component.stop().catch(() => undefined);
      throw error;
    }
  }, options);
}

/**
 * Waits until the metadata of every topic shows a leader for every
 * partition: only then will producers and consumers of a fresh topic not be
 * told UNKNOWN_TOPIC_OR_PARTITION.
 */
export async function waitForTopicLeaders(
  admin: Admin,
  topics: string[],
  options: Omit<KafkaStartupOptions, 'topics'>,
): Promise<void> {
  if (topics.length === 0) return;
  await retryKafkaStartup(
    async () => {
      const { topics: metadata } = await admin.fetchTopicMetadata({ topics });
      const byName = new Map(metadata.map((topic) => [topic.name, topic]));
      const notReady = topics.filter((name) => {
        const partitions = byName.get(name)?.partitions ?? [];
        return (
          partitions.length === 0 ||
          partitions.some((partition) => partition.leader < 0 || partition.partitionErrorCode !== 0)
        );
      });
      if (notReady.length > 0) throw new TopicsNotReadyError(notReady);
    },
    { ...options, topics },
  );
}
