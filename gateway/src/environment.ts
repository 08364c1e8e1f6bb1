import { z } from 'zod';
import {
  gatewayTrustModel,
  httpModel,
  kafkaModel,
  parseEnvironmentOrExit,
  runtimeModel,
} from '@deskgraph/platform';

import { DEFAULT_MAX_CONCURRENT_FETCHES } from './subscriptions/federated-fetch';

const DEV_JWT_SECRET = 'deskgraph-development-jwt-secret';

/** How tokens are checked: an HS256 secret in development, a JWKS URL in production. */
export const authModel = z
  .object({
    NODE_ENV: z.string().default('development'),
    JWT_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
    JWT_JWKS_URL: z.string().url().optional(),
    JWT_ISSUER: z.string().default('deskgraph'),
    JWT_AUDIENCE: z.string().default('deskgraph'),
    ALLOWED_ORIGINS: z.string().default('*'),
  })
  .superRefine((env, context) => {
    if (env.NODE_ENV === 'production' && !env.JWT_JWKS_URL && !env.JWT_SECRET) {
      context.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['JWT_JWKS_URL'],
        message: 'set JWT_JWKS_URL (or JWT_SECRET) in production',
      });
    }
  })
  .transform((env) => ({
    secret: env.JWT_JWKS_URL ? undefined : (env.JWT_SECRET ?? DEV_JWT_SECRET),
    jwksUrl: env.JWT_JWKS_URL,
    issuer: env.JWT_ISSUER,
    audience: env.JWT_AUDIENCE,
    /** The demo seed's clock (X-Deskgraph-Seed-Time) is honoured outside production only. */
    seedClock: env.NODE_ENV !== 'production',
    allowedOrigins: env.ALLOWED_ORIGINS.split(',')
      .map((origin) => origin.trim())
      .filter(Boolean),
  }));

const subgraphUrls = z
  .string()
  .default('')
  .transform((value, context) => {
    const urls: Record<string, string> = {};
    for (const pair of value.split(',').filter(Boolean)) {
      const [name, url] = pair.split('=');
      if (!name || !url || !/^https?:\/\//.test(url)) {
        context.addIssue({ code: z.ZodIssueCode.custom, message: `"${pair}" is not name=http(s)://url` });
        return z.NEVER;
      }
      urls[name.trim()] = url.trim();
    }
    return urls;
  });

export const gatewayModel = z
  .object({
    SUBGRAPH_URLS: subgraphUrls,
    SUPERGRAPH_PATH: z.string().optional(),
    MAX_SUBSCRIPTIONS_PER_CONNECTION: z.coerce.number().int().min(1).default(50),
    MAX_REQUEST_BYTES: z.coerce.number().int().min(1024).default(262_144),
    MAX_QUERY_DEPTH: z.coerce.number().int().min(1).default(12),
    MAX_QUERY_COST: z.coerce.number().int().min(1).default(5_000),
    MAX_ALIASES: z.coerce.number().int().min(0).default(15),
    MAX_QUERY_TOKENS: z.coerce.number().int().min(10).default(2_000),
    MAX_INTROSPECTION_DEPTH: z.coerce.number().int().min(1).default(24),
    MAX_INTROSPECTION_COST: z.coerce.number().int().min(1).default(200_000),
    RATE_LIMIT_PER_SECOND: z.coerce.number().positive().default(50),
    RATE_LIMIT_BURST: z.coerce.number().int().min(1).default(200),
    REDIS_URL: z
      .string()
      .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL')
      .optional(),
    REDIS_KEY_PREFIX: z.string().min(1).default('deskgraph:'),
    REPLAY_WINDOW_SECONDS: z.coerce.number().int().min(0).default(300),
    REPLAY_MAX_EVENTS: z.coerce.number().int().min(0).default(10_000),
    METRICS_PUSH_INTERVAL_MS: z.coerce.number().int().min(0).default(1_000),
    SUBSCRIPTION_MAX_CONCURRENT_FETCHES: z.coerce
      .number()
      .int()
      .min(1)
      .default(DEFAULT_MAX_CONCURRENT_FETCHES),
  })
  .transform((env) => ({
    subgraphUrls: env.SUBGRAPH_URLS,
    supergraphPath: env.SUPERGRAPH_PATH,
    maxSubscriptionsPerConnection: env.MAX_SUBSCRIPTIONS_PER_CONNECTION,
    maxRequestBytes: env.MAX_REQUEST_BYTES,
    limits: {
      maxDepth: env.MAX_QUERY_DEPTH,
      maxCost: env.MAX_QUERY_COST,
      maxAliases: env.MAX_ALIASES,
      maxTokens: env.MAX_QUERY_TOKENS,
      maxIntrospectionDepth: env.MAX_INTROSPECTION_DEPTH,
      maxIntrospectionCost: env.MAX_INTROSPECTION_COST,
    },
    rateLimit: { perSecond: env.RATE_LIMIT_PER_SECOND, burst: env.RATE_LIMIT_BURST },
    /** Set: per-user limits shared by every replica through Redis; unset: this process only. */
    redis: env.REDIS_URL ? { url: env.REDIS_URL, keyPrefix: env.REDIS_KEY_PREFIX } : null,
    replayWindow: { maxAgeMs: env.REPLAY_WINDOW_SECONDS * 1000 },
    replayMaxRecords: env.REPLAY_MAX_EVENTS,
    metricsPushIntervalMs: env.METRICS_PUSH_INTERVAL_MS,
    subscriptionMaxConcurrentFetches: env.SUBSCRIPTION_MAX_CONCURRENT_FETCHES,
  }));

/** The offline GraphiQL page at GET /graphql: on unless NODE_ENV=production, `GRAPHIQL` overrides. */
export const ideModel = z
  .object({
    NODE_ENV: z.string().default('development'),
    GRAPHIQL: z.enum(['true', 'false']).optional(),
  })
  .transform((env) => ({
    graphiql: env.GRAPHIQL === undefined ? env.NODE_ENV !== 'production' : env.GRAPHIQL === 'true',
  }));

/** Where `npm run seed` finds the gateway when `--url` is not given. */
export const seedModel = z
  .object({ GATEWAY_PORT: z.coerce.number().int().min(1).max(65_535).default(4000) })
  .transform((env) => ({ url: `http://localhost:${env.GATEWAY_PORT}/graphql` }));

export type AuthConfig = z.output<typeof authModel>;
export type GatewayConfig = z.output<typeof gatewayModel>;

/** Every concern the gateway reads from the environment (tests parse their own source with it). */
export const GATEWAY_ENVIRONMENT = {
  runtime: runtimeModel,
  http: httpModel(4000),
  kafka: kafkaModel,
  trust: gatewayTrustModel,
  auth: authModel,
  gateway: gatewayModel,
  ide: ideModel,
};

export function loadEnvironment() {
  return parseEnvironmentOrExit(GATEWAY_ENVIRONMENT);
}

export { DEV_JWT_SECRET };
