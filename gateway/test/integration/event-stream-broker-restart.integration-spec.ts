import { randomBytes } from 'node:crypto';
import { namespaced, TOPICS } from '@deskgraph/events';
import { startPrivateKafka, type PrivateKafka } from '@deskgraph/infra';
import { createKafka, createLogger, ensureTopics, kafkaModel, parseEnvironment } from '@deskgraph/platform';
import { createEventStream, type EventStream } from '../../src/subscriptions/event-stream';
import { MetricsHub } from '../../src/subscriptions/metrics-hub';
import { UpdateHub } from '../../src/subscriptions/update-hub';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// The broker is restarted here, so it is a private one, never the shared one.
describe('gateway event stream after the Kafka broker restarts', () => {
  const namespace = `g${randomBytes(4).toString('hex')}`;
  const logger = createLogger('gateway-broker-restart-test', 'silent');
  let broker: PrivateKafka;
  let stream: EventStream;

  beforeAll(async () => {
    broker = await startPrivateKafka();
    const { kafka: kafkaConfig } = parseEnvironment({ kafka: kafkaModel });
    // The gateway's own client settings: what is under test.
    const kafka = createKafka({ ...kafkaConfig, brokers: [broker.brokers] }, 'deskgraph-gateway', logger);
    await ensureTopics(
      kafka,
      [TOPICS.tickets, TOPICS.sla, TOPICS.analytics].map((topic) => ({
        topic: namespaced(namespace, topic),
      })),
      {},
    );
    stream = createEventStream({
      kafka,
      namespace,
      hub: new UpdateHub(),
      metricsHub: new MetricsHub(),
      logger,
    });
    await stream.start();
    while (!stream.ready()) await sleep(100);
  }, 180_000);

  afterAll(async () => {
    await stream?.stop().catch(() => undefined);
    await broker?.destroy();
  }, 60_000);

  it('should be ready again within 5 s of the broker coming back', async () => {
    await broker.stop();
    // The stream notices the broker is gone (a crash and restart by kafkajs) well within this.
    await sleep(15_000);
    await broker.start();
    // "Back" is when the broker coordinates groups again (it loads them after a restart).
    await broker.waitForGroupCoordination();
    const backAt = Date.now();
    while (!stream.ready() && Date.now() - backAt < 120_000) await sleep(50);
    const readyAfterMs = Date.now() - backAt;
    console.log(`gateway event stream ready ${readyAfterMs} ms after the broker came back`);

    // Rejoining as a new member used to wait for the lost member's 30 s session: the gateway
    // reported not ready, and behind a readiness probe the whole API was out of service.
    expect(readyAfterMs).toBeLessThanOrEqual(5_000);
    expect(stream.live()).toBe(true);
  }, 300_000);
});
