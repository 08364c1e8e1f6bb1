import { validateEvent, type DeskgraphEvent, findEventDefinition, namespaced } from '@deskgraph/events';
import type { EntityManager } from 'typeorm';
import { recordingSeedHistory } from '../auth/identity';
import { currentCorrelationId } from '../logging/logger';
import { currentTraceCarrier } from '../telemetry/event-tracing';
import { markOutboxWritten } from './outbox-commits';

/**
 * Writes events into the outbox inside the caller's transaction, so the
 * state change and its events commit or roll back together. Events are
 * validated here: an invalid event fails the whole change instead of
 * reaching consumers. The relay is woken when the transaction commits.
 */
export class OutboxWriter {
  constructor(private readonly namespace: string) {}

  async enqueue(manager: EntityManager, events: DeskgraphEvent[]): Promise<void> {
    if (events.length === 0) return;
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
    // One statement for all of them, sequences in array order: one aggregate's events stay in order.
    await manager.query(
      `INSERT INTO outbox (event_id, topic, message_key, event_type, payload)
       SELECT id, topic, message_key, event_type, payload
         FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::jsonb[])
              WITH ORDINALITY AS e(id, topic, message_key, event_type, payload, position)
        ORDER BY position`,
      [
        rows.map(({ event }) => event.id),
        rows.map(({ topic }) => topic),
        rows.map(({ event }) => event.subject),
        rows.map(({ event }) => event.type),
        rows.map(({ event }) => JSON.stringify(event)),
      ],
    );
    markOutboxWritten(manager);
  }
}
