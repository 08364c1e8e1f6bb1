import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  freePort,
  graphqlOk,
  ManagedProcess,
  startTestStack,
  TEST_SHARED_SECRET,
  testToken,
} from '@deskgraph/infra';
import { signIdentityHeaders, type Identity } from '@deskgraph/platform';
import { SUPERGRAPH_PATH } from '@deskgraph/gateway';
import { formatLoad, postGraphQL, runLoad, type LoadResult } from './load';
import { cpuSeconds } from './stats';

// Query throughput and latency of a typical agent-desk query spanning three
// subgraphs (tickets, sla, knowledge): through the deskgraph gateway and,
// in the same run on the same subgraphs and supergraph, through
// @graphql-hive/gateway; plus the gateway's overhead against calling the
// owning subgraph directly. Prints figures; asserts nothing.
// --baseline-gateway <main.js of another gateway build> also runs that build
// on the same stack and measures it right after ours, for before/after
// figures from one run (a copy of an earlier gateway/dist, with
// gateway/node_modules reachable from it).
// Every target is warmed up twice for --warmup-seconds before any is measured.
//   node bench/dist/src/query-throughput.js [--seconds 10] [--concurrency 16] [--warmup-seconds 5]
//     [--baseline-gateway path]
const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    concurrency: { type: 'string', default: '16' },
    'baseline-gateway': { type: 'string' },
    'warmup-seconds': { type: 'string', default: '5' },
  },
});
const seconds = Number(values.seconds);
const concurrency = Number(values.concurrency);
const warmupSeconds = Number(values['warmup-seconds']);

const AGENT_DESK = /* GraphQL */ `
  query AgentDesk($id: ID!) {
    ticket(id: $id) {
      id
      number
      title
      status
      priority
      queueId
      createdAt
      customer {
        name
      }
      sla {
        firstResponseDueAt
        resolutionDueAt
      }
      suggestedArticles(first: 3) {
        score
        article {
          id
          title
        }
      }
    }
  }
`;
const TICKETS_ONLY = /* GraphQL */ `
  query AgentDeskTickets($id: ID!) {
    ticket(id: $id) {
      id
      number
      title
      status
      priority
      queueId
      createdAt
      customer {
        name
      }
    }
  }
`;

