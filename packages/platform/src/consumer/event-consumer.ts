import { deadLetterTopic, namespaced, validateEvent, type DeskgraphEvent } from '@deskgraph/events';
import type { Consumer, Kafka, KafkaMessage, Producer } from 'kafkajs';
import type { DataSource, EntityManager } from 'typeorm';
import { withCorrelationId, type Logger } from '../logging/logger';
import type { OutboxWriter } from '../outbox/outbox';
import type { Metrics } from '../server/metrics';

export interface EventHandlerContext {
  /** The transaction the handler's changes and the processed-event mark share. */
  manager: EntityManager;
  outbox: OutboxWriter;
  logger: Logger;
}

/** What a handler did with an event; 'ignored' is counted but changes nothing. */
export type HandlerOutcome = 'applied' | 'ignored';

export type EventHandler = (event: DeskgraphEvent, context: EventHandlerContext) => Promise<HandlerOutcome>;

export interface EventConsumerOptions {
  kafka: Kafka;
  /** Used for dead letters only. */
  producer: Producer;
  dataSource: DataSource;
  outbox: OutboxWriter;
  /** Logical group name, e.g. 'sla'; prefixed with the namespace. */
  group: string;
  /** Logical topic names from `TOPICS`. */
  topics: string[];
  namespace: string;
  handle: EventHandler;
  logger: Logger;
  metrics: Metrics;
  /** Attempts before an event whose handler keeps failing is dead-lettered. */
  maxAttempts?: number;
  fromBeginning?: boolean;
}

export interface EventConsumer {
  start(): Promise<void>;
  stop(): Promise<void>;
  ready(): boolean;
}

type Outcome = HandlerOutcome | 'duplicate';

/**
 * Runs one handler per event inside a Postgres transaction that also records
 * the event id, so a redelivered event is recognised and skipped. Offsets are
 * resolved only after that transaction commits (kafkajs commits only resolved
 * offsets), so a crash at any point replays rather than loses. Poison events
 * go to the group's dead-letter topic and the partition moves on; a database
 * outage is not poison: the consumer backs off and retries the same event.
 */
export function createEventConsumer(options: EventConsumerOptions): EventConsumer {
  const groupId = namespaced(options.namespace, options.group);
  const dlqTopic = namespaced(options.namespace, deadLetterTopic(options.group));
  const maxAttempts = options.maxAttempts ?? 5;
  const logger = options.logger.child({ consumerGroup: groupId });
  let consumer: Consumer | null = null;
  let joined = false;

  async function deadLetter(
    topic: string,
    partition: number,
    message: KafkaMessage,
    reason: string,
    error: unknown,
  ) {
    const description = error instanceof Error ? error.message : String(error);
    await options.producer.send({
      topic: dlqTopic,
      acks: -1,
      messages: [
        {
          key: message.key,
          value: message.value,
          headers: {
            'deskgraph-dlq-reason': reason,
            'deskgraph-dlq-error': description.slice(0, 4000),
            'deskgraph-dlq-topic': topic,
            'deskgraph-dlq-partition': String(partition),
            'deskgraph-dlq-offset': message.offset,
            'deskgraph-dlq-group': groupId,
            'deskgraph-dlq-at': new Date().toISOString(),
          },
        },
      ],
    });
    options.metrics.deadLettered.inc({ group: groupId, reason });
    logger.warn(
      { topic, partition, offset: message.offset, reason, error: description },
      'event dead-lettered',
    );
  }

  async function applyOnce(event: DeskgraphEvent): Promise<Outcome> {
    return options.dataSource.transaction(async (manager) => {
      const inserted: unknown[] = await manager.query(
        `INSERT INTO processed_events (consumer_group, event_id, event_type) VALUES ($1, $2, $3)
         ON CONFLICT DO NOTHING RETURNING event_id`,
        [groupId, event.id, event.type],
      );
      if (inserted.length === 0) return 'duplicate';
      return options.handle(event, { manager, outbox: options.outbox, logger });
    });
  }

  async function databaseReachable(): Promise<boolean> {
    try {
      await options.dataSource.query('SELECT 1');
      return true;
    } catch {
      return false;
    }
  }

  async function processMessage(topic: string, partition: number, message: KafkaMessage): Promise<void> {
    let event: DeskgraphEvent;
    try {
      event = validateEvent(JSON.parse(message.value?.toString('utf8') ?? ''));
    } catch (error) {
      options.metrics.eventsConsumed.inc({ group: groupId, type: 'unknown', outcome: 'dead_lettered' });
      await deadLetter(topic, partition, message, 'invalid_event', error);
      return;
    }
    await withCorrelationId(event.correlationid ?? event.id, async () => {
      for (let attempt = 1; ; attempt++) {
        try {
          const outcome = await applyOnce(event);
          options.metrics.eventsConsumed.inc({ group: groupId, type: event.type, outcome });
          return;
        } catch (error) {
          if (!(await databaseReachable())) {
            // Not the event's fault: rethrow so kafkajs backs off and redelivers it.
            logger.error({ err: error }, 'database unreachable while handling event');
            throw error;
          }
          if (attempt >= maxAttempts) {
            options.metrics.eventsConsumed.inc({
              group: groupId,
              type: event.type,
              outcome: 'dead_lettered',
            });
            await deadLetter(topic, partition, message, 'handler_failed', error);
            return;
          }
          logger.warn(
            { err: error, attempt, eventId: event.id, type: event.type },
            'event handler failed; retrying',
          );
          await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** attempt));
        }
      }
    });
  }

  return {
    async start() {
      consumer = options.kafka.consumer({
        groupId,
        // A crashed replica's partitions move to a live one after 10 s, not kafkajs's 30 s.
        sessionTimeout: 10_000,
        heartbeatInterval: 1_000,
        allowAutoTopicCreation: false,
      });
      consumer.on(consumer.events.GROUP_JOIN, () => {
        joined = true;
        options.metrics.consumerReady.set({ group: groupId }, 1);
      });
      consumer.on(consumer.events.CRASH, (crash) => {
        joined = false;
        options.metrics.consumerReady.set({ group: groupId }, 0);
        logger.error({ err: crash.payload.error, restart: crash.payload.restart }, 'consumer crashed');
      });
      await consumer.connect();
      await consumer.subscribe({
        topics: options.topics.map((topic) => namespaced(options.namespace, topic)),
        fromBeginning: options.fromBeginning ?? true,
      });
      await consumer.run({
        autoCommit: true,
        autoCommitInterval: 1_000,
        eachMessage: async ({ topic, partition, message }) => processMessage(topic, partition, message),
      });
    },
    async stop() {
      joined = false;
      await consumer?.disconnect();
      consumer = null;
    },
    ready: () => joined,
  };
}
