import { createHash } from 'node:crypto';
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

/**
 * Calls the tickets subgraph the way the gateway does: identity headers
 * signed with the shared secret. Channels never writes tickets' tables; every
 * change goes through tickets' own mutations and rules.
 */
export class TicketsClient {
  constructor(
    private readonly url: string,
    private readonly sharedSecret: string,
    private readonly timeoutMs = 15_000,
  ) {}

  async request<T>(
    identity: Identity,
    query: string,
    variables: Record<string, unknown>,
    idempotencyKey?: string,
  ): Promise<T> {
    let response: Response;
    try {
      response = await fetch(this.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...signIdentityHeaders(identity, this.sharedSecret),
          ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}),
        },
        body: JSON.stringify({ query, variables }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
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
    const body = (await response.json().catch(() => null)) as {
      data?: T;
      errors?: GraphErrorShape[];
    } | null;
    if (!body || (body.errors && body.errors.length > 0) || !body.data) {
      const errors = body?.errors ?? [
        { message: `tickets answered HTTP ${response.status}`, extensions: { code: 'SERVICE_UNAVAILABLE' } },
      ];
      const retryable =
        response.status >= 500 || errors.some((error) => RETRYABLE_CODES.has(error.extensions?.code ?? ''));
      throw new TicketsGraphError(errors, retryable);
    }
    return body.data;
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
