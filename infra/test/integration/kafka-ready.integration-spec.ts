import { randomBytes } from 'node:crypto';
import { connect, createServer, type Server } from 'node:net';
import { ALL_TOPICS, namespaced } from '@deskgraph/events';
import { kafkaModel, parseEnvironment } from '@deskgraph/platform';
import { Kafka, logLevel } from 'kafkajs';
import { waitForKafkaReady } from '../../src/stack/kafka-check';
import { freePort } from '../../src/stack/process-utils';
import { ensureAllTopics } from '../../src/stack/topics';

const { kafka: kafkaConfig } = parseEnvironment({ kafka: kafkaModel });

/** A TCP relay to the real broker that only starts listening after `delayMs`: a slow external Kafka. */
function lateRelay(port: number, delayMs: number): { close(): void } {
  const [host, brokerPort] = kafkaConfig.brokers[0].split(':');
  let server: Server | null = null;
  const timer = setTimeout(() => {
    server = createServer((socket) => {
      const upstream = connect(Number(brokerPort), host);
      socket.pipe(upstream).pipe(socket);
      socket.on('error', () => upstream.destroy());
      upstream.on('error', () => socket.destroy());
    }).listen(port, '127.0.0.1');
  }, delayMs);
  return {
    close() {
      clearTimeout(timer);
      server?.close();
    },
  };
}

describe('waiting for Kafka', () => {
  it('should wait for a Kafka that starts answering late instead of failing', async () => {
    const port = await freePort();
    const relay = lateRelay(port, 3_000);
    const messages: string[] = [];
    try {
      await waitForKafkaReady(`127.0.0.1:${port}`, { timeoutMs: 60_000, log: (line) => messages.push(line) });
    } finally {
      relay.close();
    }

    expect(messages).toEqual([`waiting for Kafka at 127.0.0.1:${port} (a connection)`]);
  }, 90_000);

  it('should give up at the deadline with a message naming the broker when Kafka never answers', async () => {
    const port = await freePort();

    const waiting = waitForKafkaReady(`127.0.0.1:${port}`, { timeoutMs: 1_000 });

    await expect(waiting).rejects.toThrow(
      new RegExp(
        `^Kafka at 127\\.0\\.0\\.1:${port} was not ready for a connection within 1 s; .*Check KAFKA_BROKERS`,
      ),
    );
  }, 30_000);

  it('should return only when every partition of every new topic has a leader', async () => {
    const namespace = `tready${randomBytes(3).toString('hex')}`;

    await ensureAllTopics(kafkaConfig.brokers.join(','), namespace);

    const admin = new Kafka({
      clientId: 'test',
      brokers: kafkaConfig.brokers,
      logLevel: logLevel.NOTHING,
    }).admin();
    await admin.connect();
    try {
      const topics = ALL_TOPICS.map((topic) => namespaced(namespace, topic));
      const { topics: metadata } = await admin.fetchTopicMetadata({ topics });
      expect(metadata.map((topic) => topic.name).sort()).toEqual([...topics].sort());
      for (const topic of metadata) {
        expect(topic.partitions).toHaveLength(6);
        expect(topic.partitions.every((partition) => partition.leader >= 0)).toBe(true);
      }
    } finally {
      await admin.disconnect();
    }
  }, 60_000);
});
