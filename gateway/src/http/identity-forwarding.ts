import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import {
  ANONYMOUS,
  currentCorrelationId,
  serviceUnavailable,
  signIdentityHeaders,
  type Identity,
  type Logger,
} from '@deskgraph/platform';
import { createSubgraphFetch } from './subgraph-fetch';

export interface GatewayContext {
  identity: Identity;
  correlationId?: string;
  /** The client's `Idempotency-Key` header, passed on so a retried mutation is not applied twice. */
  idempotencyKey?: string;
}

interface SignedHeaders {
  headers: [string, string][];
  signedAt: number;
}

/**
 * Signs identities for subgraph requests, reusing a signature for the same
 * identity object for at most `reuseMs`. An operation fans out to several
 * subgraphs and verified identities are shared per token, so most fetches
 * would otherwise sign the same identity again within the same millisecond.
 * A reused header pair still expires IDENTITY_TTL_SECONDS after it was
 * signed, so its remaining life at send time is at most `reuseMs` shorter.
 */
export class IdentitySigner {
  private readonly signed = new WeakMap<Identity, SignedHeaders>();

  constructor(
    private readonly sharedSecret: string,
    private readonly reuseMs = 1_000,
    private readonly now: () => number = Date.now,
  ) {}

  headersFor(identity: Identity): [string, string][] {
    const now = this.now();
    const cached = this.signed.get(identity);
    if (cached && now - cached.signedAt < this.reuseMs && now >= cached.signedAt) return cached.headers;
    const headers = Object.entries(signIdentityHeaders(identity, this.sharedSecret, now));
    this.signed.set(identity, { headers, signedAt: now });
    return headers;
  }
}

/**
 * A subgraph's 4xx answer carrying GraphQL errors (a variable it could not
 * coerce, a literal it found invalid): those errors are the client's to read,
 * so `process` answers with them as the subgraph's errors.
 */
type GatewayGraphQLResponse = Awaited<ReturnType<RemoteGraphQLDataSource['process']>>;

class SubgraphInputErrors extends Error {
  constructor(readonly errors: GraphQLFormattedError[]) {
    super('subgraph refused the input');
  }
}

/** The GraphQL errors of a 4xx body, or null when the body is not a GraphQL answer. */
function clientErrorsOf(status: number | undefined, body: unknown): GraphQLFormattedError[] | null {
  // 401 means the subgraph refused the gateway's signature: our fault, not the client's.
  if (status === undefined || status < 400 || status >= 500 || status === 401) return null;
  const errors = (body as { errors?: unknown } | null)?.errors;
  if (!Array.isArray(errors) || errors.length === 0) return null;
  if (!errors.every((error) => typeof (error as { message?: unknown })?.message === 'string')) return null;
  // Locations point into the subgraph's query, not the client's: drop them.
  return (errors as GraphQLFormattedError[]).map(({ locations: _locations, ...error }) => error);
}

/** HTTP statuses of a proxy or load balancer in front of a subgraph that is down. */
const UNAVAILABLE_STATUSES = new Set([502, 503, 504]);

/**
 * Signs the caller's identity into every subgraph request; subgraphs refuse
 * unsigned ones. A subgraph that cannot be reached becomes SERVICE_UNAVAILABLE
 * naming it; the other subgraphs' fields still resolve (partial data).
 */
export class IdentityForwardingDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  constructor(
    url: string,
    private readonly signer: IdentitySigner,
    private readonly subgraph: { name: string; logger: Logger },
  ) {
    // node:http with pooled keep-alive connections per subgraph (see subgraph-fetch.ts).
    super({ url, fetcher: createSubgraphFetch() as never });
  }

  /**
   * Refused, reset or timed-out connections and 502/503/504 answers say
   * "retry later", without the host, port or socket message, which go to the
   * log only. Other refusals keep their code but lose the subgraph's URL and
   * body that `RemoteGraphQLDataSource` attaches to them. A 4xx answer with
   * GraphQL errors (e.g. BAD_USER_INPUT for a malformed DateTime) reaches the
   * client as those errors, with the subgraph's name in `serviceName`.
   */
  override didEncounterError(error: Error): void {
    const { name, logger } = this.subgraph;
    const response =
      error instanceof GraphQLError
        ? (error.extensions.response as { status?: number; body?: unknown } | undefined)
        : undefined;
    const status = response?.status;
    const forwarded = clientErrorsOf(status, response?.body);
    if (forwarded) {
      logger.info({ subgraph: name, status, errors: forwarded }, 'subgraph refused the input');
      throw new SubgraphInputErrors(forwarded);
    }
    if (!(error instanceof GraphQLError) || (status !== undefined && UNAVAILABLE_STATUSES.has(status))) {
      logger.warn({ err: error, subgraph: name, status }, 'subgraph unavailable');
      throw serviceUnavailable(name, 'SUBGRAPH_UNREACHABLE');
    }
    logger.error({ err: error, subgraph: name, status }, 'subgraph refused the request');
    throw new GraphQLError(`The ${name} service refused the request (HTTP ${status ?? 'error'}).`, {
      extensions: { code: error.extensions.code ?? 'INTERNAL_SERVER_ERROR', service: name },
    });
  }

  override async process(
    options: GraphQLDataSourceProcessOptions<GatewayContext>,
  ): Promise<GatewayGraphQLResponse> {
    try {
      return await super.process(options);
    } catch (error) {
      // The gateway adds serviceName and the client's path to errors a subgraph answers with.
      if (error instanceof SubgraphInputErrors) return { errors: error.errors };
      throw error;
    }
  }

  override willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): void {
    const identity = (context as Partial<GatewayContext>)?.identity ?? ANONYMOUS;
    for (const [name, value] of this.signer.headersFor(identity)) {
      request.http?.headers.set(name, value);
    }
    const correlationId = (context as Partial<GatewayContext>)?.correlationId ?? currentCorrelationId();
    if (correlationId) request.http?.headers.set('x-correlation-id', correlationId);
    const idempotencyKey = (context as Partial<GatewayContext>)?.idempotencyKey;
    if (idempotencyKey) request.http?.headers.set('idempotency-key', idempotencyKey);
  }
}
