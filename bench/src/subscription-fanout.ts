import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { graphqlOk, startTestStack, testToken } from '@deskgraph/infra';
import { summarize } from './stats';

// Subscription fan-out: N concurrent graphql-ws subscribers on queueUpdates
// in one gateway process. Per event: time until the last subscriber has it
// (from the first delivery, and from the mutation for CREATED), messages per
// second, gateway memory per connection. Clients speak the graphql-transport-ws
// protocol over plain `ws` sockets, to keep the client process light.
// Prints figures; asserts nothing.
//   node bench/dist/src/subscription-fanout.js [--subscribers 10000] [--tickets 10]
//     [--gateway-node-options "--cpu-prof --cpu-prof-dir=/tmp/prof"]  (profile the gateway)
const { values } = parseArgs({
  options: {
    subscribers: { type: 'string', default: '10000' },
    tickets: { type: 'string', default: '10' },
    'gateway-node-options': { type: 'string' },
  },
});
const subscriberCount = Number(values.subscribers);
const ticketCount = Number(values.tickets);
const EVENTS_PER_TICKET = 3;
const QUERY =
  'subscription { queueUpdates(queueIds: ["general"]) { kind eventId at ticket { id title priority } } }';

interface Delivery {
  first: number;
  last: number;
  count: number;
  kind: string;
  ticketId: string;
}

/** A gauge of the gateway's /metrics, e.g. process_resident_memory_bytes. */
async function gatewayGauge(metricsUrl: string, name: string): Promise<number> {
  const text = await (await fetch(metricsUrl)).text();
  // Every process labels its metrics with its service name: `name{service="gateway"} value`.
  const line = text
    .split('\n')
    .find((candidate) => candidate.startsWith(`${name} `) || candidate.startsWith(`${name}{`));
  return Number(line?.split(' ').pop());
}

function connect(
  url: string,
  token: string,
  onUpdate: (eventId: string, kind: string, ticketId: string) => void,
): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, 'graphql-transport-ws');
    socket.on('open', () =>
      socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } })),
    );
    socket.on('message', (raw) => {
      const message = JSON.parse(raw.toString()) as {
        type: string;
        payload?: {
          data?: { queueUpdates?: { eventId: string; kind: string; ticket: { id: string } | null } };
        };
      };
      if (message.type === 'connection_ack') {
        socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: QUERY } }));
        resolve(socket);
      } else if (message.type === 'next') {
        const update = message.payload?.data?.queueUpdates;
        if (update) onUpdate(update.eventId, update.kind, update.ticket?.id ?? '');
      } else if (message.type === 'ping') {
        socket.send(JSON.stringify({ type: 'pong' }));
      }
    });
    socket.on('error', reject);
    socket.on('close', (code) => code !== 1000 && reject(new Error(`socket closed with ${code}`)));
  });
}

