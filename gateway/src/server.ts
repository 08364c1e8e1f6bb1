import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { expressMiddleware } from '@as-integrations/express5';
import express, { type ErrorRequestHandler } from 'express';
import {
  GraphQLError,
  OperationTypeNode,
  getOperationAST,
  specifiedRules,
  type GraphQLSchema,
} from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { Counter } from 'prom-client';
import { WebSocket, WebSocketServer } from 'ws';
import {
  createKafka,
  createLogger,
  createMetrics,
  mountOperationalRoutes,
  graphqlMetricsPlugin,
  GRAPHQL_ERROR_CODES,
  startKafkaComponent,
  withCorrelationId,
  authorizationScope,
  type Identity,
  type Logger,
} from '@deskgraph/platform';
import { AuthenticationError, bearerToken, TokenVerifier } from './auth/jwt';
import { SEED_TIME_HEADER, withSeedClock } from './auth/seed-clock';
import { SUPERGRAPH_PATH } from './compose/compose';
import type { loadEnvironment } from './environment';
import {
  IdentityForwardingDataSource,
  IdentitySigner,
  type GatewayContext,
} from './http/identity-forwarding';
import { corsForOrigins, originAllowed } from './http/cors';
import { ideAssets, ideLandingPage, IDE_ASSETS_PATH } from './ide/ide-page';
import { inputChecksPlugin } from './limits/input-checks';
import { formatLimitError, queryLimitProtection, tokenLimitRefusal } from './limits/request-limits';
import { memoryRateLimiter, redisRateLimiter } from './limits/rate-limiter';
import type { FrameSink } from './subscriptions/delivery';
import { createEventStream } from './subscriptions/event-stream';
import { MetricsHub } from './subscriptions/metrics-hub';
import { createReplayReader } from './subscriptions/replay-reader';
import {
  subscriptionFieldResolver,
  SubscriptionTicketFetcher,
  type FederatedExecutor,
} from './subscriptions/federated-fetch';
import { SharedSubscriptionExecutor } from './subscriptions/shared-execution';
import { SubscriptionDocuments } from './subscriptions/subscription-documents';
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
export const CLOSE_CODES = { unauthorized: 4401, forbidden: 4403 } as const;

interface ConnectionState {
  identity?: Identity;
  subscriptions?: Set<string>;
  expiryTimer?: NodeJS.Timeout;
}

/** A subscription's context: whose it is, and where its frames go. */
interface SubscriptionContext {
  identity?: Identity;
  sink: FrameSink;
}

/** Frames straight to the socket; a closed socket drops them (graphql-ws ends its subscriptions). */
function socketSink(socket: WebSocket, id: string): FrameSink {
  return {
    id,
    send: (frame) => {
      if (socket.readyState === WebSocket.OPEN) socket.send(frame);
    },
    backlogBytes: () => socket.bufferedAmount,
  };
}

/**
 * Refusals of the body parser as GraphQL errors: 413 PAYLOAD_TOO_LARGE with
 * the limit, 400 BAD_REQUEST for malformed JSON. Never an HTML stack page.
 */
function requestBodyErrors(maxRequestBytes: number, logger: Logger): ErrorRequestHandler {
  return (error: { type?: string; status?: number }, _request, response, _next) => {
    if (error.type === 'entity.too.large') {
      response.status(413).json({
        errors: [
          {
            message: `Request body is larger than ${maxRequestBytes} bytes; send a smaller operation (persisted queries help).`,
            extensions: { code: 'PAYLOAD_TOO_LARGE', maxRequestBytes },
          },
        ],
      });
      return;
    }
    if (error.type === 'entity.parse.failed') {
      response.status(400).json({
        errors: [{ message: 'Request body is not valid JSON.', extensions: { code: 'BAD_REQUEST' } }],
      });
      return;
    }
    // Anything else is ours: logged here, never sent (no stack traces leave the server).
    logger.error({ err: error }, 'unhandled HTTP error');
    response.status(error.status && error.status < 500 ? error.status : 500).json({
      errors: [{ message: 'Request failed.', extensions: { code: 'INTERNAL_SERVER_ERROR' } }],
    });
  };
}

