import { readFileSync } from 'node:fs';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';

// Serves the live-queue example (web-queue/) the way a frontend dev server
// does: the page and its esbuild bundle, plus /graphql (HTTP and WebSocket)
// proxied to the gateway, so the browser talks to one origin and needs no CORS.

const { values } = parseArgs({
  options: {
    gateway: { type: 'string', default: 'http://127.0.0.1:4000/graphql' },
    port: { type: 'string', default: '8080' },
    host: { type: 'string', default: '127.0.0.1' },
  },
});
const gateway = new URL(values.gateway!); // http only: this is a development server
const gatewayPort = Number(gateway.port || 80);
const pageDir = resolve(__dirname, '..', '..', 'web-queue');

async function main(): Promise<void> {
  const bundle = await build({
    entryPoints: [join(pageDir, 'src', 'live-queue.ts')],
    bundle: true,
    minify: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2020',
    write: false,
    outfile: 'live-queue.js',
    logLevel: 'warning',
  });
  const files: Record<string, { type: string; body: Uint8Array | string }> = {
    '/': { type: 'text/html; charset=utf-8', body: readFileSync(join(pageDir, 'index.html'), 'utf8') },
    '/live-queue.js': { type: 'text/javascript; charset=utf-8', body: bundle.outputFiles[0].contents },
  };

  const server = createServer((req, res) => {
    if (req.url?.startsWith('/graphql')) {
      const upstream = httpRequest(
        {
          host: gateway.hostname,
          port: gatewayPort,
          path: gateway.pathname,
          method: req.method,
          headers: { ...req.headers, host: gateway.host },
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.on('error', (error) => res.writeHead(502).end(`gateway unreachable: ${error.message}`));
      req.pipe(upstream);
      return;
    }
    const file = files[req.url?.split('?')[0] ?? '/'];
    if (!file) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': file.type }).end(file.body);
  });

  // WebSocket upgrades are passed through byte for byte.
  server.on('upgrade', (req, socket, head) => {
    if (!req.url?.startsWith('/graphql')) {
      socket.destroy();
      return;
    }
    const upstream = connect(gatewayPort, gateway.hostname, () => {
      const headers = Object.entries({ ...req.headers, host: gateway.host })
        .map(([name, value]) => `${name}: ${Array.isArray(value) ? value.join(', ') : value}`)
        .join('\r\n');
      upstream.write(`GET ${gateway.pathname} HTTP/1.1\r\n${headers}\r\n\r\n`);
      upstream.write(head);
      upstream.pipe(socket).pipe(upstream);
    });
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
  });

  await new Promise<void>((done) => server.listen(Number(values.port), values.host, done));
  const { port } = server.address() as AddressInfo;
  console.log(`live queue example at http://${values.host}:${port}/ (proxying /graphql to ${gateway.href})`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
