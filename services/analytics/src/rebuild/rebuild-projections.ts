import { deadLetterTopic, namespaced } from '@deskgraph/events';
import {
  createEventConsumer,
  ensureTopics,
  OutboxWriter,
  type Kafka,
  type Logger,
  type Metrics,
  type Producer,
} from '@deskgraph/platform';
import type { DataSource } from 'typeorm';
import {
  activeGeneration,
  batchedProjection,
  PROJECTED_TOPICS,
  PROJECTION_GROUP,
} from '../events/consumers/projection.consumer';
import { createProjectionTables, generationSchema } from '../projection/projection-tables';

export interface RebuildOptions {
  dataSource: DataSource;
  kafka: Kafka;
  producer: Producer;
  namespace: string;
  logger: Logger;
  metrics: Metrics;
  /** DESK_TIME_ZONE: the days of the aggregates. */
  timeZone: string;
  /** Gives up (keeping the current generation) if not caught up by then. */
  timeoutMs?: number;
}

export interface RebuildResult {
  fromGeneration: number;
  toGeneration: number;
  consumerGroup: string;
  eventsApplied: number;
}

type Watermarks = Map<string, string>;

export async function highWatermarks(kafka: Kafka, topics: string[]): Promise<Watermarks> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const marks: Watermarks = new Map();
    for (const topic of topics) {
      for (const partition of await admin.fetchTopicOffsets(topic)) {
        marks.set(`${topic}:${partition.partition}`, partition.high);
      }
    }
    return marks;
  } finally {
    await admin.disconnect();
  }
}

/** True when the group has committed past every watermark (an empty partition needs nothing). */
export async function caughtUp(
  kafka: Kafka,
  groupId: string,
  topics: string[],
  marks: Watermarks,
): Promise<boolean> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const committed = await admin.fetchOffsets({ groupId, topics });
    for (const { topic, partitions } of committed) {
      for (const { partition, offset } of partitions) {
        const high = BigInt(marks.get(`${topic}:${partition}`) ?? '0');
        if (high > 0n && (offset === '-1' || BigInt(offset) < high)) return false;
      }
    }
    return true;
  } finally {
    await admin.disconnect();
  }
}

async function waitUntil(check: () => Promise<boolean>, deadline: number, what: string): Promise<void> {
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`rebuild timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/**
 * Replays the topics from the beginning with a fresh consumer group into a
 * fresh generation schema while the active one keeps answering. When caught
 * up it switches the active generation in one row update (which waits for
 * in-flight live events, see activeGeneration), then keeps consuming until
 * it has also covered everything published before the switch: events
 * applied by both consumers are deduplicated per generation. The previous
 * generation stays until the next rebuild, so queries that already read it
 * finish.
 */
export async function rebuildProjections(options: RebuildOptions): Promise<RebuildResult> {
  const { dataSource, kafka, namespace, logger } = options;
  const deadline = Date.now() + (options.timeoutMs ?? 30 * 60_000);
  const fromGeneration = await activeGeneration(dataSource.manager);
  const toGeneration = fromGeneration + 1;
  const schema = generationSchema(toGeneration);

  // Generations older than the active one are no longer read by anyone.
  const stale: { nspname: string }[] = await dataSource.query(
    `SELECT nspname FROM pg_namespace WHERE nspname LIKE 'analytics\\_g%' AND nspname <> $1`,
    [generationSchema(fromGeneration)],
  );
  for (const { nspname } of stale) await dataSource.query(`DROP SCHEMA "${nspname}" CASCADE`);
  await createProjectionTables((sql) => dataSource.query(sql), schema);

  const group = `${PROJECTION_GROUP}-rebuild-g${toGeneration}-${Date.now()}`;
  const groupId = namespaced(namespace, group);
  const topics = PROJECTED_TOPICS.map((topic) => namespaced(namespace, topic));
  await ensureTopics(kafka, [{ topic: namespaced(namespace, deadLetterTopic(group)), numPartitions: 1 }], {
    logger,
  });

  let eventsApplied = 0;
  const consumer = createEventConsumer({
    kafka,
    producer: options.producer,
    dataSource,
    outbox: new OutboxWriter(namespace),
    group,
    topics: PROJECTED_TOPICS,
    namespace,
    logger,
    metrics: options.metrics,
    fromBeginning: true,
    handle: batchedProjection(
      options.timeZone,
      async () => ({ schema }),
      async (_manager, results) => {
        eventsApplied += results.filter((result) => result.applied).length;
      },
    ),
  });

  const before = await highWatermarks(kafka, topics);
  logger.info({ group, schema }, 'rebuild: replaying the topics from the beginning');
  await consumer.start();
  try {
    await waitUntil(() => caughtUp(kafka, groupId, topics, before), deadline, 'the first catch-up');
    await dataSource.query(
      `UPDATE analytics.projection_state SET generation = $1, switched_at = now() WHERE id = 1`,
      [toGeneration],
    );
    logger.info({ fromGeneration, toGeneration }, 'rebuild: switched over');
    const after = await highWatermarks(kafka, topics);
    await waitUntil(
      () => caughtUp(kafka, groupId, topics, after),
      deadline,
      'events published before the switch',
    );
  } catch (error) {
    await dataSource.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
    throw error;
  } finally {
    await consumer.stop();
  }

  // Every dashboard refetches once; the rebuild group's bookkeeping is no longer needed.
  await dataSource.query(
    `INSERT INTO analytics.dirty_queues (queue_id, events)
     SELECT DISTINCT queue_id, 1 FROM "${schema}".tickets WHERE queue_id IS NOT NULL
     ON CONFLICT (queue_id) DO UPDATE SET events = dirty_queues.events + 1`,
  );
  await dataSource.query(`DELETE FROM processed_events WHERE consumer_group = $1`, [groupId]);
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteGroups([groupId]).catch(() => undefined);
  await admin.disconnect();
  return { fromGeneration, toGeneration, consumerGroup: groupId, eventsApplied };
}
