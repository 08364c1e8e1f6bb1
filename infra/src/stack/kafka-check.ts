import { Kafka, logLevel } from 'kafkajs';
import { InfrastructureError } from './process-utils';

export async function assertKafkaReachable(brokers: string): Promise<void> {
  const admin = new Kafka({
    clientId: 'deskgraph-launcher',
    brokers: brokers.split(',').map((broker) => broker.trim()),
    logLevel: logLevel.NOTHING,
    retry: { retries: 2 },
    connectionTimeout: 3_000,
  }).admin();
  try {
    await admin.connect();
    await admin.describeCluster();
  } catch (error) {
    throw new InfrastructureError(
      `Cannot reach Kafka at KAFKA_BROKERS=${brokers} (${(error as Error).message}). Check the brokers, or unset KAFKA_BROKERS to start a local Kafka.`,
    );
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
