import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { graphqlOk, startTestStack, TEST_SHARED_SECRET, testToken } from '@deskgraph/infra';
import { signIdentityHeaders, type Identity } from '@deskgraph/platform';
import { SUPERGRAPH_PATH } from '@deskgraph/gateway';
import { formatLoad, postGraphQL, runLoad, type LoadResult } from './load';

// Query throughput and latency of a typical agent-desk query spanning three
// subgraphs (tickets, sla, knowledge): through the deskgraph gateway and,
// in the same run on the same subgraphs and supergraph, through
// @graphql-hive/gateway; plus the gateway's overhead against calling the
// owning subgraph directly. Prints figures; asserts nothing.
//   node bench/dist/src/query-throughput.js [--seconds 10] [--concurrency 16]
const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '10' }, concurrency: { type: 'string', default: '16' } },
});
const seconds = Number(values.seconds);
const concurrency = Number(values.concurrency);

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

    let next = 0;
    const body = (query: string) => () =>
      JSON.stringify({ query, variables: { id: ticketIds[next++ % ticketIds.length] } });
    const bearer = { authorization: `Bearer ${token}` };
    // Signed identities expire after a minute, so each request signs afresh.
    const signed = () => signIdentityHeaders(identity, TEST_SHARED_SECRET);
    const targets: [string, () => Promise<{ ok: boolean }>][] = [
      ['deskgraph gateway, 3 subgraphs', () => postGraphQL(stack.gatewayUrl, body(AGENT_DESK)(), bearer)],
      ['@graphql-hive/gateway, 3 subgraphs', () => postGraphQL(hiveUrl, body(AGENT_DESK)(), signed())],
      [
        'deskgraph gateway, tickets fields only',
        () => postGraphQL(stack.gatewayUrl, body(TICKETS_ONLY)(), bearer),
      ],
      [
        'tickets subgraph directly, same fields',
        () => postGraphQL(stack.subgraphUrls.tickets, body(TICKETS_ONLY)(), signed()),
      ],
    ];
    const results = new Map<string, LoadResult>();
    for (const [label, send] of targets) {
      await runLoad(send, { concurrency, seconds: Math.min(3, seconds) });
      const result = await runLoad(send, { concurrency, seconds });
      results.set(label, result);
      process.stdout.write(`${formatLoad(label, result)}\n`);
    }
    const ours = results.get(targets[0][0])!;
    const reference = results.get(targets[1][0])!;
    const viaGateway = results.get(targets[2][0])!;
    const direct = results.get(targets[3][0])!;
    process.stdout.write(
      `\nthroughput deskgraph / hive: ${(ours.perSecond / reference.perSecond).toFixed(2)}x; p50 ${(ours.p50 / reference.p50).toFixed(2)}x, p99 ${(ours.p99 / reference.p99).toFixed(2)}x (latency ratios: lower is better for deskgraph)\n` +
        `gateway overhead vs tickets directly: p50 +${(viaGateway.p50 - direct.p50).toFixed(1)} ms, p99 +${(viaGateway.p99 - direct.p99).toFixed(1)} ms, throughput ${(viaGateway.perSecond / direct.perSecond).toFixed(2)}x\n` +
        `${concurrency} concurrent clients, ${seconds}s per target after a warm-up, load generator, gateways and subgraphs on one machine\n`,
    );
  } finally {
    hive.stop();
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
