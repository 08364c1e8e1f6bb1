import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { eventually, startTestStack, testToken, type TestStack } from '@deskgraph/infra';

// One createTicket, one trace: gateway → tickets → outbox relay publish →
// sla, analytics and knowledge consumers → sla outbox publish → gateway push.
// Every process exports over real OTLP/HTTP (JSON) to a collector this test
// runs, which keeps the spans in memory.

interface CollectedSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  attributes: Record<string, unknown>;
}

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  boolValue?: boolean;
}
interface OtlpExport {
  resourceSpans?: {
    resource?: { attributes?: { key: string; value: OtlpValue }[] };
    scopeSpans?: {
      spans?: {
        traceId: string;
        spanId: string;
        parentSpanId?: string;
        name: string;
        kind: number;
        attributes?: { key: string; value: OtlpValue }[];
      }[];
    }[];
  }[];
}

const SPAN_KIND = { SERVER: 2, PRODUCER: 4, CONSUMER: 5 };

function attributes(list: { key: string; value: OtlpValue }[] = []): Record<string, unknown> {
  return Object.fromEntries(
    list.map(({ key, value }) => [key, value.stringValue ?? value.intValue ?? value.boolValue]),
  );
}

function startCollector(): Promise<{ server: Server; url: string; spans: CollectedSpan[] }> {
  const spans: CollectedSpan[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpExport;
      for (const resourceSpans of body.resourceSpans ?? []) {
        const service = String(attributes(resourceSpans.resource?.attributes)['service.name']);
        for (const scope of resourceSpans.scopeSpans ?? []) {
          for (const span of scope.spans ?? []) {
            spans.push({
              service,
              traceId: span.traceId,
              spanId: span.spanId,
              parentSpanId: span.parentSpanId ?? '',
              name: span.name,
              kind: span.kind,
              attributes: attributes(span.attributes),
            });
          }
        }
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, spans }),
    ),
  );
}

