import { Kafka, logLevel, Partitioners, type Admin, type ITopicConfig, type Producer } from 'kafkajs';
import type { KafkaConfig } from '../config/models';
import type { Logger } from '../logging/logger';
import { retryKafkaStartup, waitForTopicLeaders, type KafkaStartupOptions } from './kafka-startup';

export type { Kafka, Producer, Consumer, Admin } from 'kafkajs';

const levelNames: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

export function createKafka(config: KafkaConfig, clientId: string, logger: Logger): Kafka {
  const kafkaLogger = logger.child({ component: 'kafkajs' });
  return new Kafka({
    clientId,
    brokers: config.brokers,
    connectionTimeout: 5_000,
    // Retries wait at most 1 s, so a broker that comes back is seen within a second; kafkajs's
    // default grows the wait to 30 s, and consumers then sat idle long after the broker returned.
    retry: { initialRetryTime: 100, maxRetryTime: 1_000, retries: 10 },
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ level, log }) => {
        const { message, ...extra } = log;
        kafkaLogger[levelNames[level] ?? 'info'](extra, message);
      },
  });
}

/**
 * Group timings of every deskgraph consumer. A consumer that lost the broker
 * rejoins as a new member, and the coordinator, which reloaded the group with
 * the old member in it, waits for that member until its session or the
 * rebalance timeout ends, whichever comes first; kafkajs's 60 s rebalance
 * timeout left the session (30 s by default) to decide. A short rebalance
 * timeout bounds that wait; members still rejoin well within it, since they
 * heartbeat between events and so learn of a rebalance within a second.
 */
export const CONSUMER_GROUP_TIMINGS = {
  /** A crashed replica's partitions move to a live one after 10 s. */
  sessionTimeout: 10_000,
  heartbeatInterval: 1_000,
  rebalanceTimeout: 2_000,
} as const;

/**
 * Idempotent producer with one request in flight, so retries can neither
 * duplicate nor reorder messages of one key; murmur2 partitioning matches the
 * Java client so outside consumers see the same key → partition mapping.
 */
export function createProducer(kafka: Kafka): Producer {
  return kafka.producer({
    createPartitioner: Partitioners.DefaultPartitioner,
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
  });
}

export interface TopicSpec {
  topic: string;
  numPartitions?: number;
}

/**
 * Every topic deskgraph creates stamps its records with the broker's clock
 * (LogAppendTime), not the producer's: replay by timestamp (the gateway's
 * `since`) then follows the log's order, and one producer with a skewed clock
 * cannot move it. Topics created before keep their setting; see the root
 * README to change it.
 */
export const TOPIC_CONFIG = [{ name: 'message.timestamp.type', value: 'LogAppendTime' }];

/**
 * Creates missing topics and waits until every partition of every topic has
 * a leader; safe to call from every replica at start, and against a broker
 * that is still starting ("not yet" answers are retried until the deadline).
 */
export async function ensureTopics(
  kafka: Kafka,
  topics: TopicSpec[],
  options: Omit<KafkaStartupOptions, 'what' | 'topics'>,
): Promise<void> {
  const names = topics.map((spec) => spec.topic);
  const admin: Admin = kafka.admin();
  const startup = { ...options, what: 'creating topics', topics: names };
  try {
    await retryKafkaStartup(() => admin.connect(), startup);
    await retryKafkaStartup(async () => {
      const existing = new Set(await admin.listTopics());
      const missing: ITopicConfig[] = topics
        .filter((spec) => !existing.has(spec.topic))
        .map((spec) => ({
          topic: spec.topic,
          numPartitions: spec.numPartitions ?? 6,
          replicationFactor: -1,
          configEntries: TOPIC_CONFIG,
        }));
      if (missing.length === 0) return;
      try {
        // Leaders are awaited below: kafkajs's own wait gives up on UNKNOWN_TOPIC_OR_PARTITION.
        await admin.createTopics({ topics: missing, waitForLeaders: false });
      } catch (error) {
        // Another replica may have created the same topic a moment earlier.
        if (!(error instanceof Error && /already exists/i.test(error.message))) throw error;
      }
    }, startup);
    await waitForTopicLeaders(admin, names, { ...options, what: 'topic leaders' });
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
