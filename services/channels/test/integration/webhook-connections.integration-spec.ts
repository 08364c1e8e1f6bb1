import type { LookupAddress, lookup as dnsLookup } from 'node:dns';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ForbiddenAddressError, parseAllowedNetworks } from '../../src/webhook/ssrf';
import { createWebhookAgents, postWebhook, type WebhookAgents } from '../../src/webhook/webhook-http';

// Pooled webhook connections on real HTTP servers: connections are reused,
// and a pooled connection never takes a request past the request-forgery
// guard. The receiver answers on 127.0.0.1 and 127.0.0.2 (both loopback);
// only 127.0.0.1/32 is allowed, and a test resolver decides where names go.

interface Seen {
  localAddress: string;
  host: string;
}

let servers: Server[] = [];
let port = 0;
const seen: Seen[] = [];
const connections: string[] = [];
const names: Record<string, string> = {};
const requestsOn = new WeakMap<object, number>();
let agents: WebhookAgents;
const allowed = parseAllowedNetworks(['127.0.0.1/32']);

const resolve = ((hostname: string, _options: unknown, callback: (...args: unknown[]) => void) => {
  const address = names[hostname];
  if (!address) return callback(Object.assign(new Error(`no ${hostname}`), { code: 'ENOTFOUND' }), []);
  callback(null, [{ address, family: 4 } satisfies LookupAddress]);
}) as unknown as typeof dnsLookup;

function listen(host: string, onPort: number): Promise<Server> {
  const server = createServer((request, response) => {
    const served = (requestsOn.get(request.socket) ?? 0) + 1;
    requestsOn.set(request.socket, served);
    // A receiver that drops connections: /drop-reused a kept-alive one (a request after its first), /drop-all any.
    if ((request.url?.startsWith('/drop-reused') && served > 1) || request.url?.startsWith('/drop-all')) {
      request.socket.destroy();
      return;
    }
    seen.push({ localAddress: request.socket.localAddress ?? '', host: String(request.headers.host) });
    request.resume();
    request.on('end', () => response.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
  });
  server.on('connection', (socket) => connections.push(socket.localAddress ?? ''));
  return new Promise((done) => server.listen(onPort, host, () => done(server)));
}

const post = (url: string, pooled = true) =>
  postWebhook(
    url,
    '{}',
    {},
    { timeoutMs: 2000, maxResponseBytes: 1024, allowed, ...(pooled ? { agents } : {}) },
  );

beforeEach(async () => {
  const first = await listen('127.0.0.1', 0);
  port = (first.address() as AddressInfo).port;
  servers = [first, await listen('127.0.0.2', port)];
  seen.length = 0;
  connections.length = 0;
  agents = createWebhookAgents({ allowed, maxSocketsPerOrigin: 4, resolve });
});

afterEach(async () => {
  agents.http.destroy();
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise((done) => server.close(done));
  }
});

it('should send many deliveries to one origin over one kept-alive connection', async () => {
  names['hooks.test'] = '127.0.0.1';
  for (let index = 0; index < 20; index++) {
    expect((await post(`http://hooks.test:${port}/hook/${index}`)).status).toBe(200);
  }
  expect(seen).toHaveLength(20);
  expect(connections).toEqual(['127.0.0.1']);
});

it('should keep using only the checked address when the name is rebound, and refuse the new address once the pooled connection is gone', async () => {
  names['hooks.test'] = '127.0.0.1';
  await post(`http://hooks.test:${port}/before`);
  // DNS rebinding: the same name now points at a forbidden address.
  names['hooks.test'] = '127.0.0.2';
  expect((await post(`http://hooks.test:${port}/pooled`)).status).toBe(200);
  expect(seen.map((entry) => entry.localAddress)).toEqual(['127.0.0.1', '127.0.0.1']);

  // The receiver drops idle connections: the next delivery must connect again, through the guard.
  for (const server of servers) server.closeIdleConnections();
  await new Promise((done) => setTimeout(done, 100));
  await expect(post(`http://hooks.test:${port}/after`)).rejects.toBeInstanceOf(ForbiddenAddressError);
  expect(seen).toHaveLength(2);
  expect(connections).toEqual(['127.0.0.1']);
});

it('should never lend one name’s pooled connection to another name on the same port', async () => {
  names['hooks.test'] = '127.0.0.1';
  names['evil.test'] = '127.0.0.2';
  await post(`http://hooks.test:${port}/warm`);
  await expect(post(`http://evil.test:${port}/steal`)).rejects.toBeInstanceOf(ForbiddenAddressError);
  expect(seen.map((entry) => entry.host)).toEqual([`hooks.test:${port}`]);
  expect(connections).toEqual(['127.0.0.1']);
});

it('should refuse a forbidden IP literal even while an allowed connection to the same port is pooled', async () => {
  names['hooks.test'] = '127.0.0.1';
  await post(`http://hooks.test:${port}/warm`);
  await expect(post(`http://127.0.0.2:${port}/literal`)).rejects.toBeInstanceOf(ForbiddenAddressError);
  expect(connections).toEqual(['127.0.0.1']);
});

it('should send a delivery again, once, on a new connection when the kept-alive connection it went out on is reset', async () => {
  names['hooks.test'] = '127.0.0.1';
  expect((await post(`http://hooks.test:${port}/drop-reused/1`)).status).toBe(200);
  // The receiver resets the pooled connection on this request: it goes out again on a new one.
  expect((await post(`http://hooks.test:${port}/drop-reused/2`)).status).toBe(200);
  expect(seen.map((entry) => entry.host)).toEqual([`hooks.test:${port}`, `hooks.test:${port}`]);
  expect(connections).toEqual(['127.0.0.1', '127.0.0.1']);
});

it('should not send again when a new connection is reset: the receiver may have taken the request', async () => {
  names['hooks.test'] = '127.0.0.1';
  await expect(post(`http://hooks.test:${port}/drop-all`)).rejects.toMatchObject({ code: 'ECONNRESET' });
  expect(connections).toEqual(['127.0.0.1']);
});
