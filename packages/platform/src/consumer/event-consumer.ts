import { deadLetterTopic, namespaced, validateEvent, type DeskgraphEvent } from '@deskgraph/events';
import type { Consumer, Kafka, KafkaMessage, Producer } from 'kafkajs';
import { CONSUMER_GROUP_TIMINGS } from '../kafka/kafka';
import type { DataSource, EntityManager } from 'typeorm';
import { withCorrelationId, type Logger } from '../logging/logger';
import type { OutboxWriter } from '../outbox/outbox';
import type { Metrics } from '../server/metrics';
import { withEventSpan } from '../telemetry/event-tracing';
import { superviseConsumer, type RestartPolicy, type SupervisedConsumer } from './consumer-supervisor';

/**
 * Something a handler updates once per batch instead of once per event, e.g.
 * a counter row every event would otherwise lock in turn.
 */
export interface BatchAccumulator<T> {
  /** Writes the items the batch's applied events added; runs in the batch's transaction after its last event. */
  flush(manager: EntityManager, items: T[]): Promise<void>;
}

/** The batch an event is applied in: one transaction for many events. */
export interface BatchScope {
  /** Adds an item to `accumulator`; it is flushed once, at the end of the batch, in its transaction. */
  add<T>(accumulator: BatchAccumulator<T>, item: T): void;
  /** A value computed once per batch transaction (e.g. a row read FOR SHARE), shared by its events. */
  once<T>(key: string, compute: () => Promise<T>): Promise<T>;
  /** Runs after the batch's transaction has committed, e.g. to wake a worker that reads what it wrote. */
  afterCommit(callback: () => void): void;
}

export interface EventHandlerContext {
  /** The transaction the handler's changes and the processed-event mark share. */
  manager: EntityManager;
  outbox: OutboxWriter;
  logger: Logger;
  batch: BatchScope;
}

/** What a handler did with an event; 'ignored' is counted but changes nothing. */
export type HandlerOutcome = 'applied' | 'ignored';

export type EventHandler = (event: DeskgraphEvent, context: EventHandlerContext) => Promise<HandlerOutcome>;

export interface EventConsumerOptions {
  kafka: Kafka;
  /** Used for dead letters only. */
  producer: Producer;
  dataSource: DataSource;
  outbox: OutboxWriter;
  /** Logical group name, e.g. 'sla'; prefixed with the namespace. */
  group: string;
  /** Logical topic names from `TOPICS`. */
  topics: string[];
  namespace: string;
  handle: EventHandler;
  /**
   * The event types the handler acts on, when it ignores the rest of its topics: a message whose
   * `ce_type` header names another type is passed over unparsed and unrecorded (its offset is
   * still committed). Messages without the header are read as usual.
   */
  eventTypes?: readonly string[];
  logger: Logger;
  metrics: Metrics;
  /** Attempts before an event whose handler keeps failing is dead-lettered. */
  maxAttempts?: number;
  /** Most events applied in one transaction. */
  maxBatchEvents?: number;
  fromBeginning?: boolean;
  /** When a consumer that crashed is started again, and when it is given up. */
  restart?: Partial<RestartPolicy>;
}

export interface EventConsumer {
  start(): Promise<void>;
  stop(): Promise<void>;
  ready(): boolean;
  /** False once the consumer could not be brought back after crashes. */
  live(): boolean;
}

type Outcome = HandlerOutcome | 'duplicate';

/** The partition a batch came from, and what kafkajs lets us do for it. */
interface PartitionBatch {
  topic: string;
  partition: number;
  resolveOffset(offset: string): void;
  /** Sent only once kafkajs's heartbeat interval has passed, so cheap to call often. */
  heartbeat(): Promise<void>;
}

interface Received {
  message: KafkaMessage;
  event: DeskgraphEvent;
}

/** A handler threw for the event at `index` of a batch; the batch's transaction rolled back. */
class HandlerFailure extends Error {
  constructor(
    readonly index: number,
    readonly error: unknown,
  ) {
    super(error instanceof Error ? error.message : String(error));
  }
}