/**
 * Idle client sockets stay open this long (and Node's 1 s buffer): above the
 * 60 s idle timeout of common load balancers and proxies, which must close
 * first. Clients keeping idle sockets longer should honour `Keep-Alive: timeout=75`.
 */
export const GATEWAY_KEEP_ALIVE_TIMEOUT_MS = 75_000;

/** The `extensions.code` values documented for clients (README); any other is reduced in production. */
const PUBLIC_ERROR_CODES = new Set<string>([
  ...GRAPHQL_ERROR_CODES,
  'PAYLOAD_TOO_LARGE',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'OPERATION_RESOLUTION_FAILURE',
]);

/**
 * Puts `Retry-After` on a response whose errors say when a retry can work
 * (SERVICE_UNAVAILABLE from the gateway or from a subgraph), keeping the
 * longest wait; partial data still answers 200.
 */
function retryAfterHeader(): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response }) {
          if (response.body.kind !== 'single' || response.http.headers.has('retry-after')) return;
          const waits = (response.body.singleResult.errors ?? [])
            .map((error) => error.extensions?.retryAfterSeconds)
            .filter((seconds): seconds is number => typeof seconds === 'number');
          if (waits.length > 0) response.http.headers.set('retry-after', String(Math.max(...waits)));
        },
      };
    },
  };
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
  const limiterFallbacks = new Counter({
    name: 'deskgraph_gateway_rate_limit_fallbacks_total',
    help: 'Rate-limit checks this process decided alone because Redis was unavailable',
    registers: [metrics.registry],
  });
  const limiter = gatewayConfig.redis
    ? redisRateLimiter(gatewayConfig.rateLimit, {
        redisUrl: gatewayConfig.redis.url,
        keyPrefix: `${gatewayConfig.redis.keyPrefix}rate-limit`,
        logger,
        onFallback: () => limiterFallbacks.inc(),
      })
    : memoryRateLimiter(gatewayConfig.rateLimit);
  const rateLimited = async (key: string): Promise<GraphQLError | null> => {
    const taken = await limiter.take(key);
    if (taken.allowed) return null;
    return new GraphQLError(
      `Too many requests: at most ${gatewayConfig.rateLimit.perSecond}/s (bursts of ${gatewayConfig.rateLimit.burst}); retry in ${taken.retryAfterMs} ms.`,
      {
        extensions: {
          code: 'RATE_LIMITED',
          retryAfterMs: taken.retryAfterMs,
          http: {
            status: 429,
            headers: new Map([['retry-after', String(Math.ceil(taken.retryAfterMs / 1000))]]),
          },
        },
      },
    );
  };
  const protection = queryLimitProtection({
    ...gatewayConfig.limits,
    fieldSuggestions: !runtime.production,
  });

  const signer = new IdentitySigner(trust.sharedSecret);
  const gateway = new ApolloGateway({
    supergraphSdl: readFileSync(gatewayConfig.supergraphPath ?? SUPERGRAPH_PATH, 'utf8'),
    buildService: ({ name, url }) =>
      new IdentityForwardingDataSource(gatewayConfig.subgraphUrls[name] ?? url!, signer, { name, logger }),
  });

  const app = express();
  // Says nothing a client needs, and tells probes which server to attack.
  app.disable('x-powered-by');
  // No ETag on GraphQL answers: nobody revalidates a mutation or a live query, and hashing every
  // response body cost ~3 % of the gateway's CPU in the intake storm. express.static (the IDE's
  // assets) sets its own ETags.
  app.set('etag', false);
  const httpServer = createServer(app);
  // Longer than the idle timeouts of load balancers (60 s) and clients in front of us, so the client
  // side always closes an idle socket first; Node keeps it 1 s beyond the advertised value.
  httpServer.keepAliveTimeout = GATEWAY_KEEP_ALIVE_TIMEOUT_MS;
  httpServer.headersTimeout = GATEWAY_KEEP_ALIVE_TIMEOUT_MS + 1_000;
  const apollo = new ApolloServer<GatewayContext>({
    gateway,
    introspection: !runtime.production,
    includeStacktraceInErrorResponses: false,
    allowBatchedHttpRequests: false,
    validationRules: protection.validationRules,
    parseOptions: protection.parseOptions,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      retryAfterHeader(),
      inputChecksPlugin<GatewayContext>(),
      graphqlMetricsPlugin(metrics) as ApolloServerPlugin<GatewayContext>,
      ...protection.plugins,
      // GraphiQL from our own bundle (no CDN) for browsers at GET /graphql.
      ideLandingPage(environment.ide.graphiql, logger),
    ],
    formatError: (unlimited) => {
      const formatted = formatLimitError(unlimited);
      const code = formatted.extensions?.code;
      // In production only errors with a documented code keep their message: nothing internal leaks.
      if (
        runtime.production &&
        (typeof code !== 'string' || !PUBLIC_ERROR_CODES.has(code) || code === 'INTERNAL_SERVER_ERROR')
      ) {
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

  const kafka = createKafka(kafkaConfig, 'deskgraph-gateway', logger);
  const replayReader = createReplayReader({
    kafka,
    namespace: kafkaConfig.namespace,
    logger,
    maxRecords: gatewayConfig.replayMaxRecords,
  });
  const hub = new UpdateHub(replayReader, gatewayConfig.replayWindow);
  const metricsHub = new MetricsHub(gatewayConfig.metricsPushIntervalMs);
  const execute: FederatedExecutor = async (request, identity) => {
    const response = await apollo.executeOperation(request, { contextValue: { identity } });
    if (response.body.kind !== 'single')
      throw new Error('Incremental delivery is not used for subscription fetches');
    return response.body.singleResult as Awaited<ReturnType<FederatedExecutor>>;
  };
  const fetcher = new SubscriptionTicketFetcher(
    execute,
    fetcherMetrics,
    gatewayConfig.subscriptionMaxConcurrentFetches,
  );
  // Payload resolvers read only the identity's authorization scope (the fetcher's memo key).
  const sharedExecutor = new SharedSubscriptionExecutor(
    (contextValue) => {
      const identity = (contextValue as { identity?: Identity } | undefined)?.identity;
      return identity ? authorizationScope(identity) : null;
    },
    new Counter({
      name: 'deskgraph_gateway_subscription_shared_results_total',
      help: 'Subscription results (payload executions) shared with other subscribers of the same selection and scope',
      registers: [metrics.registry],
    }),
  );
  let subscriptionSchema: GraphQLSchema | null = null;
  gateway.onSchemaLoadOrUpdate(({ apiSchema }) => {
    subscriptionSchema = buildSubscriptionSchema(apiSchema, { hub, metricsHub, fetcher, execute });
  });
  await apollo.start();

  const eventStream = createEventStream({ kafka, namespace: kafkaConfig.namespace, hub, metricsHub, logger });
  await startKafkaComponent(eventStream, {
    brokers: kafkaConfig.brokers,
    timeoutMs: kafkaConfig.startTimeoutMs,
    logger,
    what: 'the subscription event stream',
  });
  await startKafkaComponent(replayReader, {
    brokers: kafkaConfig.brokers,
    timeoutMs: kafkaConfig.startTimeoutMs,
    logger,
    what: 'the replay reader',
  });

  const operational = mountOperationalRoutes(app, {
    service: 'gateway',
    // An event stream that crashed for good pushes nothing more: only a new process helps.
    liveness: () => ({ eventStream: eventStream.live(), replayReader: replayReader.live() }),
    readiness: () => ({
      schema: subscriptionSchema !== null,
      eventStream: eventStream.ready(),
      replayReader: replayReader.ready(),
    }),
    metrics,
  });
  app.use(IDE_ASSETS_PATH, ideAssets(environment.ide.graphiql));
  app.use(
    '/graphql',
    ...corsForOrigins(auth.allowedOrigins),
    express.json({ limit: gatewayConfig.maxRequestBytes }),
    requestBodyErrors(gatewayConfig.maxRequestBytes, logger),
    expressMiddleware(apollo, {
      context: async ({ req }) => {
        try {
          const verified = await verifier.verify(bearerToken(req.header('authorization')));
          const identity = withSeedClock(verified, req.header(SEED_TIME_HEADER), auth.seedClock);
          const refusal = await rateLimited(
            identity.roles.length > 0 ? `user:${identity.userId}` : `ip:${req.socket.remoteAddress}`,
          );
          if (refusal) throw refusal;
          return {
            identity,
            correlationId: req.header('x-correlation-id') ?? randomUUID(),
            idempotencyKey: req.header('idempotency-key'),
          };
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

  // A frame larger than the request limit closes the socket with 1009 (message too big).
  const wsServer = new WebSocketServer({
    server: httpServer,
    path: '/graphql',
    maxPayload: gatewayConfig.maxRequestBytes,
  });
  const documents = new SubscriptionDocuments(protection.parseOptions, [
    ...specifiedRules,
    ...protection.validationRules,
  ]);
  const connections = new WeakMap<object, ConnectionState>();
  const stateOf = (socket: object): ConnectionState => {
    let state = connections.get(socket);
    if (!state) connections.set(socket, (state = {}));
    return state;
  };

  const wsCleanup = useServer(
    {
      context: (ctx, id): SubscriptionContext => ({
        identity: stateOf(ctx.extra.socket).identity,
        sink: socketSink(ctx.extra.socket, id),
      }),
      subscribe: (args) =>
        withCorrelationId(undefined, () =>
          sharedExecutor.subscribe(
            { ...args, fieldResolver: subscriptionFieldResolver },
            (args.contextValue as SubscriptionContext).sink,
          ),
        ),
      onConnect: async (ctx) => {
        if (!originAllowed(auth.allowedOrigins, ctx.extra.request.headers.origin)) {
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
      onSubscribe: async (ctx, id, payload) => {
        let document;
        try {
          document = documents.parse(payload.query);
        } catch (error) {
          const message = (error as Error).message;
          const refusal = tokenLimitRefusal(message);
          return [
            refusal
              ? new GraphQLError(refusal.message, { extensions: refusal.extensions })
              : new GraphQLError(message, { extensions: { code: 'GRAPHQL_PARSE_FAILED' } }),
          ];
        }
        if (getOperationAST(document, payload.operationName)?.operation !== OperationTypeNode.SUBSCRIPTION) {
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
        const refusal = await rateLimited(`user:${state.identity?.userId ?? 'anonymous'}`);
        if (refusal) return [refusal];
        state.subscriptions ??= new Set();
        if (state.subscriptions.size >= gatewayConfig.maxSubscriptionsPerConnection) {
          return [
            new GraphQLError(
              `At most ${gatewayConfig.maxSubscriptionsPerConnection} subscriptions per connection.`,
              { extensions: { code: 'RATE_LIMITED' } },
            ),
          ];
        }
        if (!subscriptionSchema) throw new Error('Schema not loaded yet');
        const invalid = documents.validate(subscriptionSchema, document);
        if (invalid.length > 0) return [...invalid];
        state.subscriptions.add(id);
        return {
          schema: subscriptionSchema,
          document,
          operationName: payload.operationName,
          variableValues: payload.variables,
        };
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
      operational.drain();
      stopping ??= (async () => {
        await wsCleanup.dispose();
        await apollo.stop();
        await eventStream.stop();
        await replayReader.stop();
        await limiter.close();
        logger.info('gateway stopped');
      })();
      return stopping;
    },
  };
}
