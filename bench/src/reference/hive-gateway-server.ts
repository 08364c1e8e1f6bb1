import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGatewayRuntime } from '@graphql-hive/gateway';
import { IDENTITY_HEADER, IDENTITY_SIGNATURE_HEADER } from '@deskgraph/platform';

// The reference gateway for bench/src/query-throughput.ts: @graphql-hive/gateway
// on the same supergraph and subgraphs, in its own process like ours. It does
// no JWT check: the load generator sends the signed identity headers and this
// gateway only propagates them, so it does less work per request than ours.

// The parent sends the supergraph (with this run's subgraph URLs) over IPC.
process.once('message', (message: { supergraph: string }) => {
  const runtime = createGatewayRuntime({
    supergraph: message.supergraph,
    graphiql: false,
    landingPage: false,
    logging: false,
    propagateHeaders: {
      fromClientToSubgraphs: ({ request }) => ({
        [IDENTITY_HEADER]: request.headers.get(IDENTITY_HEADER),
        [IDENTITY_SIGNATURE_HEADER]: request.headers.get(IDENTITY_SIGNATURE_HEADER),
      }),
    },
  });
  const server = createServer(runtime);
  server.listen(0, '127.0.0.1', () => {
    const { port } = server.address() as AddressInfo;
    process.send?.({ url: `http://127.0.0.1:${port}/graphql` });
  });
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
});
