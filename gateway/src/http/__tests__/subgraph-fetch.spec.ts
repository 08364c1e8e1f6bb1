import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSubgraphFetch } from '../subgraph-fetch';

describe('createSubgraphFetch', () => {
  let server: Server;
  let url: string;
  const seen: { method?: string; headers: IncomingMessage['headers']; body: string; port: number }[] = [];

  beforeAll(async () => {
    server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        seen.push({
          method: request.method,
          headers: request.headers,
          body: Buffer.concat(chunks).toString('utf8'),
          port: request.socket.remotePort!,
        });
        if (request.url === '/missing') {
          response.writeHead(404, 'Not Found', { 'content-type': 'text/plain' }).end('no such subgraph');
          return;
        }
        response
          .writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=5' })
          .end(JSON.stringify({ data: { echo: 'ünïcode' } }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  beforeEach(() => {
    seen.length = 0;
  });

  it('should send method, headers and body and expose status, headers and JSON when the subgraph answers', async () => {
    const fetch = createSubgraphFetch();
    const body = JSON.stringify({ query: '{ echo }', variables: { name: 'ü' } });
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-deskgraph-identity': 'signed' },
      body,
    });

    expect(response.ok).toBe(true);
    expect(response.status).toBe(200);
    expect(response.headers.get('Cache-Control')).toBe('max-age=5');
    expect(response.headers.get('x-absent')).toBeNull();
    expect(await response.json()).toEqual({ data: { echo: 'ünïcode' } });
    expect(seen[0]).toMatchObject({ method: 'POST', body });
    expect(seen[0].headers['x-deskgraph-identity']).toBe('signed');
    expect(seen[0].headers['content-length']).toBe(String(Buffer.byteLength(body)));
  });

  it('should reuse one pooled connection when requests follow each other', async () => {
    const fetch = createSubgraphFetch();
    for (let index = 0; index < 3; index++) {
      const response = await fetch(`${url}/graphql`, { method: 'POST', body: '{}' });
      await response.text();
    }

    expect(new Set(seen.map((request) => request.port)).size).toBe(1);
  });

  it('should report a non-2xx status with its text when the subgraph refuses', async () => {
    const response = await createSubgraphFetch()(`${url}/missing`, { method: 'POST', body: '{}' });

    expect(response.ok).toBe(false);
    expect(response.status).toBe(404);
    expect(response.statusText).toBe('Not Found');
    expect(await response.text()).toBe('no such subgraph');
  });

  it('should reject when nothing listens at the subgraph URL', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));

    await expect(
      createSubgraphFetch()(`http://127.0.0.1:${port}/graphql`, { method: 'POST' }),
    ).rejects.toThrow(/ECONNREFUSED/);
  });
});