describe('tracing across the event pipeline', () => {
  let stack: TestStack;
  let collector: Awaited<ReturnType<typeof startCollector>>;

  beforeAll(async () => {
    collector = await startCollector();
    stack = await startTestStack({
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, OTEL_BSP_SCHEDULE_DELAY: '200' },
    });
  }, 180_000);

  afterAll(async () => {
    await stack?.stop();
    collector?.server.close();
  });

  it('follows one createTicket from the gateway through every consumer back to the push', async () => {
    const traceId = randomBytes(16).toString('hex');
    const callerSpanId = randomBytes(8).toString('hex');
    const token = await testToken({ roles: ['agent'], queueIds: ['general'] });
    const response = await fetch(stack.gatewayUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${token}`,
        // The caller's own trace: everything below must join it.
        traceparent: `00-${traceId}-${callerSpanId}-01`,
      },
      body: JSON.stringify({
        query: `mutation Create($input: CreateTicketInput!) { createTicket(input: $input) { id number } }`,
        variables: {
          input: {
            title: 'Invoice missing after payment',
            description: 'Paid yesterday, no invoice yet.',
            channel: 'APP',
            priority: 'P1',
            queueId: 'general',
            customer: { id: 'C-7001', name: 'Li Lei' },
          },
        },
      }),
    });
    const result = (await response.json()) as { data?: { createTicket: { id: string } }; errors?: unknown };
    expect(result.errors).toBeUndefined();
    const ticketId = result.data!.createTicket.id;

    const inTrace = () => collector.spans.filter((span) => span.traceId === traceId);
    const find = (service: string, test: (span: CollectedSpan) => boolean) =>
      inTrace().filter((span) => span.service === service && test(span));
    const consumed = (service: string, topicPart: string) =>
      find(
        service,
        (span) =>
          span.kind === SPAN_KIND.CONSUMER &&
          String(span.attributes['messaging.destination.name']).includes(topicPart),
      );

    // Wait until the last hop (the SLA_STARTED push) and every consumer have reported.
    await eventually(
      async () =>
        consumed('deskgraph-gateway', 'sla').length > 0 &&
        consumed('deskgraph-sla', 'tickets').length > 0 &&
        consumed('deskgraph-analytics', 'tickets').length > 0 &&
        consumed('deskgraph-knowledge', 'tickets').length > 0 &&
        // Each process exports on its own schedule, so a child (a consumer's span) can
        // arrive before its parent (the publish span in another process): wait for both.
        inTrace().every(
          (span) =>
            span.parentSpanId === callerSpanId ||
            inTrace().some((parent) => parent.spanId === span.parentSpanId),
        ),
      { timeoutMs: 60_000, what: 'spans from every process of the trace, each with its parent' },
    );

    const spans = inTrace();
    const byId = new Map(spans.map((span) => [span.spanId, span]));
    const parentOf = (span: CollectedSpan) => byId.get(span.parentSpanId);
    /** The chain of spans from `span` up to the caller's span. */
    const ancestry = (span: CollectedSpan): CollectedSpan[] => {
      const chain: CollectedSpan[] = [];
      for (let current: CollectedSpan | undefined = span; current; current = parentOf(current))
        chain.push(current);
      return chain;
    };

    // Every span has its parent in this trace, except the gateway's entry span, whose parent is the caller.
    for (const span of spans) {
      if (span.parentSpanId === callerSpanId) {
        expect(span.service).toBe('deskgraph-gateway');
        expect(span.kind).toBe(SPAN_KIND.SERVER);
      } else {
        expect(byId.has(span.parentSpanId)).toBe(true);
      }
    }

    // Gateway → tickets: the tickets HTTP server span is a child of a gateway span.
    const ticketsEntry = find('deskgraph-tickets', (span) => span.kind === SPAN_KIND.SERVER);
    expect(ticketsEntry.length).toBeGreaterThan(0);
    expect(parentOf(ticketsEntry[0])?.service).toBe('deskgraph-gateway');

    // The tickets relay publishes ticket.created as a child of the request that wrote it.
    const created = find(
      'deskgraph-tickets',
      (span) =>
        span.kind === SPAN_KIND.PRODUCER &&
        span.attributes['cloudevents.event_type'] === 'deskgraph.ticket.created.v1',
    );
    expect(created).toHaveLength(1);
    expect(ancestry(created[0]).map((span) => span.spanId)).toContain(ticketsEntry[0].spanId);

    // Each consumer processes it as a child of that publish span.
    for (const service of ['deskgraph-sla', 'deskgraph-analytics', 'deskgraph-knowledge']) {
      const processed = consumed(service, 'tickets').filter(
        (span) => span.attributes['cloudevents.event_type'] === 'deskgraph.ticket.created.v1',
      );
      expect(processed.length).toBeGreaterThan(0);
      expect(processed[0].parentSpanId).toBe(created[0].spanId);
    }
    // The consumers' statements are inside their process spans.
    const slaProcess = consumed('deskgraph-sla', 'tickets')[0];
    expect(
      find(
        'deskgraph-sla',
        (span) => span.attributes['db.system'] === 'postgresql' || span.name.startsWith('pg.'),
      ).some((span) => ancestry(span).includes(slaProcess)),
    ).toBe(true);

    // sla's own event (the clocks started) is published inside the trace and pushed by the gateway from it.
    const slaPublish = find('deskgraph-sla', (span) => span.kind === SPAN_KIND.PRODUCER);
    expect(slaPublish.length).toBeGreaterThan(0);
    expect(ancestry(slaPublish[0]).map((span) => span.service)).toEqual(
      expect.arrayContaining(['deskgraph-sla', 'deskgraph-tickets', 'deskgraph-gateway']),
    );
    const pushed = consumed('deskgraph-gateway', 'sla');
    expect(slaPublish.map((span) => span.spanId)).toContain(pushed[0].parentSpanId);
    expect(pushed[0].attributes['messaging.message.id']).toBeTruthy();
    expect(ticketId).toBeTruthy();
  }, 120_000);
});
