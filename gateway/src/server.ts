import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { expressMiddleware } from '@as-integrations/express5';
import express from 'express';
import {
  GraphQLError,
  OperationTypeNode,
  getOperationAST,
  parse,
  subscribe,
  type GraphQLSchema,
} from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { Counter } from 'prom-client';
import { WebSocketServer } from 'ws';
import {
  createKafka,
  createLogger,
  createMetrics,
  withCorrelationId,
  type Identity,
  type Logger,
} from '@deskgraph/platform';
import { AuthenticationError, bearerToken, TokenVerifier } from './auth/jwt';
import { SUPERGRAPH_PATH } from './compose/compose';
import type { loadEnvironment } from './environment';
import { IdentityForwardingDataSource, type GatewayContext } from './http/identity-forwarding';
import { createEventStream } from './subscriptions/event-stream';
import {
  subscriptionFieldResolver,
  SubscriptionTicketFetcher,
  type FederatedExecutor,
} from './subscriptions/federated-fetch';
import { buildSubscriptionSchema } from './subscriptions/subscription-schema';
import { UpdateHub } from './subscriptions/update-hub';

export type GatewayEnvironment = ReturnType<typeof loadEnvironment>;

export interface RunningGateway {
  url: string;
  port: number;
  logger: Logger;
  stop(): Promise<void>;
}

/** graphql-ws close codes a client can act on. */
export const CLOSE_CODES = { unauthorized: 4401, forbidden: 4403, tooManySubscriptions: 4429 } as const;

interface ConnectionState {
  identity?: Identity;
  subscriptions?: Set<string>;
  expiryTimer?: NodeJS.Timeout;
}

