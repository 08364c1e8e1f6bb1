import { Kafka, logLevel, Partitioners, type Admin, type ITopicConfig, type Producer } from 'kafkajs';
import type { KafkaConfig } from '../config/models';
import type { Logger } from '../logging/logger';

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
    retry: { initialRetryTime: 200, retries: 8 },
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

/** Creates missing topics; safe to call from every replica at start. */
export async function ensureTopics(kafka: Kafka, topics: TopicSpec[]): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await createMissingTopics(kafka, topics);
      return;
    } catch (error) {
      // A busy broker may answer the leader check for a topic it has just created with
      // UNKNOWN_TOPIC_OR_PARTITION (retriable); the service must not fail to start for that.
      const retriable = (error as { retriable?: boolean }).retriable === true;
      if (!retriable || attempt >= 10) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
    }
  }
}

async function createMissingTopics(kafka: Kafka, topics: TopicSpec[]): Promise<void> {
  const admin: Admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing: ITopicConfig[] = topics
      .filter((spec) => !existing.has(spec.topic))
      .map((spec) => ({ topic: spec.topic, numPartitions: spec.numPartitions ?? 6, replicationFactor: -1 }));
    if (missing.length > 0) {
      await admin.createTopics({ topics: missing, waitForLeaders: true });
    }
  } catch (error) {
    // Another replica may have created the same topic a moment earlier.
    if (!(error instanceof Error && /already exists/i.test(error.message))) throw error;
  } finally {
    await admin.disconnect();
  }
}
