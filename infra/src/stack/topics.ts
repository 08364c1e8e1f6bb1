import { ALL_TOPICS, namespaced } from '@deskgraph/events';
import { Kafka, logLevel } from 'kafkajs';
import { ensureTopics } from '@deskgraph/platform';

/**
 * Creates the public topics up front and waits until every partition has a
 * leader, so consumers can subscribe before any producer wrote and no service
 * meets a topic its broker does not host yet.
 */
export async function ensureAllTopics(brokers: string, namespace: string): Promise<void> {
  const brokerList = brokers.split(',').map((broker) => broker.trim());
  const kafka = new Kafka({
    clientId: 'deskgraph-launcher',
    brokers: brokerList,
    logLevel: logLevel.NOTHING,
  });
  await ensureTopics(
    kafka,
    ALL_TOPICS.map((topic) => ({ topic: namespaced(namespace, topic) })),
    { brokers: brokerList },
  );
}
