/**
 * Public Kafka topics. Each is keyed by aggregate id so one aggregate's events
 * stay in order on one partition.
 */
export const TOPICS = {
  tickets: 'deskgraph.tickets.v1',
  sla: 'deskgraph.sla.v1',
  knowledge: 'deskgraph.knowledge.v1',
  /** Derived signals of the analytics service (e.g. "these queues' figures changed"), for live dashboards. */
  analytics: 'deskgraph.analytics.v1',
  /** What the channels service saw happen to mail and webhook deliveries. */
  channels: 'deskgraph.channels.v1',
} as const;

export type TopicName = (typeof TOPICS)[keyof typeof TOPICS];

export const ALL_TOPICS: TopicName[] = Object.values(TOPICS);

/** One dead-letter topic per consumer group: poison events wait there with their error. */
export function deadLetterTopic(consumerGroup: string): string {
  return `deskgraph.dlq.${consumerGroup}`;
}

/**
 * A namespace prefixes topics and consumer groups so several deskgraph
 * installations (or parallel test runs) can share one Kafka cluster.
 */
export function namespaced(namespace: string, name: string): string {
  return namespace ? `${namespace}.${name}` : name;
}
