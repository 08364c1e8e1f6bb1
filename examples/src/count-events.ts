import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { namespaced, TOPICS } from '@deskgraph/events';
import { Kafka, logLevel } from 'kafkajs';
import { EventCounter } from './event-counter';

// Reads every deskgraph topic with its own consumer group, validates each
// event with @deskgraph/events, drops redeliveries by event id and prints a
// running count. See examples/README.md.

const { values: options } = parseArgs({
  options: {
    brokers: { type: 'string', default: '127.0.0.1:9092' },
    namespace: { type: 'string', default: '' },
    group: { type: 'string', default: `deskgraph-example-${randomUUID().slice(0, 8)}` },
    'exit-after-idle': { type: 'string', default: '0' },
  },
});

async function main() {
  const kafka = new Kafka({
    clientId: 'deskgraph-example-counter',
    brokers: options.brokers!.split(','),
    logLevel: logLevel.NOTHING,
  });
  const consumer = kafka.consumer({ groupId: namespaced(options.namespace!, options.group!) });
  const counter = new EventCounter();
  const idleSeconds = Number(options['exit-after-idle']);
  let idleTimer: NodeJS.Timeout | null = null;

  const stop = async () => {
    await consumer.disconnect();
    process.stdout.write(`\n${JSON.stringify(summary())}\n`);
    process.exit(0);
  };
  const summary = () => ({
    events: counter.total,
    duplicates: counter.duplicates,
    invalid: counter.invalid,
    byType: Object.fromEntries([...counter.byType].sort()),
  });
  const touch = () => {
    if (idleSeconds <= 0) return;
    if (idleTimer) clearTimeout(idleTimer);
    idleTimer = setTimeout(stop, idleSeconds * 1000);
  };

  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  await consumer.connect();
  await consumer.subscribe({
    topics: Object.values(TOPICS).map((topic) => namespaced(options.namespace!, topic)),
    fromBeginning: true,
  });
  touch();
  await consumer.run({
    eachMessage: async ({ topic, partition, message }) => {
      touch();
      const verdict = counter.accept(message.value?.toString('utf8') ?? '');
      const where = `${topic}[${partition}]@${message.offset}`;
      if (verdict.kind === 'counted') {
        process.stdout.write(
          `${where} ${verdict.event.type} subject=${verdict.event.subject} total=${counter.total}\n`,
        );
      } else if (verdict.kind === 'duplicate') {
        process.stdout.write(`${where} duplicate ${verdict.id} skipped (duplicates=${counter.duplicates})\n`);
      } else {
        process.stdout.write(`${where} invalid: ${verdict.reason} (invalid=${counter.invalid})\n`);
      }
    },
  });
}

main().catch((error: Error) => {
  // A missing topic is the usual first-run mistake: say what to check, not a stack trace.
  const missingTopic = /does not host this topic-partition|UNKNOWN_TOPIC/i.test(error.message);
  process.stderr.write(
    missingTopic
      ? `A deskgraph topic does not exist on ${options.brokers}: is deskgraph running there (npm start creates the topics), and is --namespace "${options.namespace}" right?\n`
      : `Cannot consume from ${options.brokers}: ${error.message}\n`,
  );
  process.exit(1);
});
