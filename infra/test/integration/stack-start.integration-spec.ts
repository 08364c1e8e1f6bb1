import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { databaseModel, kafkaModel, parseEnvironment } from '@deskgraph/platform';
import { repositoryRoot } from '../../src/environment';
import { dropDatabase, ensureDatabase, splitDatabaseUrl } from '../../src/postgres/embedded-postgres';
import {
  runMigrations,
  startStack,
  SUBGRAPH_NAMES,
  type SubgraphName,
} from '../../src/stack/deskgraph-stack';
import { freePort } from '../../src/stack/process-utils';
import { ensureAllTopics } from '../../src/stack/topics';
import { startTestStack, TEST_JWT_SECRET, TEST_SHARED_SECRET } from '../../src/testing/test-stack';

/** Pids of live processes whose environment names this Kafka namespace, i.e. the stack's processes. */
function processesOfNamespace(namespace: string): number[] {
  const marker = `KAFKA_NAMESPACE=${namespace}`;
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        // Zombies are dead already: only running processes count.
        if (/^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))) return false;
        return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(marker);
      } catch {
        return false; // gone meanwhile, or not ours to read
      }
    })
    .map(Number);
}

describe('stack start', () => {
  it('should stop every process it spawned and name the one that failed when a subgraph cannot start', async () => {
    const suffix = randomBytes(3).toString('hex');
    const namespace = `tfail${suffix}`;
    const { database, kafka } = parseEnvironment({ database: databaseModel, kafka: kafkaModel });
    const brokers = kafka.brokers.join(',');
    const { serverUrl } = splitDatabaseUrl(database.url);
    const databaseUrl = await ensureDatabase(serverUrl, `deskgraph_fail_${suffix}`);
    runMigrations(databaseUrl);
    await ensureAllTopics(brokers, namespace);
    const subgraphPorts = {} as Record<SubgraphName, number>;
    for (const name of SUBGRAPH_NAMES) subgraphPorts[name] = await freePort();
    try {
      // An invalid setting makes sla exit at once while its peers are still starting.
      const error = await startStack({
        databaseUrl,
        kafkaBrokers: brokers,
        namespace,
        gatewayPort: await freePort(),
        subgraphPorts,
        logDir: join(repositoryRoot, '.deskgraph', 'test-logs', namespace),
        env: { NODE_ENV: 'test', JWT_SECRET: TEST_JWT_SECRET, GATEWAY_SHARED_SECRET: TEST_SHARED_SECRET },
        // Channels takes any free SMTP port, so it never meets another stack's listener.
        processEnv: { sla: { DATABASE_POOL_SIZE: '0' }, channels: { SMTP_PORT: '0' } },
      }).then(
        () => null,
        (failure: Error) => failure,
      );

      expect(error?.message).toMatch(/^sla exited with code 1 while starting/);
      expect(error?.message).toContain('DATABASE_POOL_SIZE'); // the tail of its log says why
      expect(processesOfNamespace(namespace)).toEqual([]);
    } finally {
      await dropDatabase(serverUrl, `deskgraph_fail_${suffix}`);
    }
  }, 180_000);

  it('should leave no process behind when a started stack is stopped', async () => {
    const namespace = `tok${randomBytes(3).toString('hex')}`;
    // A test stack is hermetic: nothing of the developer's environment reaches its processes.
    // The probe has to be in the real environment of this process, hence process.env here.
    // eslint-disable-next-line no-restricted-properties
    process.env.DESKGRAPH_LEAK_PROBE = namespace;
    // eslint-disable-next-line no-restricted-properties
    const stack = await startTestStack({ namespace }).finally(() => delete process.env.DESKGRAPH_LEAK_PROBE);
    const pids = processesOfNamespace(namespace);
    const inheriting = pids.filter((pid) =>
      readFileSync(`/proc/${pid}/environ`, 'utf8').includes('DESKGRAPH_LEAK_PROBE'),
    );

    await stack.stop(); // before asserting, so a failure leaves no stack running

    expect(pids).toHaveLength(SUBGRAPH_NAMES.length + 1);
    expect(inheriting).toEqual([]);
    expect(processesOfNamespace(namespace)).toEqual([]);
  }, 180_000);
});
