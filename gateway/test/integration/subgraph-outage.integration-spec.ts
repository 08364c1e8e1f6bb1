import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { createServer, connect, type Server, type Socket } from 'node:net';
import {
  eventually,
  freePort,
  startTestStack,
  TEST_JWT_SECRET,
  TEST_SHARED_SECRET,
  testToken,
  type TestStack,
} from '@deskgraph/infra';
import { parseEnvironment } from '@deskgraph/platform';
import { GATEWAY_ENVIRONMENT } from '../../src/environment';
import { SUBGRAPH_FREE_SOCKET_TIMEOUT_MS } from '../../src/http/subgraph-fetch';
import { startGateway, type RunningGateway } from '../../src/server';

// Outages as clients see them: a subgraph process killed for real, and the
// database cut off behind a TCP proxy, through the gateway in development and
// in production mode. Nothing internal (hosts, ports, socket or driver
// messages) may reach a client, and every outage says when to retry.

const CREATE_TICKET = /* GraphQL */ `
  mutation Create($input: CreateTicketInput!) {
    createTicket(input: $input) {
      id
    }
  }
`;
const input = {
  title: 'Card payment declined',
  description: 'The app declines every card.',
  channel: 'APP',
  priority: 'P2',
  queueId: 'general',
  customer: { id: 'C-2001', name: 'Han Meimei' },
};
const NO_ID = '00000000-0000-0000-0000-000000000000';
const INTERNALS =
  /127\.0\.0\.1|localhost|:\d{2,5}\b|ECONN|EPIPE|socket|hang up|terminated|other side closed/i;

interface Exchange {
  status: number;
  headers: IncomingHttpHeaders;
  body: {
    data?: Record<string, unknown> | null;
    errors?: { message: string; extensions?: Record<string, unknown> }[];
  };
}

function post(url: string, body: unknown, token?: string): Promise<Exchange> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      url,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.once('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: text.startsWith('{') ? JSON.parse(text) : { errors: [{ message: text }] },
          });
        });
      },
    );
    request.once('error', reject);
    request.end(JSON.stringify(body));
  });
}

