import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { GraphQLError } from 'graphql';
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
   * body that `RemoteGraphQLDataSource` attaches to them.
   */
  override didEncounterError(error: Error): void {
    const { name, logger } = this.subgraph;
    const status =
      error instanceof GraphQLError ? (error.extensions.response as { status?: number })?.status : undefined;
    if (!(error instanceof GraphQLError) || (status !== undefined && UNAVAILABLE_STATUSES.has(status))) {
      logger.warn({ err: error, subgraph: name, status }, 'subgraph unavailable');
      throw serviceUnavailable(name, 'SUBGRAPH_UNREACHABLE');
    }
    logger.error({ err: error, subgraph: name, status }, 'subgraph refused the request');
    throw new GraphQLError(`The ${name} service refused the request (HTTP ${status ?? 'error'}).`, {
      extensions: { code: error.extensions.code ?? 'INTERNAL_SERVER_ERROR', service: name },
    });
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
