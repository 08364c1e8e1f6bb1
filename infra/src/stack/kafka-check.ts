import { DEFAULT_KAFKA_START_TIMEOUT_MS, KafkaStartupError, retryKafkaStartup } from '@deskgraph/platform';
import { Kafka, logLevel } from 'kafkajs';
import { InfrastructureError } from './process-utils';

/**
 * Waits until Kafka at `brokers` answers, knows its cluster and has a group
 * coordinator (a fresh broker creates `__consumer_offsets` on the first
 * FindCoordinator request), so services started next meet a ready broker.
 * A slow external Kafka gets the same patience as the local one.
 */
export async function waitForKafkaReady(
  brokers: string,
  options: { timeoutMs?: number; log?: (message: string) => void } = {},
): Promise<void> {
  const brokerList = brokers.split(',').map((broker) => broker.trim());
  const admin = new Kafka({
    clientId: 'deskgraph-launcher',
    brokers: brokerList,
    logLevel: logLevel.NOTHING,
    retry: { retries: 2 },
    connectionTimeout: 3_000,
  }).admin();
  const startup = { brokers: brokerList, timeoutMs: options.timeoutMs ?? DEFAULT_KAFKA_START_TIMEOUT_MS };
  let announced = false;
  const attempt = async <T>(what: string, call: () => Promise<T>) =>
    retryKafkaStartup(
      async () => {
        try {
          return await call();
        } catch (error) {
          if (!announced) options.log?.(`waiting for Kafka at ${brokers} (${what})`);
          announced = true;
          throw error;
        }
      },
      { ...startup, what },
    );
  try {
    await attempt('a connection', () => admin.connect());
    await attempt('the cluster metadata', () => admin.describeCluster());
    await attempt('the group coordinator', () => admin.describeGroups(['deskgraph-launcher-probe']));
  } catch (error) {
    if (error instanceof KafkaStartupError) {
      throw new InfrastructureError(
        `${error.message}. Check KAFKA_BROKERS, or unset it to start a local Kafka.`,
      );
    }
    throw new InfrastructureError(
      `Cannot use Kafka at KAFKA_BROKERS=${brokers} (${(error as Error).message}). Check the brokers, or unset KAFKA_BROKERS to start a local Kafka.`,
    );
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
