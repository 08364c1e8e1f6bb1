import { trace, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { GraphQLInstrumentation } from '@opentelemetry/instrumentation-graphql';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { z } from 'zod';
import { parseEnvironment, parseEnvironmentOrExit, type EnvironmentSource } from '../config/environment';

/**
 * OpenTelemetry tracing for one deskgraph process.
 *
 * Off unless `OTEL_EXPORTER_OTLP_ENDPOINT` (or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`)
 * is set: then spans of HTTP, GraphQL and pg, plus deskgraph's own Kafka
 * publish/process spans (see event-tracing.ts), go over OTLP/HTTP (JSON) to
 * that endpoint. The exporter reads the standard OTEL_* variables
 * (headers, timeout, `OTEL_BSP_SCHEDULE_DELAY`, …).
 *
 * Instrumentations patch modules when they are first required, so this must
 * run before anything imports `pg`, `http` or `graphql`: each process's
 * `main.ts` imports its `tracing.ts` first.
 */
export interface TracingOptions {
  serviceName: string;
  env?: EnvironmentSource;
  /** Span processors to use instead of the OTLP exporter (tests). */
  spanProcessors?: SpanProcessor[];
}

const tracingModel = z
  .object({
    OTEL_EXPORTER_OTLP_ENDPOINT: z.string().url().optional(),
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: z.string().url().optional(),
    OTEL_SERVICE_NAME: z.string().min(1).optional(),
  })
  .transform((env) => ({
    endpoint: env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? env.OTEL_EXPORTER_OTLP_ENDPOINT,
    serviceName: env.OTEL_SERVICE_NAME,
  }));

let provider: NodeTracerProvider | null = null;

/** Name of deskgraph's own tracer (outbox relay, consumers, gateway pushes). */
export const TRACER_NAME = 'deskgraph';

export function startTracing(options: TracingOptions): boolean {
  if (provider) return true;
  const models = { tracing: tracingModel };
  const { tracing } = options.env ? parseEnvironment(models, options.env) : parseEnvironmentOrExit(models);
  if (!options.spanProcessors && !tracing.endpoint) return false;
  provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': tracing.serviceName ?? options.serviceName }),
    spanProcessors: options.spanProcessors ?? [new BatchSpanProcessor(new OTLPTraceExporter())],
  });
  // Registers the AsyncLocalStorage context manager and the W3C trace-context propagator.
  provider.register();
  registerInstrumentations({
    instrumentations: [
      new HttpInstrumentation({
        // Probes and scrapes would be most of the spans and say nothing.
        ignoreIncomingRequestHook: (request) => /^\/(health|metrics)/.test(request.url ?? ''),
      }),
      new GraphQLInstrumentation({ mergeItems: true, ignoreTrivialResolveSpans: true }),
      // Only statements inside a request or an event: not the pollers' idle queries.
      new PgInstrumentation({ requireParentSpan: true }),
    ],
  });
  return true;
}

/** True when this process records spans (so producing them is worth it). */
export function tracingEnabled(): boolean {
  return provider !== null;
}

export function tracer(): Tracer {
  return trace.getTracer(TRACER_NAME);
}

/** Flushes spans still buffered: called last when a process stops. */
export async function stopTracing(): Promise<void> {
  const current = provider;
  provider = null;
  await current?.shutdown().catch(() => undefined);
}
