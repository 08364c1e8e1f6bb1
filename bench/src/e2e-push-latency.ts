import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { parseArgs } from 'node:util';
import { graphqlRequest, startTestStack, TEST_JWT_SECRET } from '@deskgraph/infra';
import { signDevelopmentToken } from '@deskgraph/gateway';
import { formatMs, summarize } from './stats';

// End to end: createTicket → outbox → Kafka → (SLA) → gateway → supervisor
// push, at a steady rate. Prints figures; asserts nothing. Run with
// `npm run bench:e2e` (starts its own stack on the test infrastructure).
const { values } = parseArgs({
  options: { tickets: { type: 'string', default: '200' }, rate: { type: 'string', default: '20' } },
});
const total = Number(values.tickets);
const perSecond = Number(values.rate);

async function main() {
  const stack = await startTestStack({ env: { LOG_LEVEL: 'warn' } });
  try {
    const token = await signDevelopmentToken({
      secret: TEST_JWT_SECRET,
      issuer: 'deskgraph',
      audience: 'deskgraph',
      userId: 'bench',
      roles: ['supervisor', 'agent'],
      queueIds: ['general'],
      expiresIn: '1h',
    });
    const client = createClient({
      url: stack.wsUrl,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${token}` },
    });
    const sentAt = new Map<string, number>();
    const createdLatency: number[] = [];
    const slaLatency: number[] = [];
    const subscription = client.iterate<{ queueUpdates: { kind: string; ticket: { title: string } | null } }>(
      {
        query:
          'subscription { queueUpdates(queueIds: ["general"]) { kind ticket { title sla { firstResponseDueAt } } } }',
      },
    );
    const consuming = (async () => {
      for await (const result of subscription) {
        const update = result.data?.queueUpdates;
        const started = update?.ticket && sentAt.get(update.ticket.title);
        if (!started) continue;
        if (update.kind === 'CREATED') createdLatency.push(performance.now() - started);
        else if (update.kind === 'SLA_STARTED') slaLatency.push(performance.now() - started);
        // Two SLA clocks (first response, resolution) start per ticket.
        if (createdLatency.length >= total && slaLatency.length >= 2 * total) break;
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const mutationLatency: number[] = [];
    for (let index = 0; index < total; index++) {
      const title = `bench ${index}`;
      const started = performance.now();
      sentAt.set(title, started);
      await graphqlRequest(
        stack.gatewayUrl,
        'mutation($input: CreateTicketInput!) { createTicket(input: $input) { id } }',
        {
          input: {
            title,
            description: 'benchmark',
            channel: 'APP',
            priority: 'P2',
            queueId: 'general',
            customer: { name: 'Bench' },
          },
        },
        token,
      );
      mutationLatency.push(performance.now() - started);
      const wait = 1000 / perSecond - (performance.now() - started);
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    }
    await Promise.race([consuming, new Promise((resolve) => setTimeout(resolve, 30_000))]);
    await client.dispose();
    const print = (label: string, samples: number[]) => {
      const s = summarize(samples);
      process.stdout.write(
        `${label.padEnd(34)} n=${s.count} p50=${formatMs(s.p50)} p95=${formatMs(s.p95)} p99=${formatMs(s.p99)} max=${formatMs(s.max)}\n`,
      );
    };
    process.stdout.write(
      `\ndeskgraph e2e push latency — ${total} tickets at ${perSecond}/s, one supervisor\n`,
    );
    print('createTicket mutation', mutationLatency);
    print('mutation → CREATED push', createdLatency);
    print('mutation → SLA_STARTED push', slaLatency);
    process.stdout.write(`bench process RSS ${(process.memoryUsage().rss / 1e6).toFixed(0)} MB\n`);
  } finally {
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
