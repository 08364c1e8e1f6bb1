import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { parseArgs } from 'node:util';
import { graphqlRequest, startTestStack, TEST_JWT_SECRET } from '@deskgraph/infra';
import { signDevelopmentToken } from '@deskgraph/gateway';
import { formatMs, summarize } from './stats';

// End to end: createTicket → outbox → Kafka → (SLA) → gateway → supervisor
// push, at steady rates and then a storm step, one after the other on one
// stack. Tickets are sent open loop (on a fixed schedule, not waiting for the
// previous mutation), so a slow hop shows up as latency instead of lowering
// the rate. Each push carries `at`, the broker's append time of its event,
// which splits the path into hops: mutation sent → ticket.created on Kafka
// (tickets transaction and outbox relay), Kafka → push (gateway stream,
// federated fetch, send), ticket.created → clock_started on Kafka (SLA
// consumer and relay). In a storm step the mutation queues in front of the
// tickets service, so pushes are also timed from the mutation's answer.
// Prints figures and one JSON line; asserts nothing. Run with
// `npm run bench:e2e` (starts its own stack on the test infrastructure).
//   node bench/dist/src/e2e-push-latency.js [--rates 10,100,1000] [--seconds 20,20,10]
// (`--seconds` is one duration for every rate, or one per rate.)
const { values } = parseArgs({
  options: {
    rates: { type: 'string', default: '10,100,1000' },
    seconds: { type: 'string', default: '20,20,10' },
  },
});
const rates = values.rates.split(',').map(Number);
const secondsList = values.seconds.split(',').map(Number);
if (secondsList.length !== 1 && secondsList.length !== rates.length) {
  throw new Error('--seconds takes one duration, or one per rate');
}
const secondsOf = (index: number) => secondsList[secondsList.length === 1 ? 0 : index];
/** After the last answer of a phase, how long its pushes may take to arrive. */
const DRAIN_MS = 60_000;

type Summary = ReturnType<typeof summarize>;

/** One ticket's timeline, in ms of the Unix clock (performance.timeOrigin + now). */
interface Timeline {
  sent: number;
  answered?: number;
  createdPush?: number;
  /** Broker append time of ticket.created. */
  createdAt?: number;
  slaPushes: number[];
  /** Broker append times of the clock_started events. */
  slaAts: number[];
}

interface PhaseResult {
  rate: number;
  tickets: number;
  achievedRate: number;
  errors: number;
  missing: { created: number; slaStarted: number };
  mutation: Summary;
  created: Summary;
  slaStarted: Summary;
  createdFromAnswer: Summary;
  slaStartedFromAnswer: Summary;
  hops: {
    sentToCreatedOnKafka: Summary;
    createdOnKafkaToPush: Summary;
    createdToSlaOnKafka: Summary;
    slaOnKafkaToPush: Summary;
  };
}

