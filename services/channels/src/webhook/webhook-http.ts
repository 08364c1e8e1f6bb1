import type { lookup as dnsLookup } from 'node:dns';
import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { checkLiteralHost, guardedLookup, type AllowedNetworks } from './ssrf';

/** Keep-alive connection pools for deliveries, one per origin inside each agent. */
export interface WebhookAgents {
  http: HttpAgent;
  https: HttpsAgent;
}

/**
 * Keep-alive agents whose every new socket goes through the request-forgery
 * guard: the guarded lookup is an agent option, so no request can open a
 * connection without it, and a pooled connection is one to an address that
 * passed the check when it was opened (the agents key sockets by host and
 * port, so a name never borrows another's). `maxSockets` bounds the
 * connections per origin.
 */
export function createWebhookAgents(options: {
  allowed: AllowedNetworks;
  maxSocketsPerOrigin: number;
  resolve?: typeof dnsLookup;
}): WebhookAgents {
  const settings = {
    keepAlive: true,
    maxSockets: options.maxSocketsPerOrigin,
    maxFreeSockets: options.maxSocketsPerOrigin,
    // The most recently used socket first: idle ones time out at the receiver instead of being kept warm.
    scheduling: 'lifo' as const,
    lookup: guardedLookup(options.allowed, options.resolve) as never,
  };
  return { http: new HttpAgent(settings), https: new HttpsAgent(settings) };
}

export interface WebhookHttpOptions {
  timeoutMs: number;
  maxResponseBytes: number;
  allowed: AllowedNetworks;
  /** Pooled connections; without them each request opens (and closes) its own, still guarded. */
  agents?: WebhookAgents;
}

export interface WebhookResponse {
  status: number;
  /** At most maxResponseBytes of the answer. */
  body: string;
  headers: IncomingHttpHeaders;
}

/**
 * POSTs a delivery: only to addresses the request-forgery guard passes, no
 * redirects followed, the whole exchange bounded by the timeout, and at most
 * maxResponseBytes of the answer read. A pooled keep-alive connection the
 * receiver closed just as it was reused (ECONNRESET before any answer) is
 * retried once, on another connection, within the same timeout: the request
 * never reached the receiver, and a delivery must not fail for it.
 */
export async function postWebhook(
  target: string,
  body: string,
  headers: Record<string, string>,
  options: WebhookHttpOptions,
): Promise<WebhookResponse> {
  const deadline = Date.now() + options.timeoutMs;
  try {
    return await postOnce(target, body, headers, options, options.timeoutMs);
  } catch (error) {
    const { code, reusedSocket } = error as { code?: string; reusedSocket?: boolean };
    const left = deadline - Date.now();
    if (code !== 'ECONNRESET' || !reusedSocket || left <= 0) throw error;
    return postOnce(target, body, headers, options, left);
  }
}

function postOnce(
  target: string,
  body: string,
  headers: Record<string, string>,
  options: WebhookHttpOptions,
  timeoutMs: number,
): Promise<WebhookResponse> {
  return new Promise((resolve, reject) => {
    let url: URL;
    try {
      url = new URL(target);
      if (url.protocol !== 'http:' && url.protocol !== 'https:')
        throw new Error(`unsupported scheme ${url.protocol}`);
      checkLiteralHost(url.hostname, options.allowed);
    } catch (error) {
      reject(error);
      return;
    }
    const secure = url.protocol === 'https:';
    const send = secure ? httpsRequest : httpRequest;
    const agent = options.agents ? (secure ? options.agents.https : options.agents.http) : false;
    const request = send(
      url,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          ...headers,
        },
        ...(agent ? { agent } : { agent: false, lookup: guardedLookup(options.allowed) as never }),
      },
      (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          if (size >= options.maxResponseBytes) return;
          const room = options.maxResponseBytes - size;
          chunks.push(chunk.subarray(0, room));
          size += Math.min(room, chunk.length);
          // Enough read: a receiver cannot make us hold an endless answer.
          if (size >= options.maxResponseBytes) response.destroy();
        });
        const done = () => {
          clearTimeout(timer);
          resolve({
            status: response.statusCode ?? 0,
            body: Buffer.concat(chunks).toString('utf8'),
            headers: response.headers,
          });
        };
        response.on('end', done);
        response.on('close', done);
        response.on('error', done);
      },
    );
    const timer = setTimeout(
      () => request.destroy(new Error(`timed out after ${options.timeoutMs} ms`)),
      timeoutMs,
    );
    request.on('error', (error) => {
      clearTimeout(timer);
      // Whether the connection came from the pool (Node's own flag), for the one retry above.
      reject(Object.assign(error, { reusedSocket: request.reusedSocket }));
    });
    request.end(body);
  });
}