async function main() {
  const stack = await startTestStack({
    env: {
      RATE_LIMIT_PER_SECOND: '1000000',
      RATE_LIMIT_BURST: '1000000',
      MAX_SUBSCRIPTIONS_PER_CONNECTION: '5',
      LOG_LEVEL: 'warn',
    },
    ...(values['gateway-node-options']
      ? { processEnv: { gateway: { NODE_OPTIONS: values['gateway-node-options'] } } }
      : {}),
  });
  const sockets: WebSocket[] = [];
  try {
    const metricsUrl = stack.gatewayUrl.replace(/\/graphql$/, '/metrics');
    const admin = await testToken({ userId: 'bench-admin', roles: ['admin'] });
    const token = await testToken({
      userId: 'bench-supervisor',
      roles: ['supervisor'],
      queueIds: ['general'],
    });
    const deliveries = new Map<string, Delivery>();
    let messages = 0;
    const onUpdate = (eventId: string, kind: string, ticketId: string) => {
      const now = performance.now();
      messages++;
      const delivery = deliveries.get(eventId);
      if (delivery) {
        delivery.last = now;
        delivery.count++;
      } else deliveries.set(eventId, { first: now, last: now, count: 1, kind, ticketId });
    };

    // Warm the gateway (schema, plans) before measuring memory.
    await graphqlOk(stack.gatewayUrl, '{ queues { id } }', {}, admin);
    global.gc?.();
    const rssBefore = await gatewayGauge(metricsUrl, 'process_resident_memory_bytes');
    const heapBefore = await gatewayGauge(metricsUrl, 'nodejs_heap_size_used_bytes');
    const connectStarted = performance.now();
    for (let batch = 0; batch < subscriberCount; batch += 500) {
      const size = Math.min(500, subscriberCount - batch);
      sockets.push(
        ...(await Promise.all(Array.from({ length: size }, () => connect(stack.wsUrl, token, onUpdate)))),
      );
    }
    const connectSeconds = (performance.now() - connectStarted) / 1000;
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    const rssAfter = await gatewayGauge(metricsUrl, 'process_resident_memory_bytes');
    const heapAfter = await gatewayGauge(metricsUrl, 'nodejs_heap_size_used_bytes');

    const mutationSentAt = new Map<string, number>();
    const runStarted = performance.now();
    for (let index = 0; index < ticketCount; index++) {
      const sent = performance.now();
      const data = await graphqlOk(
        stack.gatewayUrl,
        'mutation($input: CreateTicketInput!) { createTicket(input: $input) { id } }',
        {
          input: {
            title: `Fan-out ${index}`,
            description: 'benchmark',
            channel: 'APP',
            queueId: 'general',
            priority: 'P2',
            customer: { name: 'Bench' },
          },
        },
        admin,
      );
      mutationSentAt.set(data.createTicket.id, sent);
      // Space the events so each fan-out is measured on its own.
      await new Promise((resolve) => setTimeout(resolve, 2_000));
    }
    // Each ticket pushes CREATED and two SLA_STARTED (first response, resolution). Wait until
    // that many events have reached every subscriber: waiting only for the events seen so far
    // would stop before an event that has not started arriving yet.
    const expectedEvents = ticketCount * EVENTS_PER_TICKET;
    const quietDeadline = performance.now() + 30_000;
    while (
      performance.now() < quietDeadline &&
      [...deliveries.values()].filter((d) => d.count >= subscriberCount).length < expectedEvents
    ) {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const runSeconds = (performance.now() - runStarted) / 1000;

    const complete = [...deliveries.values()].filter((d) => d.count === subscriberCount);
    const spread = summarize(complete.map((d) => d.last - d.first));
    const fromMutation = summarize(
      complete
        .filter((d) => d.kind === 'CREATED' && mutationSentAt.has(d.ticketId))
        .map((d) => d.last - mutationSentAt.get(d.ticketId)!),
    );
    const perEventRate = summarize(complete.map((d) => d.count / Math.max(0.001, (d.last - d.first) / 1000)));
    const fetches = (await (await fetch(metricsUrl)).text())
      .split('\n')
      .find((line) => line.startsWith('deskgraph_gateway_subscription_fetches_total'));
    process.stdout.write(
      `\ndeskgraph subscription fan-out — ${subscriberCount} graphql-ws subscribers on queueUpdates, one gateway process\n` +
        `connected in ${connectSeconds.toFixed(1)} s (${(subscriberCount / connectSeconds).toFixed(0)} connections/s incl. JWT check and subscribe)\n` +
        `events fully delivered: ${complete.length} of ${ticketCount * EVENTS_PER_TICKET} expected, ${deliveries.size} seen (${ticketCount} tickets: CREATED and two SLA_STARTED each)\n` +
        `first → last subscriber per event: p50=${spread.p50.toFixed(1)} ms p99=${spread.p99.toFixed(1)} ms max=${spread.max.toFixed(1)} ms\n` +
        `createTicket sent → last subscriber has CREATED: p50=${fromMutation.p50.toFixed(1)} ms p99=${fromMutation.p99.toFixed(1)} ms (n=${fromMutation.count})\n` +
        `delivery rate while fanning out one event: p50=${perEventRate.p50.toFixed(0)} messages/s\n` +
        `messages received: ${messages} in ${runSeconds.toFixed(1)} s of run (events spaced 2 s apart)\n` +
        `gateway RSS ${(rssBefore / 1e6).toFixed(0)} MB → ${(rssAfter / 1e6).toFixed(0)} MB with ${subscriberCount} connections: ${((rssAfter - rssBefore) / subscriberCount / 1024).toFixed(1)} KiB per connection\n` +
        `gateway V8 heap used ${(heapBefore / 1e6).toFixed(0)} MB → ${(heapAfter / 1e6).toFixed(0)} MB: ${((heapAfter - heapBefore) / subscriberCount / 1024).toFixed(1)} KiB per connection (live objects and not yet collected garbage)\n` +
        `federated fetches for all of it: ${fetches?.split(' ').pop()} (one per event: one selection, one scope)\n`,
    );
    process.stdout.write(
      `${JSON.stringify({
        bench: 'subscription-fanout',
        subscribers: subscriberCount,
        tickets: ticketCount,
        eventsExpected: ticketCount * EVENTS_PER_TICKET,
        eventsFullyDelivered: complete.length,
        firstToLastMs: { p50: spread.p50, p99: spread.p99, max: spread.max },
        mutationToLastCreatedMs: { p50: fromMutation.p50, p99: fromMutation.p99, n: fromMutation.count },
        kibPerConnection: Number(((rssAfter - rssBefore) / subscriberCount / 1024).toFixed(1)),
        heapKibPerConnection: Number(((heapAfter - heapBefore) / subscriberCount / 1024).toFixed(1)),
      })}\n`,
    );
  } finally {
    for (const socket of sockets) socket.terminate();
    await stack.stop();
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(`${(error as Error).stack}\n`);
    process.exit(1);
  },
);