export async function startGateway(environment: GatewayEnvironment): Promise<RunningGateway> {
  const { runtime, http, kafka: kafkaConfig, trust, auth, gateway: gatewayConfig } = environment;
  const logger = createLogger('gateway', runtime.logLevel);
  const metrics = createMetrics('gateway');
  const fetcherMetrics = {
    fetches: new Counter({
      name: 'deskgraph_gateway_subscription_fetches_total',
      help: 'Federated fetches made to resolve subscription payloads',
      registers: [metrics.registry],
    }),
    memoHits: new Counter({
      name: 'deskgraph_gateway_subscription_memo_hits_total',
      help: 'Subscription payloads served from a fetch shared with other subscribers',
      registers: [metrics.registry],
    }),
  };
  const verifier = new TokenVerifier(auth);

  const gateway = new ApolloGateway({
    supergraphSdl: readFileSync(gatewayConfig.supergraphPath ?? SUPERGRAPH_PATH, 'utf8'),
    buildService: ({ name, url }) =>
      new IdentityForwardingDataSource(gatewayConfig.subgraphUrls[name] ?? url!, trust.sharedSecret),
  });

  const app = express();
  const httpServer = createServer(app);
  const apollo = new ApolloServer<GatewayContext>({
    gateway,
    introspection: !runtime.production,
    includeStacktraceInErrorResponses: false,
    plugins: [ApolloServerPluginDrainHttpServer({ httpServer })],
    formatError: (formatted) => {
      if (formatted.extensions?.code === 'INTERNAL_SERVER_ERROR' && runtime.production) {
        return {
          message: 'Internal server error',
          path: formatted.path,
          extensions: { code: 'INTERNAL_SERVER_ERROR' },
        };
      }
      const { stacktrace: _stacktrace, ...extensions } = formatted.extensions ?? {};
      return { ...formatted, extensions };
    },
  });

  const hub = new UpdateHub();
  const execute: FederatedExecutor = async (request, identity) => {
    const response = await apollo.executeOperation(request, { contextValue: { identity } });
    if (response.body.kind !== 'single')
      throw new Error('Incremental delivery is not used for subscription fetches');
    return response.body.singleResult as Awaited<ReturnType<FederatedExecutor>>;
  };
  const fetcher = new SubscriptionTicketFetcher(execute, fetcherMetrics);
  let subscriptionSchema: GraphQLSchema | null = null;
  gateway.onSchemaLoadOrUpdate(({ apiSchema }) => {
    subscriptionSchema = buildSubscriptionSchema(apiSchema, { hub, fetcher, execute });
  });
  await apollo.start();

  const kafka = createKafka(kafkaConfig, 'deskgraph-gateway', logger);
  const eventStream = createEventStream({ kafka, namespace: kafkaConfig.namespace, hub, logger });
  await eventStream.start();

  app.get('/health/live', (_request, response) => {
    response.json({ status: 'live', service: 'gateway' });
  });
  app.get('/health/ready', (_request, response) => {
    const checks = { schema: subscriptionSchema !== null, eventStream: eventStream.ready() };
    const ready = Object.values(checks).every(Boolean);
    response.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not_ready', checks });
  });
  app.get('/metrics', async (_request, response) => {
    response.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  app.use(
    '/graphql',
    express.json({ limit: gatewayConfig.maxRequestBytes }),
    expressMiddleware(apollo, {
      context: async ({ req }) => {
        try {
          const { identity } = await verifier.verify(bearerToken(req.header('authorization')));
          return { identity, correlationId: req.header('x-correlation-id') ?? randomUUID() };
        } catch (error) {
          if (error instanceof AuthenticationError) {
            throw new GraphQLError(error.message, {
              extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } },
            });
          }
          throw error;
        }
      },
    }),
  );

  const wsServer = new WebSocketServer({ server: httpServer, path: '/graphql' });
  const connections = new WeakMap<object, ConnectionState>();
  const stateOf = (socket: object): ConnectionState => {
    let state = connections.get(socket);
    if (!state) connections.set(socket, (state = {}));
    return state;
  };
  const originAllowed = (origin: string | undefined) =>
    auth.allowedOrigins.includes('*') || !origin || auth.allowedOrigins.includes(origin);

  const wsCleanup = useServer(
    {
      schema: () => {
        if (!subscriptionSchema) throw new Error('Schema not loaded yet');
        return subscriptionSchema;
      },
      context: (ctx) => ({ identity: stateOf(ctx.extra.socket).identity }),
      subscribe: (args) =>
        withCorrelationId(undefined, () => subscribe({ ...args, fieldResolver: subscriptionFieldResolver })),
      onConnect: async (ctx) => {
        if (!originAllowed(ctx.extra.request.headers.origin)) {
          ctx.extra.socket.close(CLOSE_CODES.forbidden, 'Origin not allowed');
          return false;
        }
        const params = ctx.connectionParams ?? {};
        const raw = (params.authorization ?? params.Authorization ?? params.token) as string | undefined;
        const token = typeof raw === 'string' ? (bearerToken(raw) ?? raw) : null;
        try {
          const { identity, expiresAt } = await verifier.verify(token);
          const state = stateOf(ctx.extra.socket);
          state.identity = identity;
          state.subscriptions = new Set();
          if (expiresAt) {
            // A socket outliving its token would keep pushing to a signed-out user.
            state.expiryTimer = setTimeout(
              () => ctx.extra.socket.close(CLOSE_CODES.unauthorized, 'Token expired'),
              Math.max(0, expiresAt - Date.now()),
            );
          }
          return true;
        } catch (error) {
          const reason =
            error instanceof AuthenticationError && error.expired ? 'Token expired' : 'Invalid token';
          ctx.extra.socket.close(CLOSE_CODES.unauthorized, reason);
          return false;
        }
      },
      onSubscribe: (ctx, id, payload) => {
        let operation;
        try {
          operation = getOperationAST(parse(payload.query), payload.operationName);
        } catch (error) {
          return [
            new GraphQLError((error as Error).message, { extensions: { code: 'GRAPHQL_PARSE_FAILED' } }),
          ];
        }
        if (operation?.operation !== OperationTypeNode.SUBSCRIPTION) {
          return [
            new GraphQLError(
              'Send queries and mutations as HTTP POST to /graphql; WebSocket is for subscriptions.',
              {
                extensions: { code: 'BAD_USER_INPUT' },
              },
            ),
          ];
        }
        const state = stateOf(ctx.extra.socket);
        state.subscriptions ??= new Set();
        if (state.subscriptions.size >= gatewayConfig.maxSubscriptionsPerConnection) {
          return [
            new GraphQLError(
              `At most ${gatewayConfig.maxSubscriptionsPerConnection} subscriptions per connection.`,
              { extensions: { code: 'RATE_LIMITED' } },
            ),
          ];
        }
        state.subscriptions.add(id);
        return undefined;
      },
      onComplete: (ctx, id) => {
        stateOf(ctx.extra.socket).subscriptions?.delete(id);
      },
      onClose: (ctx) => {
        const state = stateOf(ctx.extra.socket);
        if (state.expiryTimer) clearTimeout(state.expiryTimer);
      },
    },
    wsServer,
  );

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(http.port, http.host, () => resolve());
  });
  const { port } = httpServer.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}/graphql`;
  logger.info({ url }, 'gateway listening');

  let stopping: Promise<void> | null = null;
  return {
    url,
    port,
    logger,
    stop() {
      stopping ??= (async () => {
        await wsCleanup.dispose();
        await apollo.stop();
        await eventStream.stop();
        logger.info('gateway stopped');
      })();
      return stopping;
    },
  };
}