const now = () => performance.timeOrigin + performance.now();

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
    const timelines = new Map<string, Timeline>();
    const subscription = client.iterate<{
      queueUpdates: { kind: string; at: string; ticket: { title: string } | null };
    }>({
      query:
        'subscription { queueUpdates(queueIds: ["general"]) { kind at ticket { title sla { firstResponseDueAt } } } }',
    });
    // The gateway ends a subscriber that falls 1,000 updates behind: every push after that is "missing".
    let subscriptionEnded: string | null = null;
    void (async () => {
      try {
        for await (const result of subscription) {
          const pushed = now();
          const update = result.data?.queueUpdates;
          const timeline = update?.ticket && timelines.get(update.ticket.title);
          if (!timeline) continue;
          if (update.kind === 'CREATED') {
            timeline.createdPush = pushed;
            timeline.createdAt = Date.parse(update.at);
          } else if (update.kind === 'SLA_STARTED') {
            timeline.slaPushes.push(pushed);
            timeline.slaAts.push(Date.parse(update.at));
          }
        }
        subscriptionEnded ??= `completed by the gateway at ${new Date().toISOString()}`;
      } catch (error) {
        subscriptionEnded = `failed at ${new Date().toISOString()}: ${String(error)}`;
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    // Warm up: plans, connections and JIT, so the first phase is not measured cold.
    await runPhase(stack.gatewayUrl, token, 'warm-up', 10, 20, timelines);

    const results: PhaseResult[] = [];
    for (const [index, rate] of rates.entries()) {
      const total = Math.round(rate * secondsOf(index));
      const { titles, errors, elapsedMs } = await runPhase(
        stack.gatewayUrl,
        token,
        `r${rate}`,
        rate,
        total,
        timelines,
      );
      // Two SLA clocks (first response, resolution) start per ticket.
      const ticketsOf = () => titles.map((title) => timelines.get(title)!);
      const deadline = performance.now() + DRAIN_MS;
      const complete = () =>
        ticketsOf().every((t) => t.answered === undefined || (t.createdPush && t.slaPushes.length === 2));
      while (!complete() && subscriptionEnded === null && performance.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const tickets = ticketsOf().filter((t) => t.answered !== undefined);
      const createdOf = (t: Timeline) => (t.createdPush === undefined ? [] : [t.createdPush]);
      results.push({
        rate,
        tickets: total,
        achievedRate: tickets.length / (elapsedMs / 1000),
        errors,
        missing: {
          created: tickets.filter((t) => t.createdPush === undefined).length,
          slaStarted: tickets.reduce((sum, t) => sum + 2 - t.slaPushes.length, 0),
        },
        mutation: summarize(tickets.map((t) => t.answered! - t.sent)),
        created: summarize(tickets.flatMap((t) => createdOf(t).map((at) => at - t.sent))),
        slaStarted: summarize(tickets.flatMap((t) => t.slaPushes.map((at) => at - t.sent))),
        createdFromAnswer: summarize(tickets.flatMap((t) => createdOf(t).map((at) => at - t.answered!))),
        slaStartedFromAnswer: summarize(tickets.flatMap((t) => t.slaPushes.map((at) => at - t.answered!))),
        hops: {
          sentToCreatedOnKafka: summarize(
            tickets.flatMap((t) => (t.createdAt === undefined ? [] : [t.createdAt - t.sent])),
          ),
          createdOnKafkaToPush: summarize(
            tickets.flatMap((t) => (t.createdAt === undefined ? [] : [t.createdPush! - t.createdAt])),
          ),
          createdToSlaOnKafka: summarize(
            tickets.flatMap((t) =>
              t.createdAt === undefined ? [] : t.slaAts.map((at) => at - t.createdAt!),
            ),
          ),
          slaOnKafkaToPush: summarize(tickets.flatMap((t) => t.slaAts.map((at, i) => t.slaPushes[i] - at))),
        },
      });
    }
    const endedEarly = subscriptionEnded;
    await client.dispose();

    const line = (label: string, s: Summary) =>
      `  ${label.padEnd(40)} n=${s.count} p50=${formatMs(s.p50)} p95=${formatMs(s.p95)} p99=${formatMs(s.p99)} max=${formatMs(s.max)}\n`;
    for (const result of results) {
      process.stdout.write(
        `\ndeskgraph e2e push latency — ${result.tickets} tickets at ${result.rate}/s (achieved ${result.achievedRate.toFixed(1)}/s, ${result.errors} errors, pushes missing: ${result.missing.created} CREATED, ${result.missing.slaStarted} SLA_STARTED), one supervisor\n` +
          line('createTicket mutation', result.mutation) +
          line('mutation sent → CREATED push', result.created) +
          line('mutation sent → SLA_STARTED push', result.slaStarted) +
          line('mutation answered → CREATED push', result.createdFromAnswer) +
          line('mutation answered → SLA_STARTED push', result.slaStartedFromAnswer) +
          '  hops (broker append times, same machine clock):\n' +
          line('  sent → ticket.created on Kafka', result.hops.sentToCreatedOnKafka) +
          line('  ticket.created on Kafka → push', result.hops.createdOnKafkaToPush) +
          line('  ticket.created → clock_started (Kafka)', result.hops.createdToSlaOnKafka) +
          line('  clock_started on Kafka → push', result.hops.slaOnKafkaToPush),
      );
    }
    if (endedEarly)
      process.stdout.write(`the supervisor's subscription ended before the bench did: ${endedEarly}\n`);
    process.stdout.write(`bench process RSS ${(process.memoryUsage().rss / 1e6).toFixed(0)} MB\n`);
    const figures = (s: Summary) => ({
      n: s.count,
      p50: Number(s.p50.toFixed(1)),
      p95: Number(s.p95.toFixed(1)),
      p99: Number(s.p99.toFixed(1)),
      max: Number(s.max.toFixed(1)),
    });
    process.stdout.write(
      `${JSON.stringify({
        bench: 'e2e-push-latency',
        subscriptionEndedEarly: endedEarly,
        phases: results.map((result) => ({
          rate: result.rate,
          tickets: result.tickets,
          achievedRate: Number(result.achievedRate.toFixed(1)),
          errors: result.errors,
          missing: result.missing,
          mutationMs: figures(result.mutation),
          createdPushMs: figures(result.created),
          slaStartedPushMs: figures(result.slaStarted),
          createdPushFromAnswerMs: figures(result.createdFromAnswer),
          slaStartedPushFromAnswerMs: figures(result.slaStartedFromAnswer),
          hopsMs: Object.fromEntries(Object.entries(result.hops).map(([hop, s]) => [hop, figures(s)])),
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
  timelines: Map<string, Timeline>,
): Promise<{ titles: string[]; errors: number; elapsedMs: number }> {
  const titles: string[] = [];
  let errors = 0;
  const phaseStarted = performance.now();
  const inFlight: Promise<void>[] = [];
  for (let index = 0; index < total; index++) {
    const due = phaseStarted + (index * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const title = `bench ${prefix} ${index}`;
    titles.push(title);
    const timeline: Timeline = { sent: now(), slaPushes: [], slaAts: [] };
    timelines.set(title, timeline);
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
          else timeline.answered = now();
        },
        () => {
          errors++;
        },
      ),
    );
  }
  await Promise.all(inFlight);
  return { titles, errors, elapsedMs: performance.now() - phaseStarted };
}

main().then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(`${(error as Error).stack}\n`);
    process.exit(1);
  },
);
