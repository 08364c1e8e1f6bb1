import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

/** The part of a fetch Response that `RemoteGraphQLDataSource` reads. */
export interface SubgraphResponse {
  ok: boolean;
  status: number;
  statusText: string;
  url: string;
  headers: { get(name: string): string | null };
  text(): Promise<string>;
  json(): Promise<unknown>;
}

export interface SubgraphRequestInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
}

/**
 * Idle pooled sockets are closed after this long, or sooner when a subgraph
 * advertises a shorter `Keep-Alive: timeout`. Subgraphs keep theirs open 65 s
 * (SUBGRAPH_KEEP_ALIVE_TIMEOUT_MS, plus Node's 1 s buffer): the gateway always
 * gives up a socket first, so it never reuses one that is being closed
 * (`socket hang up`, `ECONNRESET`).
 */
export const SUBGRAPH_FREE_SOCKET_TIMEOUT_MS = 60_000;

export type SubgraphFetch = (url: string, init?: SubgraphRequestInit) => Promise<SubgraphResponse>;

function readBody(response: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    response.on('data', (chunk: Buffer) => chunks.push(chunk));
    response.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    response.once('error', reject);
  });
}

/**
 * A minimal fetch for subgraph calls over node:http with pooled keep-alive
 * connections. Measured against Node's global fetch (undici) in the gateway
 * under the agent-desk load: fetch wraps every request and response body in
 * web streams, which cost more CPU per subgraph call than the call's own
 * parsing; this writes headers and body in one go and reads the body as
 * plain buffers. The agents honour the subgraph's Keep-Alive timeout hint.
 */
export function createSubgraphFetch(): SubgraphFetch {
  const agentOptions = { keepAlive: true, timeout: SUBGRAPH_FREE_SOCKET_TIMEOUT_MS };
  const httpAgent = new HttpAgent(agentOptions);
  const httpsAgent = new HttpsAgent(agentOptions);
  return (url, init = {}) =>
    new Promise<SubgraphResponse>((resolve, reject) => {
      const target = new URL(url);
      const secure = target.protocol === 'https:';
      const body = init.body ?? '';
      const request = (secure ? httpsRequest : httpRequest)(
        target,
        {
          method: init.method ?? 'GET',
          headers: { ...init.headers, 'content-length': String(Buffer.byteLength(body)) },
          agent: secure ? httpsAgent : httpAgent,
        },
        (response) => {
          // Read right away so the connection returns to the pool even if nobody reads the body.
          const text = readBody(response);
          text.catch(() => undefined);
          const status = response.statusCode ?? 0;
          resolve({
            ok: status >= 200 && status < 300,
            status,
            statusText: response.statusMessage ?? '',
            url,
            headers: {
              get(name) {
                const value = response.headers[name.toLowerCase()];
                if (value === undefined) return null;
                return Array.isArray(value) ? value.join(', ') : String(value);
              },
            },
            text: () => text,
            json: async () => JSON.parse(await text) as unknown,
          });
        },
      );
      request.once('error', reject);
      request.end(body);
    });
}
