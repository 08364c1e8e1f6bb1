import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { ANONYMOUS, currentCorrelationId, signIdentityHeaders, type Identity } from '@deskgraph/platform';
import { createSubgraphFetch } from './subgraph-fetch';

export interface GatewayContext {
  identity: Identity;
  correlationId?: string;
}

/** Signs the caller's identity into every subgraph request; subgraphs refuse unsigned ones. */
export class IdentityForwardingDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  constructor(
    url: string,
    private readonly sharedSecret: string,
  ) {
    // node:http with pooled keep-alive connections per subgraph (see subgraph-fetch.ts).
    super({ url, fetcher: createSubgraphFetch() as never });
  }

  override willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): void {
    const identity = (context as Partial<GatewayContext>)?.identity ?? ANONYMOUS;
    for (const [name, value] of Object.entries(signIdentityHeaders(identity, this.sharedSecret))) {
      request.http?.headers.set(name, value);
    }
    const correlationId = (context as Partial<GatewayContext>)?.correlationId ?? currentCorrelationId();
    if (correlationId) request.http?.headers.set('x-correlation-id', correlationId);
  }
}
