import { randomUUID } from 'node:crypto';
import { namespaced, TOPICS, validateEvent } from '@deskgraph/events';
import type { Consumer, Kafka, Logger } from '@deskgraph/platform';
import type { MetricsHub } from './metrics-hub';
import { toTicketUpdate } from './ticket-update';
import type { UpdateHub } from './update-hub';

export interface EventStreamOptions {
  kafka: Kafka;
  namespace: string;
  hub: UpdateHub;
  metricsHub: MetricsHub;
  logger: Logger;
}

export interface EventStream {
  start(): Promise<void>;
  stop(): Promise<void>;
  ready(): boolean;
}

/**
 * Feeds the hub from Kafka. Each gateway instance has its own consumer group
 * starting at the latest offset: every instance sees every event (its own
 * subscribers need them all), and a restarted instance does not replay
 * history its clients have already refetched. Offsets are never committed,
 * so the group is forgotten by the broker once the instance is gone.
 */
export function createEventStream(options: EventStreamOptions): EventStream {
  const groupId = namespaced(options.namespace, `deskgraph-gateway-${randomUUID()}`);
  let consumer: Consumer | null = null;
  let joined = false;
  return {
    async start() {
      consumer = options.kafka.consumer({ groupId, allowAutoTopicCreation: false });
      consumer.on(consumer.events.GROUP_JOIN, () => (joined = true));
      consumer.on(consumer.events.CRASH, () => (joined = false));
      await consumer.connect();
      await consumer.subscribe({
        topics: [TOPICS.tickets, TOPICS.sla, TOPICS.analytics].map((topic) =>
          namespaced(options.namespace, topic),
        ),
        fromBeginning: false,
      });
      await consumer.run({
        autoCommit: false,
        eachMessage: async ({ message }) => {
          try {
            const event = validateEvent(JSON.parse(message.value?.toString('utf8') ?? ''));
            if (event.type === 'deskgraph.analytics.metrics_changed.v1') {
              options.metricsHub.publish({
                eventId: event.id,
                queueIds: event.data.queueIds,
                at: event.data.at,
              });
              return;
            }
            const update = toTicketUpdate(event);
            if (update) options.hub.publish(update);
          } catch (error) {
            // The services' own consumers dead-letter bad events; here they are only skipped.
            options.logger.warn({ err: error, offset: message.offset }, 'skipping invalid event');
          }
        },
      });
    },
    async stop() {
      joined = false;
      await consumer?.disconnect();
    },
    ready: () => joined,
  };
}
