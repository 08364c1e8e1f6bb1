import { z } from 'zod';

const DEV_SHARED_SECRET = 'deskgraph-development-shared-secret';

const commaList = z
  .string()
  .transform((value) =>
    value
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean),
  )
  .pipe(z.array(z.string().regex(/^[^\s:]+:\d+$/, 'each broker must be host:port')).min(1));

export const runtimeModel = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  })
  .transform((env) => ({
    nodeEnv: env.NODE_ENV,
    logLevel: env.LOG_LEVEL,
    production: env.NODE_ENV === 'production',
  }));

export const databaseModel = z
  .object({
    DATABASE_URL: z
      .string({ required_error: 'is required (e.g. postgres://postgres@127.0.0.1:5432/deskgraph)' })
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL'),
    DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
    /**
     * How long a query waits for a pooled connection (all busy, or PostgreSQL not answering a
     * connect) before it fails as SERVICE_UNAVAILABLE instead of hanging.
     */
    DATABASE_CONNECT_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(600).default(30),
  })
  .transform((env) => ({
    url: env.DATABASE_URL,
    poolSize: env.DATABASE_POOL_SIZE,
    connectTimeoutMs: env.DATABASE_CONNECT_TIMEOUT_SECONDS * 1000,
  }));

export const kafkaModel = z
  .object({
    KAFKA_BROKERS: z.string({ required_error: 'is required (e.g. 127.0.0.1:9092)' }).pipe(commaList),
    KAFKA_NAMESPACE: z
      .string()
      .regex(/^[a-z0-9_-]*$/, 'may hold only a-z, 0-9, _ and -')
      .default(''),
    /** How long a starting process waits for Kafka, its topics' leaders and its group coordinator. */
    KAFKA_START_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(3600).default(90),
  })
  .transform((env) => ({
    brokers: env.KAFKA_BROKERS,
    namespace: env.KAFKA_NAMESPACE,
    startTimeoutMs: env.KAFKA_START_TIMEOUT_SECONDS * 1000,
  }));

export function httpModel(defaultPort: number) {
  return z
    .object({
      PORT: z.coerce.number().int().min(0).max(65535).default(defaultPort),
      HOST: z.string().default('0.0.0.0'),
    })
    .transform((env) => ({ port: env.PORT, host: env.HOST }));
}

/** The secret the gateway signs forwarded identities with; subgraphs trust only signed ones. */
export const gatewayTrustModel = z
  .object({
    NODE_ENV: z.string().default('development'),
    GATEWAY_SHARED_SECRET: z.string().min(16, 'must be at least 16 characters').default(DEV_SHARED_SECRET),
  })
  .superRefine((env, context) => {
    if (env.NODE_ENV === 'production' && env.GATEWAY_SHARED_SECRET === DEV_SHARED_SECRET) {
      context.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['GATEWAY_SHARED_SECRET'],
        message: 'must be set to a private value in production',
      });
    }
  })
  .transform((env) => ({ sharedSecret: env.GATEWAY_SHARED_SECRET }));

/**
 * Fields more than one service reads the same way, so a desk configured once
 * means the same thing everywhere (tickets numbers months, analytics periods).
 */
export const deskFields = {
  /** The desk's IANA time zone: months of ticket numbers, days and weeks of figures. */
  DESK_TIME_ZONE: z
    .string()
    .default('Asia/Shanghai')
    .refine((zone) => {
      try {
        new Intl.DateTimeFormat('en', { timeZone: zone });
        return true;
      } catch {
        return false;
      }
    }, 'must be an IANA time zone such as Asia/Shanghai'),
  /** Customer tiers treated as key customers (大客户), comma-separated. */
  KEY_CUSTOMER_TIERS: z
    .string()
    .default('KEY')
    .transform((value) =>
      value
        .split(',')
        .map((tier) => tier.trim())
        .filter(Boolean),
    ),
};

export type RuntimeConfig = z.output<typeof runtimeModel>;
/** connectTimeoutMs is optional for callers that build a config by hand (tests, benches): 30 s then. */
export type DatabaseConfig = Omit<z.output<typeof databaseModel>, 'connectTimeoutMs'> & {
  connectTimeoutMs?: number;
};
export type KafkaConfig = z.output<typeof kafkaModel>;
export type HttpConfig = z.output<ReturnType<typeof httpModel>>;
export type GatewayTrustConfig = z.output<typeof gatewayTrustModel>;
