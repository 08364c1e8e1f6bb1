import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  type Context,
  trace,
  type Span,
} from '@opentelemetry/api';
import { tracer, tracingEnabled } from './tracing';

/**
 * Trace context carried inside events, as the CloudEvents distributed-tracing
 * extension (`traceparent`, `tracestate` attributes) defines it.
 *
 * Kafka-client auto-instrumentation cannot follow deskgraph's path: an event
 * is written to the outbox inside a request and published later by the relay,
 * outside that request. So the outbox stores the request's trace context in
 * the event, the relay's publish span is its child and replaces it in the
 * published event, and each consumer's process span is a child of that.
 * Spans follow the OpenTelemetry messaging conventions.
 */
export interface TraceCarrier {
  traceparent?: string;
  tracestate?: string;
}

/** The active trace context as CloudEvents attributes; empty when tracing is off. */
export function currentTraceCarrier(active: Context = context.active()): TraceCarrier {
  if (!tracingEnabled()) return {};
  const carrier: Record<string, string> = {};
  propagation.inject(active, carrier);
  return carrier.traceparent
    ? { traceparent: carrier.traceparent, ...(carrier.tracestate ? { tracestate: carrier.tracestate } : {}) }
    : {};
}

function parentOf(carrier: TraceCarrier | undefined): Context {
  if (!carrier?.traceparent) return ROOT_CONTEXT;
  return propagation.extract(ROOT_CONTEXT, { ...carrier });
}

function messagingAttributes(topic: string, operation: 'send' | 'process', eventId: string, type: string) {
  return {
    'messaging.system': 'kafka',
    'messaging.destination.name': topic,
    'messaging.operation.type': operation,
    'messaging.message.id': eventId,
    'cloudevents.event_type': type,
  };
}

/** One producer span per published event, child of the context the event was created in. */
export function startPublishSpan(
  event: { id: string; type: string } & TraceCarrier,
  topic: string,
): { span: Span; carrier: TraceCarrier } | null {
  if (!tracingEnabled()) return null;
  const span = tracer().startSpan(
    `send ${topic}`,
    { kind: SpanKind.PRODUCER, attributes: messagingAttributes(topic, 'send', event.id, event.type) },
    parentOf(event),
  );
  return { span, carrier: currentTraceCarrier(trace.setSpan(ROOT_CONTEXT, span)) };
}

export function endSpan(span: Span | undefined, error?: unknown): void {
  if (!span) return;
  if (error) {
    span.recordException(error instanceof Error ? error : new Error(String(error)));
    span.setStatus({ code: SpanStatusCode.ERROR });
  }
  span.end();
}

/**
 * Runs `work` inside a consumer span that continues the event's trace, so the
 * statements it runs and the events it writes to the outbox join that trace.
 * Returns what `work` returns (a promise stays a promise).
 */
export function withEventSpan<T>(
  name: string,
  event: { id: string; type: string } & TraceCarrier,
  topic: string,
  work: () => T,
  attributes: Record<string, string> = {},
): T {
  if (!tracingEnabled()) return work();
  return tracer().startActiveSpan(
    `${name} ${topic}`,
    {
      kind: SpanKind.CONSUMER,
      attributes: { ...messagingAttributes(topic, 'process', event.id, event.type), ...attributes },
    },
    parentOf(event),
    (span) => {
      try {
        const result = work();
        if (result instanceof Promise) {
          return result.then(
            (value: unknown) => {
              span.end();
              return value;
            },
            (error: unknown) => {
              endSpan(span, error);
              throw error;
            },
          ) as T;
        }
        span.end();
        return result;
      } catch (error) {
        endSpan(span, error);
        throw error;
      }
    },
  );
}
