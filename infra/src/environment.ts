import { resolve } from 'node:path';
import { z } from 'zod';
import { findPackageRoot, parseEnvironment, runtimeModel } from '@deskgraph/platform';

// infra/ is one level below the repository root, from src/ and dist/src/ alike.
const repositoryRoot = resolve(findPackageRoot(__dirname), '..');

/** Settings of the local launcher; existing infrastructure is used when named. */
export const launcherModel = z
  .object({
    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
      .optional(),
    KAFKA_BROKERS: z.string().optional(),
    REDIS_URL: z
      .string()
      .regex(/^rediss?:\/\//, 'must be a redis:// URL')
      .optional(),
    KAFKA_NAMESPACE: z
      .string()
      .regex(/^[a-z0-9_-]*$/, 'may hold only a-z, 0-9, _ and -')
      .default(''),
    DESKGRAPH_HOME: z.string().default(resolve(repositoryRoot, '.deskgraph')),
    KAFKA_CACHE_DIR: z.string().optional(),
    EMBEDDED_POSTGRES_PORT: z.coerce.number().int().min(1).max(65535).default(5433),
    LOCAL_KAFKA_PORT: z.coerce.number().int().min(1).max(65535).default(9092),
    GATEWAY_PORT: z.coerce.number().int().min(1).max(65535).default(4000),
    SUBGRAPH_BASE_PORT: z.coerce.number().int().min(1).max(65535).default(4001),
    /** Channels' SMTP listener, which `npm start` checks is free and prints (0: any free port). */
    SMTP_PORT: z.coerce.number().int().min(0).max(65535).default(2525),
    JAVA_HOME: z.string().optional(),
    HOME: z.string().default('/root'),
    XDG_CACHE_HOME: z.string().optional(),
  })
  .transform((env) => ({
    databaseUrl: env.DATABASE_URL,
    kafkaBrokers: env.KAFKA_BROKERS,
    redisUrl: env.REDIS_URL,
    namespace: env.KAFKA_NAMESPACE,
    home: env.DESKGRAPH_HOME,
    kafkaCacheDir:
      env.KAFKA_CACHE_DIR ?? resolve(env.XDG_CACHE_HOME ?? resolve(env.HOME, '.cache'), 'deskgraph'),
    embeddedPostgresPort: env.EMBEDDED_POSTGRES_PORT,
    localKafkaPort: env.LOCAL_KAFKA_PORT,
    gatewayPort: env.GATEWAY_PORT,
    subgraphBasePort: env.SUBGRAPH_BASE_PORT,
    smtpPort: env.SMTP_PORT,
    javaHome: env.JAVA_HOME,
  }));

export type LauncherConfig = z.output<typeof launcherModel>;

export function loadLauncherConfig() {
  return parseEnvironment({ launcher: launcherModel, runtime: runtimeModel });
}

export { repositoryRoot };
