import { createGraphiQLFetcher, type Fetcher } from '@graphiql/toolkit';
import { GraphiQL } from 'graphiql';
import { createClient } from 'graphql-ws';
import { createRoot } from 'react-dom/client';
import 'graphiql/style.css';

// Queries and mutations go over HTTP POST with the headers editor's headers;
// subscriptions go over graphql-ws on the same path, where the gateway reads
// the token from connectionParams at connection_init (headers cannot be set
// on a browser WebSocket). One socket per Authorization value: changing the
// token in the headers editor opens a new, re-authenticated connection.
const url = `${window.location.origin}${window.location.pathname}`;
const wsUrl = url.replace(/^http/, 'ws');

let current: { authorization: string; fetcher: Fetcher; dispose(): void } | undefined;

function fetcherFor(authorization: string): Fetcher {
  if (current?.authorization !== authorization) {
    current?.dispose();
    const wsClient = createClient({
      url: wsUrl,
      connectionParams: authorization ? { authorization } : {},
      lazy: true,
    });
    current = {
      authorization,
      fetcher: createGraphiQLFetcher({ url, wsClient }),
      dispose: () => void wsClient.dispose(),
    };
  }
  return current.fetcher;
}

function authorizationOf(headers: Record<string, unknown> | undefined): string {
  const entry = Object.entries(headers ?? {}).find(([name]) => name.toLowerCase() === 'authorization');
  return typeof entry?.[1] === 'string' ? entry[1] : '';
}

const fetcher: Fetcher = (params, options) => fetcherFor(authorizationOf(options?.headers))(params, options);

const DEFAULT_HEADERS = `{
  "Authorization": "Bearer <paste a token from: npm run token -- --role supervisor --queues general>"
}`;

const DEFAULT_QUERY = `# deskgraph: one graph over tickets, SLA, knowledge and analytics.
# Put your token in the Headers tab below; subscriptions use it too.

query OpenTickets {
  tickets(first: 5) {
    totalCount
    edges {
      node {
        number
        title
        status
        sla { firstResponseDueAt }
        suggestedArticles(first: 1) { article { title } }
      }
    }
  }
}

# subscription Queue {
#   queueUpdates(queueIds: ["general"]) { kind at ticketId ticket { title } }
# }
`;

createRoot(document.getElementById('graphiql')!).render(
  <GraphiQL
    fetcher={fetcher}
    defaultQuery={DEFAULT_QUERY}
    defaultHeaders={DEFAULT_HEADERS}
    defaultEditorToolsVisibility="headers"
    shouldPersistHeaders
  />,
);
