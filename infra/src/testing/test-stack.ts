import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { z } from 'zod';
import { parseEnvironment } from '@deskgraph/platform';
import { repositoryRoot } from '../environment';
import { dropDatabase, ensureDatabase, splitDatabaseUrl } from '../postgres/embedded-postgres';
import {
  runMigrations,
  startStack,
  SUBGRAPH_NAMES,
  type RunningStack,
  type StackOptions,
} from '../stack/deskgraph-stack';
import { freePort } from '../stack/process-utils';
import { ensureAllTopics } from '../stack/topics';

const testModel = z
  .object({
    DATABASE_URL: z.string({
      required_error: 'is not set: run integration tests with `npm test`, which starts PostgreSQL and Kafka',
    }),
    KAFKA_BROKERS: z.string({
      required_error: 'is not set: run integration tests with `npm test`, which starts PostgreSQL and Kafka',
    }),
  })
  .transform((env) => ({ databaseUrl: env.DATABASE_URL, kafkaBrokers: env.KAFKA_BROKERS }));

const redisModel = z
  .object({
    REDIS_URL: z.string({
      required_error:
        'is not set: run integration tests with `npm test`, which starts Redis (or REDIS_URL=redis://…)',
    }),
  })
  .transform((env) => env.REDIS_URL);

/** The test run's Redis (shared gateway rate limits); tests isolate themselves by key prefix. */
export function testRedisUrl(): string {
  return parseEnvironment({ redis: redisModel }).redis;
}

export const TEST_JWT_SECRET = 'deskgraph-test-jwt-secret-0123456789';
/** Signs identities from the gateway to subgraphs in test stacks (tests may call a subgraph directly). */
export const TEST_SHARED_SECRET = 'deskgraph-test-shared-secret-0123456789';

export interface TestStack extends RunningStack {
  databaseUrl: string;
  kafkaBrokers: string;
  namespace: string;
  wsUrl: string;
  /** Where the channels service's SMTP listener takes mail. */
  smtpPort: number;
}

/**
 * A whole deskgraph (5 subgraphs + gateway as real processes) on the test
 * run's PostgreSQL and Kafka, isolated by its own database and topic
 * namespace so test files never see each other's data.
 */
export async function startTestStack(
  options: Pick<StackOptions, 'env' | 'processEnv' | 'readyTimeoutMs'> & { namespace?: string } = {},
): Promise<TestStack> {
  const { test } = parseEnvironment({ test: testModel });
  const suffix = randomBytes(4).toString('hex');
  const namespace = options.namespace ?? `t${suffix}`;
  const { serverUrl } = splitDatabaseUrl(test.databaseUrl);
  const databaseName = `deskgraph_${suffix}`;
  const databaseUrl = await ensureDatabase(serverUrl, databaseName);
  runMigrations(databaseUrl);
  await ensureAllTopics(test.kafkaBrokers, namespace);
  const subgraphPorts = Object.fromEntries(
    await Promise.all(SUBGRAPH_NAMES.map(async (name) => [name, await freePort()] as const)),
  ) as Record<(typeof SUBGRAPH_NAMES)[number], number>;
  const gatewayPort = await freePort();
  const smtpPort = await freePort();
  const stack = await startStack({
    processEnv: {
      ...options.processEnv,
      channels: { SMTP_PORT: String(smtpPort), SMTP_HOST: '127.0.0.1', ...options.processEnv?.channels },
    },
    databaseUrl,
    kafkaBrokers: test.kafkaBrokers,
    namespace,
    gatewayPort,
    readyTimeoutMs: options.readyTimeoutMs,
    subgraphPorts,
    logDir: join(repositoryRoot, '.deskgraph', 'test-logs', namespace),
    env: {
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      JWT_SECRET: TEST_JWT_SECRET,
      GATEWAY_SHARED_SECRET: TEST_SHARED_SECRET,
      ...options.env,
    },
  }).catch(async (error: unknown) => {
    await dropDatabase(serverUrl, databaseName).catch(() => undefined);
    throw error;
  });
  return {
    ...stack,
    databaseUrl,
    kafkaBrokers: test.kafkaBrokers,
    namespace,
    wsUrl: stack.gatewayUrl.replace(/^http/, 'ws'),
    smtpPort: Number(options.processEnv?.channels?.SMTP_PORT ?? smtpPort),
    async stop() {
      await stack.stop();
      await dropDatabase(serverUrl, databaseName);
    },
  };
}
