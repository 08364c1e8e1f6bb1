import { randomUUID } from 'node:crypto';
import { namespaced, TOPICS, validateEvent, type DeskgraphEvent } from '@deskgraph/events';
import {
  CONSUMER_GROUP_TIMINGS,
  superviseConsumer,
  withEventSpan,
  type Kafka,
  type Logger,
  type RestartPolicy,
  type SupervisedConsumer,
} from '@deskgraph/platform';
import type { KafkaMessage } from 'kafkajs';
import type { MetricsHub, MetricsChange } from './metrics-hub';
import { toTicketUpdate, type TicketUpdate } from './ticket-update';
import type { UpdateHub } from './update-hub';

/** The topics whose events subscriptions push (and replay reads back). */
export function streamTopics(namespace: string): string[] {
  return [TOPICS.tickets, TOPICS.sla, TOPICS.analytics].map((topic) => namespaced(namespace, topic));
}

/**
 * One Kafka record as what subscriptions push: a ticket update with its
 * stream position, a metrics signal, or null (not shown, or invalid).
 */
export function decodeRecord(
  topic: string,
  partition: number,
  message: KafkaMessage,
  logger: Logger,
): { event: DeskgraphEvent; update?: TicketUpdate; metrics?: MetricsChange } | null {
  try {
    const event = validateEvent(JSON.parse(message.value?.toString('utf8') ?? ''));
    if (event.type === 'deskgraph.analytics.metrics_changed.v1') {
      return { event, metrics: { eventId: event.id, queueIds: event.data.queueIds, at: event.data.at } };
    }
    const update = toTicketUpdate(event, {
      topic,
      partition,
      offset: BigInt(message.offset),
      timestamp: Number(message.timestamp),
    });
    return update ? { event, update } : null;
  } catch (error) {
    // The services' own consumers dead-letter bad events; here they are only skipped.
    logger.warn({ err: error, topic, partition, offset: message.offset }, 'skipping invalid event');
    return null;
  }
}

export interface EventStreamOptions {
  kafka: Kafka;
  namespace: string;
  hub: UpdateHub;
  metricsHub: MetricsHub;
  logger: Logger;
  /** When a crashed consumer is started again, and when it is given up. */
  restart?: Partial<RestartPolicy>;
}

export interface EventStream {
  start(): Promise<void>;
  stop(): Promise<void>;
  ready(): boolean;
  /** False once the consumer crashed and could not be restarted: the gateway should be replaced. */
  live(): boolean;
}

/**
 * Feeds the hub from Kafka. Each gateway instance has its own consumer group
 * starting at the latest offset: every instance sees every event (its own
 * subscribers need them all), and a restarted instance does not replay
 * history its clients have already refetched. Offsets are never committed,
 * so the group is forgotten by the broker once the instance is gone. A crash
 * kafkajs does not recover from is restarted by the supervisor (a fresh
 * group joins at the latest offset; clients fill the gap with `since`, which
 * the replay reader serves from Kafka).
 */
export function createEventStream(options: EventStreamOptions): EventStream {
  const groupId = namespaced(options.namespace, `deskgraph-gateway-${randomUUID()}`);
  let supervised: SupervisedConsumer | null = null;

  function publish(topic: string, partition: number, message: KafkaMessage) {
    const decoded = decodeRecord(topic, partition, message, options.logger);
    if (!decoded) return;
    // The push to subscribers joins the trace of the mutation that caused the event.
    withEventSpan('deliver', decoded.event, topic, () => {
      if (decoded.metrics) options.metricsHub.publish(decoded.metrics);
      else if (decoded.update) options.hub.publish(decoded.update);
    });
  }

  return {
    async start() {
      supervised = superviseConsumer({
        create: () =>
          options.kafka.consumer({
            groupId,
            // Back within seconds of the broker, not after kafkajs's 30 s session of the member it lost.
            ...CONSUMER_GROUP_TIMINGS,
            allowAutoTopicCreation: false,
            // Answer a fetch as soon as one event is there: pushes must not wait for a fetch to time out.
            maxWaitTimeInMs: 100,
          }),
        run: async (consumer) => {
          await consumer.connect();
          await consumer.subscribe({
            topics: streamTopics(options.namespace),
            fromBeginning: false,
          });
          await consumer.run({
            autoCommit: false,
            eachBatch: async ({ batch }) => {
              for (const message of batch.messages) publish(batch.topic, batch.partition, message);
            },
          });
        },
        logger: options.logger.child({ component: 'event-stream' }),
        restart: options.restart,
      });
      await supervised.start();
    },
    async stop() {
      await supervised?.stop();
      supervised = null;
    },
    ready: () => supervised?.joined() ?? false,
    live: () => supervised?.live() ?? true,
  };
}
