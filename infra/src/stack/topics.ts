import { ALL_TOPICS, namespaced } from '@deskgraph/events';
import { Kafka, logLevel } from 'kafkajs';
import { ensureTopics } from '@deskgraph/platform';

/** Creates the public topics up front so consumers can subscribe before any producer wrote. */
export async function ensureAllTopics(brokers: string, namespace: string): Promise<void> {
  const kafka = new Kafka({
    clientId: 'deskgraph-launcher',
    brokers: brokers.split(','),
    logLevel: logLevel.NOTHING,
  });
  await ensureTopics(
    kafka,
    ALL_TOPICS.map((topic) => ({ topic: namespaced(namespace, topic) })),
  );
}
