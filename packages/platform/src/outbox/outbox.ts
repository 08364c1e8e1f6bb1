import { validateEvent, type DeskgraphEvent, findEventDefinition, namespaced } from '@deskgraph/events';
import type { EntityManager } from 'typeorm';
import { recordingSeedHistory } from '../auth/identity';
import { currentCorrelationId } from '../logging/logger';
import { currentTraceCarrier } from '../telemetry/event-tracing';
import { queryPrepared } from '../database/prepared-query';
import { markOutboxWritten } from './outbox-commits';

/**
 * A write that rides in the outbox's statement as a data-modifying CTE,
 * `name AS (INSERT …)`; `bind` adds a parameter and returns its `$n`.
 */
export type StatementWrite = (bind: (value: unknown) => string) => string;

/** Options of `OutboxWriter.enqueue`. */
export interface EnqueueOptions {
  /**
   * A SQL condition over the `writes`' CTEs, e.g. `EXISTS (SELECT 1 FROM taken)`: the events are
   * written only when it holds, so a change guarded by its own UPDATE … RETURNING writes its
   * events once, in one statement, with no transaction around it.
   */
  onlyIf?: string;
}

/** Binds parameters in the order a statement is written: `$1`, `$2`, … */
export function parameterBinder(): { bind: (value: unknown) => string; values: unknown[] } {
  const values: unknown[] = [];
  return {
    values,
    bind: (value) => {
      values.push(value);
      return `$${values.length}`;
    },
  };
}

/**
 * Writes events into the outbox inside the caller's transaction, so the
 * state change and its events commit or roll back together. Events are
 * validated here: an invalid event fails the whole change instead of
 * reaching consumers. The relay is woken when the transaction commits.
 */
export class OutboxWriter {
  constructor(private readonly namespace: string) {}

  /**
   * `writes`: the change's own INSERTs, sent in the same statement (a round
   * trip and a statement fewer each, on hot paths such as createTicket).
   * They run whether or not there are events.
   */
  async enqueue(
    manager: EntityManager,
    events: DeskgraphEvent[],
    writes: StatementWrite[] = [],
    options: EnqueueOptions = {},
  ): Promise<void> {
    if (events.length === 0) {
      if (writes.length > 0) await runWrites(manager, writes);
      return;
    }
    const rows = events.map((original) => {
      const correlationid = original.correlationid ?? currentCorrelationId();
      // The request or event span this change runs in; the relay's publish span becomes its child.
      const trace = original.traceparent ? {} : currentTraceCarrier();
      const event = {
        ...original,
        ...(correlationid ? { correlationid } : {}),
        ...trace,
        ...(recordingSeedHistory() ? { seedclock: true as const } : {}),
      };
      validateEvent(event);
      const definition = findEventDefinition(event.type);
      if (!definition) throw new Error(`No topic for event type ${event.type}`);
      return { event, topic: namespaced(this.namespace, definition.topic) };
    });
    const { bind, values } = parameterBinder();
    const ctes = writes.map((write) => write(bind));
    // One statement for all of them, sequences in array order: one aggregate's events stay in order.
    await queryPrepared(
      manager,
      `${ctes.length > 0 ? `WITH ${ctes.join(', ')} ` : ''}INSERT INTO outbox (event_id, topic, message_key, event_type, payload)
       SELECT id, topic, message_key, event_type, payload
         FROM unnest(${bind(rows.map(({ event }) => event.id))}::uuid[], ${bind(rows.map(({ topic }) => topic))}::text[],
                     ${bind(rows.map(({ event }) => event.subject))}::text[], ${bind(rows.map(({ event }) => event.type))}::text[],
                     ${bind(rows.map(({ event }) => JSON.stringify(event)))}::jsonb[])
              WITH ORDINALITY AS e(id, topic, message_key, event_type, payload, position)
        ${options.onlyIf ? `WHERE ${options.onlyIf}` : ''}
        ORDER BY position`,
      values,
    );
    markOutboxWritten(manager);
  }
}

/** The writes alone, when a change has no events (PostgreSQL runs data-modifying CTEs nobody reads). */
async function runWrites(manager: EntityManager, writes: StatementWrite[]): Promise<void> {
  const { bind, values } = parameterBinder();
  await queryPrepared(manager, `WITH ${writes.map((write) => write(bind)).join(', ')} SELECT 1`, values);
}
