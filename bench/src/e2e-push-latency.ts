import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { parseArgs } from 'node:util';
import { graphqlRequest, startTestStack, TEST_JWT_SECRET } from '@deskgraph/infra';
import { signDevelopmentToken } from '@deskgraph/gateway';
import { formatMs, summarize } from './stats';

// End to end: createTicket → outbox → Kafka → (SLA) → gateway → supervisor
// push, at steady rates, one after the other on one stack. Tickets are sent
// open loop (on a fixed schedule, not waiting for the previous mutation), so
// a slow hop shows up as latency instead of lowering the rate. Prints figures
// and one JSON line; asserts nothing. Run with `npm run bench:e2e`
// (starts its own stack on the test infrastructure).
//   node bench/dist/src/e2e-push-latency.js [--rates 10,100] [--seconds 20]
const { values } = parseArgs({
  options: {
    rates: { type: 'string', default: '10,100' },
    seconds: { type: 'string', default: '20' },
  },
});
const rates = values.rates.split(',').map(Number);
const seconds = Number(values.seconds);

interface PhaseResult {
  rate: number;
  tickets: number;
  achievedRate: number;
  errors: number;
  mutation: ReturnType<typeof summarize>;
  created: ReturnType<typeof summarize>;
  slaStarted: ReturnType<typeof summarize>;
}

async function main() {
  const stack = await startTestStack({
    env: { LOG_LEVEL: 'warn', RATE_LIMIT_PER_SECOND: '1000000', RATE_LIMIT_BURST: '1000000' },
  });
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
    const createdAt = new Map<string, number>();
    const slaAt = new Map<string, number[]>();
    const subscription = client.iterate<{ queueUpdates: { kind: string; ticket: { title: string } | null } }>(
      {
        query:
          'subscription { queueUpdates(queueIds: ["general"]) { kind ticket { title sla { firstResponseDueAt } } } }',
      },
    );
    void (async () => {
      for await (const result of subscription) {
        const update = result.data?.queueUpdates;
        const title = update?.ticket?.title;
        const started = title && sentAt.get(title);
        if (!started) continue;
        const latency = performance.now() - started;
        if (update.kind === 'CREATED') createdAt.set(title, latency);
        else if (update.kind === 'SLA_STARTED') slaAt.set(title, [...(slaAt.get(title) ?? []), latency]);
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    // Warm up: plans, connections and JIT, so the first phase is not measured cold.
    await runPhase(stack.gatewayUrl, token, 'warm-up', 10, 20, sentAt);

    const results: PhaseResult[] = [];
    for (const rate of rates) {
      const total = Math.round(rate * seconds);
      const { titles, mutationLatency, errors, elapsedMs } = await runPhase(
        stack.gatewayUrl,
        token,
        `r${rate}`,
        rate,
        total,
        sentAt,
      );
      // Two SLA clocks (first response, resolution) start per ticket.
      const deadline = performance.now() + 30_000;
      const complete = () => titles.every((title) => createdAt.has(title) && slaAt.get(title)?.length === 2);
      while (!complete() && performance.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      results.push({
        rate,
        tickets: total,
        achievedRate: total / (elapsedMs / 1000),
        errors,
        mutation: summarize(mutationLatency),
        created: summarize(titles.flatMap((title) => createdAt.get(title) ?? [])),
        slaStarted: summarize(titles.flatMap((title) => slaAt.get(title) ?? [])),
      });
    }
    await client.dispose();

    const line = (label: string, s: ReturnType<typeof summarize>) =>
      `  ${label.padEnd(32)} n=${s.count} p50=${formatMs(s.p50)} p95=${formatMs(s.p95)} p99=${formatMs(s.p99)} max=${formatMs(s.max)}\n`;
    for (const result of results) {
      process.stdout.write(
        `\ndeskgraph e2e push latency — ${result.tickets} tickets at ${result.rate}/s (achieved ${result.achievedRate.toFixed(1)}/s, ${result.errors} errors), one supervisor\n` +
          line('createTicket mutation', result.mutation) +
          line('mutation → CREATED push', result.created) +
          line('mutation → SLA_STARTED push', result.slaStarted),
      );
    }
    process.stdout.write(`bench process RSS ${(process.memoryUsage().rss / 1e6).toFixed(0)} MB\n`);
    const figures = (s: ReturnType<typeof summarize>) => ({
      n: s.count,
      p50: Number(s.p50.toFixed(1)),
      p95: Number(s.p95.toFixed(1)),
      p99: Number(s.p99.toFixed(1)),
      max: Number(s.max.toFixed(1)),
    });
    process.stdout.write(
      `${JSON.stringify({
        bench: 'e2e-push-latency',
        phases: results.map((result) => ({
          rate: result.rate,
          tickets: result.tickets,
          achievedRate: Number(result.achievedRate.toFixed(1)),
          errors: result.errors,
          mutationMs: figures(result.mutation),
          createdPushMs: figures(result.created),
          slaStartedPushMs: figures(result.slaStarted),
        })),
      })}\n`,
    );
  } finally {
    await stack.stop();
  }
}

/** Sends `total` createTicket mutations on a fixed schedule of `rate` per second. */
async function runPhase(
  gatewayUrl: string,
  token: string,
  prefix: string,
  rate: number,
  total: number,
  sentAt: Map<string, number>,
): Promise<{ titles: string[]; mutationLatency: number[]; errors: number; elapsedMs: number }> {
  const titles: string[] = [];
  const mutationLatency: number[] = [];
  let errors = 0;
  const phaseStarted = performance.now();
  const inFlight: Promise<void>[] = [];
  for (let index = 0; index < total; index++) {
    const due = phaseStarted + (index * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const title = `bench ${prefix} ${index}`;
    titles.push(title);
    const started = performance.now();
    sentAt.set(title, started);
    inFlight.push(
      graphqlRequest(
        gatewayUrl,
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
      ).then(
        (response) => {
          if (response.errors?.length) errors++;
          mutationLatency.push(performance.now() - started);
        },
        () => {
          errors++;
        },
      ),
    );
  }
  await Promise.all(inFlight);
  return { titles, mutationLatency, errors, elapsedMs: performance.now() - phaseStarted };
}

main().then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(`${(error as Error).stack}\n`);
    process.exit(1);
  },
);
