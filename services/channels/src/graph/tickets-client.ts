import { createHash } from 'node:crypto';
import { Agent as HttpAgent, request as httpRequest, type ClientRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { signIdentityHeaders, type Identity } from '@deskgraph/platform';

/**
 * The identity channels acts with when it is nobody's customer: an admin
 * (it sees every queue) whose user id names the service on every timeline
 * entry it writes.
 */
export const CHANNELS_SERVICE_IDENTITY: Identity = {
  userId: 'service:channels',
  roles: ['admin'],
  queueIds: [],
  customerId: null,
};

/** A customer writing by mail acts as themselves: they see and touch their own tickets only. */
export function customerIdentity(customerId: string): Identity {
  return { userId: customerId, roles: ['customer'], queueIds: [], customerId };
}

/** A stable customer number for a sender no one registered: `EM-` and 20 hex digits of the address's hash. */
export function customerIdForAddress(address: string): string {
  return `EM-${createHash('sha256').update(address.trim().toLowerCase()).digest('hex').slice(0, 20)}`;
}

export interface GraphErrorShape {
  message: string;
  extensions?: { code?: string; reason?: string };
}

/** The tickets subgraph answered with errors. `retryable` when trying again later may work. */
export class TicketsGraphError extends Error {
  constructor(
    readonly errors: GraphErrorShape[],
    readonly retryable: boolean,
  ) {
    super(errors.map((error) => `${error.extensions?.code ?? 'ERROR'}: ${error.message}`).join('; '));
    this.name = 'TicketsGraphError';
  }

  get code(): string | undefined {
    return this.errors[0]?.extensions?.code;
  }
}

const RETRYABLE_CODES = new Set(['SERVICE_UNAVAILABLE', 'INTERNAL_SERVER_ERROR', 'RATE_LIMITED']);

interface RawAnswer {
  status: number;
  body: string;
}

function parseAnswer<T>(text: string): { data?: T; errors?: GraphErrorShape[] } | null {
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed && typeof parsed === 'object' ? (parsed as { data?: T; errors?: GraphErrorShape[] }) : null;
  } catch {
    return null;
  }
}

/** A pooled connection the server closed as it was reused: the request never reached it. */
function resetOnReuse(error: unknown, request: ClientRequest, answered: boolean): boolean {
  return !answered && request.reusedSocket && (error as NodeJS.ErrnoException).code === 'ECONNRESET';
}

/**
 * Calls the tickets subgraph the way the gateway does: identity headers
 * signed with the shared secret. Channels never writes tickets' tables; every
 * change goes through tickets' own mutations and rules.
 *
 * Over `node:http` with keep-alive connections rather than `fetch`: every
 * mail is one call, and fetch's web streams cost about three times the CPU
 * of a plain request for these small JSON answers. Idle pooled connections
 * do not keep the process alive.
 */
export class TicketsClient {
  private readonly target: URL;
  private readonly agent: HttpAgent;

  constructor(
    url: string,
    private readonly sharedSecret: string,
    private readonly timeoutMs = 15_000,
  ) {
    this.target = new URL(url);
    this.agent =
      this.target.protocol === 'https:'
        ? new HttpsAgent({ keepAlive: true })
        : new HttpAgent({ keepAlive: true });
  }

  async request<T>(
    identity: Identity,
    query: string,
    variables: Record<string, unknown>,
    idempotencyKey?: string,
  ): Promise<T> {
    const payload = JSON.stringify({ query, variables });
    const headers: Record<string, string | number> = {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(payload),
      ...signIdentityHeaders(identity, this.sharedSecret),
      ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}),
    };
    // Sent again after a reset only when doing it twice is harmless: a query, or a mutation with its key.
    const repeatable = Boolean(idempotencyKey) || !/^\s*mutation\b/.test(query);
    let answer: RawAnswer;
    try {
      answer = await this.send(headers, payload, repeatable);
    } catch (error) {
      throw new TicketsGraphError(
        [
          {
            message: `tickets unreachable: ${(error as Error).message}`,
            extensions: { code: 'SERVICE_UNAVAILABLE' },
          },
        ],
        true,
      );
    }
    const body = parseAnswer<T>(answer.body);
    if (!body || (body.errors && body.errors.length > 0) || !body.data) {
      const errors = body?.errors ?? [
        { message: `tickets answered HTTP ${answer.status}`, extensions: { code: 'SERVICE_UNAVAILABLE' } },
      ];
      const retryable =
        answer.status >= 500 || errors.some((error) => RETRYABLE_CODES.has(error.extensions?.code ?? ''));
      throw new TicketsGraphError(errors, retryable);
    }
    return body.data;
  }

  /** One POST, bounded by the timeout from connect to the last byte of the answer. */
  private send(
    headers: Record<string, string | number>,
    payload: string,
    repeatable: boolean,
  ): Promise<RawAnswer> {
    const started = Date.now();
    const attempt = (retry: boolean): Promise<RawAnswer> =>
      new Promise<RawAnswer>((resolve, reject) => {
        let answered = false;
        const request = (this.target.protocol === 'https:' ? httpsRequest : httpRequest)(this.target, {
          method: 'POST',
          agent: this.agent,
          headers,
        });
        const timer = setTimeout(
          () => request.destroy(new Error(`no answer within ${this.timeoutMs} ms`)),
          Math.max(1, this.timeoutMs - (Date.now() - started)),
        );
        const fail = (error: Error) => {
          clearTimeout(timer);
          if (retry && resetOnReuse(error, request, answered)) resolve(attempt(false));
          else reject(error);
        };
        request.on('error', fail);
        request.on('response', (response) => {
          answered = true;
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('error', fail);
          response.on('end', () => {
            clearTimeout(timer);
            resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
          });
        });
        request.end(payload);
      });
    return attempt(repeatable);
  }
}

export interface TicketForMail {
  id: string;
  number: string;
  title: string;
  status: string;
  channel: string;
  customer: { id: string; name: string; contact: string | null; preferredChannel: string | null };
}

export const TICKET_FOR_MAIL = `
  query ChannelsTicket($id: ID!) {
    ticket(id: $id) {
      id number title status channel
      customer { id name contact preferredChannel }
    }
  }`;

export const CREATE_TICKET = `
  mutation ChannelsCreateTicket($input: CreateTicketInput!) {
    createTicket(input: $input) { id number }
  }`;

export const REPLY_TO_TICKET = `
  mutation ChannelsReply($input: ReplyInput!) {
    replyToTicket(input: $input) { message { id } ticket { id number status } }
  }`;

export const CONFIRM_RESOLUTION = `
  mutation ChannelsConfirm($input: ConfirmResolutionInput!) {
    confirmResolution(input: $input) { id number status satisfaction }
  }`;
