import { randomUUID } from 'node:crypto';
import { Type, type Static, type TSchema } from '@sinclair/typebox';

/** CloudEvents 1.0 JSON envelope shared by every deskgraph event. */
export const CloudEventEnvelopeSchema = Type.Object(
  {
    specversion: Type.Literal('1.0'),
    id: Type.String({ minLength: 1, description: 'Unique event id; consumers deduplicate on it.' }),
    source: Type.String({ minLength: 1, description: 'Producing service, e.g. /deskgraph/tickets.' }),
    type: Type.String({ pattern: '^deskgraph\\.[a-z_]+\\.[a-z_.]+\\.v[0-9]+$' }),
    subject: Type.String({ minLength: 1, description: 'Aggregate id; also the Kafka message key.' }),
    time: Type.String({ format: 'date-time' }),
    datacontenttype: Type.Literal('application/json'),
    correlationid: Type.Optional(
      Type.String({ description: 'CloudEvents extension: id of the request or event that caused this one.' }),
    ),
    traceparent: Type.Optional(
      Type.String({
        pattern: '^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$',
        description:
          'CloudEvents distributed-tracing extension: W3C trace context of the span that published the event. Set only when the producer traces (OTEL_EXPORTER_OTLP_ENDPOINT).',
      }),
    ),
    tracestate: Type.Optional(
      Type.String({
        description: 'CloudEvents distributed-tracing extension: W3C tracestate, with traceparent.',
      }),
    ),
    data: Type.Unknown(),
  },
  { additionalProperties: false },
);

export type CloudEvent<TType extends string = string, TData = unknown> = Omit<
  Static<typeof CloudEventEnvelopeSchema>,
  'type' | 'data'
> & { type: TType; data: TData };

export interface EventDefinition<TType extends string = string, TData extends TSchema = TSchema> {
  type: TType;
  /** Logical topic (before any namespace prefix). */
  topic: string;
  description: string;
  data: TData;
}

export function defineEvent<TType extends string, TData extends TSchema>(
  definition: EventDefinition<TType, TData>,
): EventDefinition<TType, TData> {
  return definition;
}

export interface NewEventInput<TData> {
  source: string;
  subject: string;
  data: TData;
  id?: string;
  time?: Date;
}

export function buildEvent<TType extends string, TData extends TSchema>(
  definition: EventDefinition<TType, TData>,
  input: NewEventInput<Static<TData>>,
): CloudEvent<TType, Static<TData>> {
  return {
    specversion: '1.0',
    id: input.id ?? randomUUID(),
    source: input.source,
    type: definition.type,
    subject: input.subject,
    time: (input.time ?? new Date()).toISOString(),
    datacontenttype: 'application/json',
    data: input.data,
  };
}