/** Kafka interrupted a batch (a rebalance seen by the heartbeat): not the events' fault. */
class BatchInterrupted extends Error {
  constructor(readonly error: unknown) {
    super(error instanceof Error ? error.message : String(error));
  }
}

class TransactionBatch implements BatchScope {
  private readonly accumulators = new Map<BatchAccumulator<unknown>, unknown[]>();
  private readonly values = new Map<string, Promise<unknown>>();
  readonly committed: (() => void)[] = [];

  add<T>(accumulator: BatchAccumulator<T>, item: T): void {
    const items = this.accumulators.get(accumulator as BatchAccumulator<unknown>) ?? [];
    items.push(item);
    this.accumulators.set(accumulator as BatchAccumulator<unknown>, items);
  }

  once<T>(key: string, compute: () => Promise<T>): Promise<T> {
    if (!this.values.has(key)) this.values.set(key, compute());
    return this.values.get(key) as Promise<T>;
  }

  afterCommit(callback: () => void): void {
    this.committed.push(callback);
  }

  async flush(manager: EntityManager): Promise<void> {
    for (const [accumulator, items] of this.accumulators) await accumulator.flush(manager, items);
  }
}

/**
 * Runs a handler over events in the caller's transaction the way the consumer
 * does (one batch scope, accumulators flushed after the last event), without
 * the processed-event bookkeeping: for replays and for tests of handlers.
 * After-commit callbacks are returned for the caller to run once it commits.
 */
export async function applyEventsInBatch(
  manager: EntityManager,
  events: DeskgraphEvent[],
  handle: EventHandler,
  dependencies: { outbox: OutboxWriter; logger: Logger },
): Promise<{ outcomes: HandlerOutcome[]; afterCommit: (() => void)[] }> {
  const batch = new TransactionBatch();
  const outcomes: HandlerOutcome[] = [];
  for (const event of events) outcomes.push(await handle(event, { manager, ...dependencies, batch }));
  await batch.flush(manager);
  return { outcomes, afterCommit: batch.committed };
}

/**
 * Applies each Kafka batch in one Postgres transaction that also records
 * every event id, so a redelivered event is recognised and skipped, one by
 * one. Offsets are resolved only after that transaction commits (kafkajs
 * commits only resolved offsets), so a crash at any point replays rather
 * than loses. A handler that throws rolls the batch back; the events before
 * it are applied again as a batch, the failing one on its own with retries
 * (dead-lettered when it keeps failing), and the rest after it, so order per
 * partition is kept and a poison event costs no other event. A database
 * outage is not poison: the consumer backs off and retries the same events.
 */