async function main() {
  // Rate limiting is the gateway's job in production; here it would only measure the limiter.
  const stack = await startTestStack({
    env: { RATE_LIMIT_PER_SECOND: '1000000', RATE_LIMIT_BURST: '1000000', LOG_LEVEL: 'warn' },
  });
  const hive = { stop: () => undefined as unknown };
  let baseline: ManagedProcess | null = null;
  try {
    const identity: Identity = {
      userId: 'bench-agent',
      roles: ['agent'],
      queueIds: ['general'],
      customerId: null,
    };
    const token = await testToken({ ...identity, customerId: undefined });
    const admin = await testToken({ userId: 'bench-admin', roles: ['admin'] });
    const ticketIds: string[] = [];
    for (let index = 0; index < 20; index++) {
      const data = await graphqlOk(
        stack.gatewayUrl,
        'mutation($input: CreateTicketInput!) { createTicket(input: $input) { id } }',
        {
          input: {
            title: `Payment fails ${index}`,
            description: 'The app shows an error when paying.',
            channel: 'APP',
            queueId: 'general',
            customer: { name: `Customer ${index}` },
          },
        },
        admin,
      );
      ticketIds.push(data.createTicket.id);
    }
    // Let the SLA clocks and knowledge suggestions catch up so every answer is complete.
    await new Promise((resolve) => setTimeout(resolve, 5_000));

    let supergraph = readFileSync(SUPERGRAPH_PATH, 'utf8');
    for (const [name, url] of Object.entries(stack.subgraphUrls)) {
      supergraph = supergraph.replace(
        new RegExp(`(@join__graph\\(name: "${name}", url: ")[^"]+`),
        `$1${url}`,
      );
    }
    const child = fork(join(__dirname, 'reference', 'hive-gateway-server.js'), {
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    hive.stop = () => child.kill('SIGTERM');
    child.send({ supergraph });
    const hiveUrl = await new Promise<string>((resolve, reject) => {
      child.once('message', (message: { url: string }) => resolve(message.url));
      child.once('exit', (code) => reject(new Error(`hive gateway exited with ${code}`)));
    });

    let baselineUrl: string | null = null;
    if (values['baseline-gateway']) {
      const port = await freePort();
      const options = stack.processes.gateway.options;
      baseline = new ManagedProcess({
        ...options,
        name: 'baseline gateway',
        script: resolve(values['baseline-gateway']),
        env: { ...options.env, PORT: String(port), SUPERGRAPH_PATH },
        readyUrl: `http://127.0.0.1:${port}/health/ready`,
        logFile: undefined,
      });
      await baseline.start();
      baselineUrl = `http://127.0.0.1:${port}/graphql`;
    }

    let next = 0;
    const body = (query: string) => () =>
      JSON.stringify({ query, variables: { id: ticketIds[next++ % ticketIds.length] } });
    const bearer = { authorization: `Bearer ${token}` };
    // Signed identities expire after a minute, so each request signs afresh.
    const signed = () => signIdentityHeaders(identity, TEST_SHARED_SECRET);
    const gatewayPid = stack.processes.gateway.pid;
    // The third element is the gateway process whose CPU time per request is reported.
    const targets: [string, () => Promise<{ ok: boolean }>, number?][] = [
      [
        'deskgraph gateway, 3 subgraphs',
        () => postGraphQL(stack.gatewayUrl, body(AGENT_DESK)(), bearer),
        gatewayPid,
      ],
      ...(baselineUrl
        ? [
            [
              'baseline gateway build, 3 subgraphs',
              () => postGraphQL(baselineUrl, body(AGENT_DESK)(), bearer),
              baseline!.pid,
            ] as [string, () => Promise<{ ok: boolean }>, number?],
          ]
        : []),
      ['@graphql-hive/gateway, 3 subgraphs', () => postGraphQL(hiveUrl, body(AGENT_DESK)(), signed())],
      [
        'deskgraph gateway, tickets fields only',
        () => postGraphQL(stack.gatewayUrl, body(TICKETS_ONLY)(), bearer),
        gatewayPid,
      ],
      [
        'tickets subgraph directly, same fields',
        () => postGraphQL(stack.subgraphUrls.tickets, body(TICKETS_ONLY)(), signed()),
      ],
    ];
    // The subgraphs (and each gateway) take tens of seconds of load to warm up; whichever target
    // ran first used to be measured against cold subgraphs. Two passes over all of them first.
    for (let pass = 0; pass < 2; pass++) {
      for (const [, send] of targets) await runLoad(send, { concurrency, seconds: warmupSeconds });
    }
    const results = new Map<string, LoadResult>();
    for (const [label, send, pid] of targets) {
      await runLoad(send, { concurrency, seconds: Math.min(3, seconds) });
      const cpuBefore = cpuSeconds(pid);
      const result = await runLoad(send, { concurrency, seconds });
      const cpuAfter = cpuSeconds(pid);
      results.set(label, result);
      const cpu =
        cpuBefore !== null && cpuAfter !== null
          ? `  gateway CPU ${(((cpuAfter - cpuBefore) * 1000) / result.requests).toFixed(2)} ms/request`
          : '';
      process.stdout.write(`${formatLoad(label, result)}${cpu}\n`);
    }
    const ours = results.get('deskgraph gateway, 3 subgraphs')!;
    const reference = results.get('@graphql-hive/gateway, 3 subgraphs')!;
    const viaGateway = results.get('deskgraph gateway, tickets fields only')!;
    const direct = results.get('tickets subgraph directly, same fields')!;
    const before = results.get('baseline gateway build, 3 subgraphs');
    process.stdout.write(
      `\nthroughput deskgraph / hive: ${(ours.perSecond / reference.perSecond).toFixed(2)}x; p50 ${(ours.p50 / reference.p50).toFixed(2)}x, p99 ${(ours.p99 / reference.p99).toFixed(2)}x (latency ratios: lower is better for deskgraph)\n` +
        (before
          ? `deskgraph / baseline build: throughput ${(ours.perSecond / before.perSecond).toFixed(2)}x; p50 ${(ours.p50 / before.p50).toFixed(2)}x, p99 ${(ours.p99 / before.p99).toFixed(2)}x\n`
          : '') +
        `gateway overhead vs tickets directly: p50 +${(viaGateway.p50 - direct.p50).toFixed(1)} ms, p99 +${(viaGateway.p99 - direct.p99).toFixed(1)} ms, throughput ${(viaGateway.perSecond / direct.perSecond).toFixed(2)}x\n` +
        `${concurrency} concurrent clients, ${seconds}s per target after a warm-up, load generator, gateways and subgraphs on one machine; load average ${loadavg()
          .map((value) => value.toFixed(2))
          .join(' ')}\n`,
    );
  } finally {
    hive.stop();
    await baseline?.close();
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
