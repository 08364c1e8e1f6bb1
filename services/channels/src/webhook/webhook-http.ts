import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { checkLiteralHost, guardedLookup, type AllowedNetworks } from './ssrf';

export interface WebhookHttpOptions {
  timeoutMs: number;
  maxResponseBytes: number;
  allowed: AllowedNetworks;
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
 * maxResponseBytes of the answer read.
 */
export function postWebhook(
  target: string,
  body: string,
  headers: Record<string, string>,
  options: WebhookHttpOptions,
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
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const request = send(
      url,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          ...headers,
        },
        lookup: guardedLookup(options.allowed) as never,
        agent: false,
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
      options.timeoutMs,
    );
    request.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    request.end(body);
  });
}