export function createEventConsumer(options: EventConsumerOptions): EventConsumer {
  const groupId = namespaced(options.namespace, options.group);
  const dlqTopic = namespaced(options.namespace, deadLetterTopic(options.group));
  const maxAttempts = options.maxAttempts ?? 5;
  const maxBatchEvents = options.maxBatchEvents ?? 500;
  const logger = options.logger.child({ consumerGroup: groupId });
  let supervised: SupervisedConsumer | null = null;

  async function deadLetter(
    topic: string,
    partition: number,
    message: KafkaMessage,
    reason: string,
    error: unknown,
  ) {
    const description = error instanceof Error ? error.message : String(error);
    await options.producer.send({
      topic: dlqTopic,
      acks: -1,
      messages: [
        {
          key: message.key,
          value: message.value,
          headers: {
            'deskgraph-dlq-reason': reason,
            'deskgraph-dlq-error': description.slice(0, 4000),
            'deskgraph-dlq-topic': topic,
            'deskgraph-dlq-partition': String(partition),
            'deskgraph-dlq-offset': message.offset,
            'deskgraph-dlq-group': groupId,
            'deskgraph-dlq-at': new Date().toISOString(),
          },
        },
      ],
    });
    options.metrics.deadLettered.inc({ group: groupId, reason });
    logger.warn(
      { topic, partition, offset: message.offset, reason, error: description },
      'event dead-lettered',
    );
  }

  /** Applies the events in one transaction; throws HandlerFailure when a handler throws. */
  async function applyInTransaction(
    topic: string,
    events: DeskgraphEvent[],
    heartbeat: () => Promise<void>,
  ): Promise<Outcome[]> {
    const batch = new TransactionBatch();
    const outcomes = await options.dataSource.transaction(async (manager) => {
      // One statement marks the whole batch; ids already there come back missing.
      const inserted: { event_id: string }[] = await manager.query(
        `INSERT INTO processed_events (consumer_group, event_id, event_type)
         SELECT $1, id, type FROM unnest($2::text[], $3::text[]) AS batch(id, type)
         ON CONFLICT DO NOTHING RETURNING event_id`,
        [groupId, events.map((event) => event.id), events.map((event) => event.type)],
      );
      const fresh = new Set(inserted.map((row) => row.event_id));
      const results: Outcome[] = [];
      for (const [index, event] of events.entries()) {
        // delete: a second copy of the same event in this batch is a duplicate.
        if (!fresh.delete(event.id)) {
          results.push('duplicate');
          continue;
        }
        try {
          results.push(
            await withCorrelationId(event.correlationid ?? event.id, () =>
              withEventSpan(
                'process',
                event,
                topic,
                () => options.handle(event, { manager, outbox: options.outbox, logger, batch }),
                { 'messaging.consumer.group.name': groupId },
              ),
            ),
          );
        } catch (error) {
          throw new HandlerFailure(index, error);
        }
        // A long batch must not cost the group membership (session timeout 10 s).
        await heartbeat().catch((error: unknown) => {
          throw new BatchInterrupted(error);
        });
      }
      await batch.flush(manager);
      return results;
    });
    options.metrics.consumerBatchSize.observe({ group: groupId }, events.length);
    for (const callback of batch.committed) {
      try {
        callback();
      } catch (error) {
        logger.warn({ err: error }, 'after-commit callback failed');
      }
    }
    return outcomes;
  }

  async function databaseReachable(): Promise<boolean> {
    try {
      await options.dataSource.query('SELECT 1');
      return true;
    } catch {
      return false;
    }
  }

  function counted(received: Received[], outcomes: Outcome[]) {
    for (const [index, { event }] of received.entries()) {
      options.metrics.eventsConsumed.inc({ group: groupId, type: event.type, outcome: outcomes[index] });
    }
  }

  /** The per-event path: retries a failing handler, then dead-letters the event. */
  async function applySingle(from: PartitionBatch, { message, event }: Received): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        counted([{ message, event }], await applyInTransaction(from.topic, [event], from.heartbeat));
        return;
      } catch (failure) {
        // kafkajs rejoins the group and redelivers; the transaction rolled back.
        if (failure instanceof BatchInterrupted) throw failure.error;
        const error = failure instanceof HandlerFailure ? failure.error : failure;
        if (!(await databaseReachable())) {
          // Not the event's fault: rethrow so kafkajs backs off and redelivers it.
          logger.error({ err: error }, 'database unreachable while handling event');
          throw error;
        }
        if (attempt >= maxAttempts) {
          options.metrics.eventsConsumed.inc({ group: groupId, type: event.type, outcome: 'dead_lettered' });
          await deadLetter(from.topic, from.partition, message, 'handler_failed', error);
          return;
        }
        logger.warn(
          { err: error, attempt, eventId: event.id, type: event.type, correlationId: event.correlationid },
          'event handler failed; retrying',
        );
        await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** attempt));
        await from.heartbeat();
      }
    }
  }

  /** Applies a run of valid events of one partition, in order; resolves each offset once applied. */
  async function applyRun(from: PartitionBatch, run: Received[]): Promise<void> {
    if (run.length === 0) return;
    if (run.length === 1) {
      await applySingle(from, run[0]);
      from.resolveOffset(run[0].message.offset);
      return;
    }
    try {
      counted(
        run,
        await applyInTransaction(
          from.topic,
          run.map((item) => item.event),
          from.heartbeat,
        ),
      );
      from.resolveOffset(run[run.length - 1].message.offset);
      return;
    } catch (failure) {
      if (failure instanceof BatchInterrupted) throw failure.error;
      if (!(await databaseReachable())) {
        logger.error({ err: failure }, 'database unreachable while handling a batch');
        throw failure instanceof HandlerFailure ? failure.error : failure;
      }
      if (failure instanceof HandlerFailure) {
        const { index } = failure;
        await applyRun(from, run.slice(0, index));
        await applyRun(from, [run[index]]);
        await applyRun(from, run.slice(index + 1));
        return;
      }
      // The batch itself failed (a flush, a deadlock): fall back to one event per transaction.
      logger.warn({ err: failure, events: run.length }, 'batch failed; applying its events one by one');
      for (const item of run) await applyRun(from, [item]);
    }
  }

  /** False for a message whose ce_type header names a type the handler does not act on. */
  const wanted = options.eventTypes ? new Set(options.eventTypes) : null;
  function isWanted(message: KafkaMessage): boolean {
    const type = message.headers?.ce_type;
    return !wanted || type === undefined || wanted.has(String(type));
  }

  /** Validates the messages and applies them in order; invalid ones are dead-lettered in place. */
  async function processMessages(from: PartitionBatch, messages: KafkaMessage[]): Promise<void> {
    let run: Received[] = [];
    let passedOver = 0;
    for (const message of messages) {
      if (!isWanted(message)) {
        passedOver++;
        continue;
      }
      let event: DeskgraphEvent;
      try {
        event = validateEvent(JSON.parse(message.value?.toString('utf8') ?? ''));
      } catch (error) {
        await applyRun(from, run);
        run = [];
        options.metrics.eventsConsumed.inc({ group: groupId, type: 'unknown', outcome: 'dead_lettered' });
        await deadLetter(from.topic, from.partition, message, 'invalid_event', error);
        from.resolveOffset(message.offset);
        continue;
      }
      run.push({ message, event });
    }
    await applyRun(from, run);
    if (passedOver > 0) {
      // Everything up to the last message is applied, dead-lettered or not ours: commit past it.
      from.resolveOffset(messages[messages.length - 1].offset);
      options.metrics.eventsConsumed.inc(
        { group: groupId, type: 'other', outcome: 'passed_over' },
        passedOver,
      );
    }
  }

  async function run(consumer: Consumer): Promise<void> {
    await consumer.connect();
    await consumer.subscribe({
      topics: options.topics.map((topic) => namespaced(options.namespace, topic)),
      fromBeginning: options.fromBeginning ?? true,
    });
    await consumer.run({
      autoCommit: true,
      autoCommitInterval: 1_000,
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
        const from: PartitionBatch = {
          topic: batch.topic,
          partition: batch.partition,
          resolveOffset,
          heartbeat,
        };
        for (let start = 0; start < batch.messages.length; start += maxBatchEvents) {
          // After a rebalance or stop, the rest of the batch is someone else's (or replayed).
          if (!isRunning() || isStale()) return;
          await processMessages(from, batch.messages.slice(start, start + maxBatchEvents));
        }
        // What KEDA scales on, as this process last saw it; alerts read it from /metrics.
        options.metrics.consumerLag.set(
          { group: groupId, topic: batch.topic, partition: String(batch.partition) },
          Number(batch.offsetLag()),
        );
      },
    });
  }

  return {
    async start() {
      supervised = superviseConsumer({
        create: () =>
          options.kafka.consumer({
            groupId,
            ...CONSUMER_GROUP_TIMINGS,
            allowAutoTopicCreation: false,
            // Return a fetch as soon as anything is there; a quiet partition must not delay a busy one.
            maxWaitTimeInMs: 100,
          }),
        run,
        logger,
        restart: options.restart,
        onJoinedChange: (joined) => options.metrics.consumerReady.set({ group: groupId }, joined ? 1 : 0),
        onRestart: () => options.metrics.consumerRestarts.inc({ group: groupId }),
      });
      await supervised.start();
    },
    async stop() {
      await supervised?.stop();
      supervised = null;
    },
    ready: () => supervised?.joined() ?? false,
    live: () => supervised?.live() ?? true,
  };
}
