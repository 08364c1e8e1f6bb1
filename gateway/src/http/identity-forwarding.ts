import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { ANONYMOUS, currentCorrelationId, signIdentityHeaders, type Identity } from '@deskgraph/platform';
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

/** Signs the caller's identity into every subgraph request; subgraphs refuse unsigned ones. */
export class IdentityForwardingDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  constructor(
    url: string,
    private readonly signer: IdentitySigner,
  ) {
    // node:http with pooled keep-alive connections per subgraph (see subgraph-fetch.ts).
    super({ url, fetcher: createSubgraphFetch() as never });
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