/** A TCP proxy to PostgreSQL that a test can cut (every connection reset, new ones refused) and restore. */
async function startDatabaseProxy(target: { host: string; port: number }) {
  const port = await freePort();
  const sockets = new Set<Socket>();
  let server: Server | null = null;
  const listen = () =>
    new Promise<void>((resolve) => {
      server = createServer((client) => {
        const upstream = connect(target.port, target.host);
        for (const socket of [client, upstream]) {
          sockets.add(socket);
          socket.once('close', () => sockets.delete(socket));
          socket.on('error', () => undefined);
        }
        client.pipe(upstream).pipe(client);
      });
      server.listen(port, '127.0.0.1', () => resolve());
    });
  await listen();
  return {
    port,
    async cut() {
      const closed = new Promise<void>((resolve) => server!.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
    restore: listen,
    stop() {
      for (const socket of sockets) socket.destroy();
      server?.close();
    },
  };
}

function expectRetryableOutage(exchange: Exchange, service: string, reason: string): void {
  expect(exchange.status).toBe(200);
  expect(exchange.headers['retry-after']).toBe('5');
  const error = exchange.body.errors?.find(
    (candidate) => candidate.extensions?.code === 'SERVICE_UNAVAILABLE',
  );
  expect(error).toMatchObject({
    message: expect.stringContaining(`The ${service} service`),
    extensions: { code: 'SERVICE_UNAVAILABLE', reason, service, retryable: true, retryAfterSeconds: 5 },
  });
  expect(JSON.stringify(exchange.body.errors)).not.toMatch(INTERNALS);
}

describe('subgraph and database outages through the gateway', () => {
  let stack: TestStack;
  let production: RunningGateway;
  let token: string;

  beforeAll(async () => {
    stack = await startTestStack();
    token = await testToken({ userId: 'outage-agent', roles: ['agent'], queueIds: ['general'] });
    production = await startGateway(
      parseEnvironment(GATEWAY_ENVIRONMENT, {
        NODE_ENV: 'production',
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'fatal',
        KAFKA_BROKERS: stack.kafkaBrokers,
        KAFKA_NAMESPACE: stack.namespace,
        JWT_SECRET: TEST_JWT_SECRET,
        GATEWAY_SHARED_SECRET: TEST_SHARED_SECRET,
        SUBGRAPH_URLS: Object.entries(stack.subgraphUrls)
          .map(([name, url]) => `${name}=${url}`)
          .join(','),
      }),
    );
  }, 180_000);

  afterAll(async () => {
    await production?.stop();
    await stack?.stop();
  }, 60_000);

  it('should answer SERVICE_UNAVAILABLE naming the subgraph, with Retry-After, when a subgraph process is killed', async () => {
    await stack.processes.tickets.kill();
    try {
      for (const url of [stack.gatewayUrl, production.url]) {
        const exchange = await post(url, { query: CREATE_TICKET, variables: { input } }, token);

        expectRetryableOutage(exchange, 'tickets', 'SUBGRAPH_UNREACHABLE');
        expect(exchange.body.data).toBeNull();
      }
    } finally {
      await stack.processes.tickets.start();
    }

    const recovered = await post(stack.gatewayUrl, { query: CREATE_TICKET, variables: { input } }, token);
    expect(recovered.body.errors).toBeUndefined();
  }, 120_000);

  it("should still resolve the other subgraphs' fields as partial data when one is down", async () => {
    await stack.processes.knowledge.kill();
    try {
      const exchange = await post(
        stack.gatewayUrl,
        { query: `{ queues { id } article(id: "${NO_ID}") { id title } }` },
        token,
      );

      expectRetryableOutage(exchange, 'knowledge', 'SUBGRAPH_UNREACHABLE');
      expect(exchange.body.data).toEqual({
        queues: expect.arrayContaining([{ id: 'general' }]),
        article: null,
      });
    } finally {
      await stack.processes.knowledge.start();
    }
  }, 120_000);

  it('should answer a retryable SERVICE_UNAVAILABLE, not INTERNAL_SERVER_ERROR, while PostgreSQL is unreachable', async () => {
    const database = new URL(stack.databaseUrl);
    const proxy = await startDatabaseProxy({ host: database.hostname, port: Number(database.port || 5432) });
    const tickets = stack.processes.tickets;
    const proxied = new URL(stack.databaseUrl);
    proxied.hostname = '127.0.0.1';
    proxied.port = String(proxy.port);
    await tickets.kill();
    tickets.options.env.DATABASE_URL = proxied.toString();
    await tickets.start();
    try {
      await proxy.cut();

      for (const url of [stack.gatewayUrl, production.url]) {
        const exchange = await post(url, { query: CREATE_TICKET, variables: { input } }, token);

        expectRetryableOutage(exchange, 'tickets', 'DATABASE_UNAVAILABLE');
      }

      await proxy.restore();
      await eventually(
        async () => {
          const exchange = await post(
            stack.gatewayUrl,
            { query: CREATE_TICKET, variables: { input } },
            token,
          );
          return exchange.body.errors === undefined;
        },
        { timeoutMs: 30_000, what: 'mutations to work again once PostgreSQL is back' },
      );
    } finally {
      await tickets.kill();
      tickets.options.env.DATABASE_URL = stack.databaseUrl;
      await tickets.start();
      proxy.stop();
    }
  }, 120_000);

  it('should keep idle sockets open longer on each server than its client side does', async () => {
    const gateway = await post(stack.gatewayUrl, { query: '{ __typename }' }, token);
    // Unsigned, so refused, but the server's keep-alive header is what matters here.
    const subgraph = await post(stack.subgraphUrls.tickets, { query: '{ __typename }' });

    expect(gateway.headers['keep-alive']).toBe('timeout=75');
    expect(subgraph.headers['keep-alive']).toBe('timeout=65');
    expect(SUBGRAPH_FREE_SOCKET_TIMEOUT_MS).toBeLessThan(65_000);
  });
});
