import { validateEvent, type DeskgraphEvent, findEventDefinition, namespaced } from '@deskgraph/events';
import type { EntityManager } from 'typeorm';
import { currentCorrelationId } from '../logging/logger';
import { currentTraceCarrier } from '../telemetry/event-tracing';

/**
 * Writes events into the outbox inside the caller's transaction, so the
 * state change and its events commit or roll back together. Events are
 * validated here: an invalid event fails the whole change instead of
 * reaching consumers.
 */
export class OutboxWriter {
  constructor(private readonly namespace: string) {}

  async enqueue(manager: EntityManager, events: DeskgraphEvent[]): Promise<void> {
    for (const original of events) {
      const correlationid = original.correlationid ?? currentCorrelationId();
      // The request or event span this change runs in; the relay's publish span becomes its child.
      const trace = original.traceparent ? {} : currentTraceCarrier();
      const event = correlationid || trace.traceparent ? { ...original, correlationid, ...trace } : original;
      validateEvent(event);
      const definition = findEventDefinition(event.type);
      if (!definition) throw new Error(`No topic for event type ${event.type}`);
      await manager.query(
        `INSERT INTO outbox (event_id, topic, message_key, event_type, payload) VALUES ($1, $2, $3, $4, $5)`,
        [
          event.id,
          namespaced(this.namespace, definition.topic),
          event.subject,
          event.type,
          JSON.stringify(event),
        ],
      );
    }
  }
}
