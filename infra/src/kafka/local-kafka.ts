import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync, openSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { repositoryRoot } from '../environment';
import { InfrastructureError, waitFor } from '../stack/process-utils';

export const KAFKA_VERSION = '3.9.1';

export interface LocalKafkaOptions {
  /** Where the broker keeps its log segments and metadata. */
  dataDir: string;
  /** Where the Maven-resolved jars are cached between runs. */
  cacheDir: string;
  port: number;
  controllerPort: number;
  javaHome?: string;
  /** Receives the broker's own output. */
  logFile?: string;
  /** How long the JVM may take to accept connections (90 s by default; a loaded machine needs more). */
  startTimeoutMs?: number;
}

export interface LocalKafka {
  brokers: string[];
  process: ChildProcess;
  stop(): Promise<void>;
}

function javaBinary(javaHome?: string): string {
  return javaHome ? join(javaHome, 'bin', 'java') : 'java';
}

function requireCommand(command: string, args: string[], advice: string): void {
  const result = spawnSync(command, args, { stdio: 'ignore' });
  if (result.error || result.status !== 0) throw new InfrastructureError(advice);
}

/**
 * Resolves Apache Kafka's broker jars from Maven Central into a cache (once)
 * and returns the classpath folder.
 */
export function resolveKafkaJars(cacheDir: string, javaHome?: string): string {
  const libs = resolve(cacheDir, `kafka-${KAFKA_VERSION}`, 'libs');
  if (existsSync(libs) && readdirSync(libs).some((file) => file.startsWith(`kafka_2.13-${KAFKA_VERSION}`))) {
    return libs;
  }
  requireCommand(
    javaBinary(javaHome),
    ['-version'],
    'No Java runtime found. Install a JDK 17+ (e.g. `apt-get install openjdk-17-jdk-headless`) or set JAVA_HOME, ' +
      'or point KAFKA_BROKERS at an existing Kafka.',
  );
  requireCommand(
    'mvn',
    ['-v'],
    'Maven (mvn) is needed once to fetch Kafka from Maven Central. Install it (e.g. `apt-get install maven`) ' +
      'or point KAFKA_BROKERS at an existing Kafka.',
  );
  mkdirSync(libs, { recursive: true });
  const result = spawnSync(
    'mvn',
    [
      '-q',
      '-B',
      '-f',
      resolve(repositoryRoot, 'infra', 'kafka', 'pom.xml'),
      'dependency:copy-dependencies',
      `-DoutputDirectory=${libs}`,
      '-DincludeScope=runtime',
      `-Dkafka.version=${KAFKA_VERSION}`,
    ],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );
  if (result.status !== 0) {
    throw new InfrastructureError(
      'Maven could not resolve Apache Kafka from Maven Central (see the output above).',
    );
  }
  return libs;
}

function writeBrokerConfig(options: LocalKafkaOptions): { properties: string; log4j: string } {
  mkdirSync(options.dataDir, { recursive: true });
  const properties = join(options.dataDir, 'server.properties');
  writeFileSync(
    properties,
    [
      'process.roles=broker,controller',
      'node.id=1',
      `controller.quorum.voters=1@127.0.0.1:${options.controllerPort}`,
      `listeners=PLAINTEXT://127.0.0.1:${options.port},CONTROLLER://127.0.0.1:${options.controllerPort}`,
      `advertised.listeners=PLAINTEXT://127.0.0.1:${options.port}`,
      'controller.listener.names=CONTROLLER',
      'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
      'inter.broker.listener.name=PLAINTEXT',
      `log.dirs=${join(options.dataDir, 'logs')}`,
      'num.partitions=6',
      'offsets.topic.replication.factor=1',
      'offsets.topic.num.partitions=10',
      'transaction.state.log.replication.factor=1',
      'transaction.state.log.min.isr=1',
      // A single-node dev broker: let groups form at once instead of waiting 3 s.
      'group.initial.rebalance.delay.ms=0',
      // Topics are created explicitly, so a typo never invents a topic.
      'auto.create.topics.enable=false',
      'log.retention.hours=168',
      '',
    ].join('\n'),
  );
  const log4j = join(options.dataDir, 'log4j.properties');
  writeFileSync(
    log4j,
    [
      'log4j.rootLogger=WARN, stdout',
      'log4j.appender.stdout=org.apache.log4j.ConsoleAppender',
      'log4j.appender.stdout.layout=org.apache.log4j.PatternLayout',
      'log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n',
      'log4j.logger.kafka.server.KafkaServer=INFO',
      '',
    ].join('\n'),
  );
  return { properties, log4j };
}

function formatStorage(options: LocalKafkaOptions, libs: string, properties: string, log4j: string): void {
  if (existsSync(join(options.dataDir, 'logs', 'meta.properties'))) return;
  const java = javaBinary(options.javaHome);
  const classpath = `${libs}/*`;
  const uuid = spawnSync(java, ['-cp', classpath, 'kafka.tools.StorageTool', 'random-uuid'], {
    encoding: 'utf8',
  });
  const clusterId = uuid.stdout.trim().split('\n').pop();
  if (uuid.status !== 0 || !clusterId)
    throw new InfrastructureError(`Kafka StorageTool failed: ${uuid.stderr}`);
  const format = spawnSync(
    java,
    [
      `-Dlog4j.configuration=file:${log4j}`,
      '-cp',
      classpath,
      'kafka.tools.StorageTool',
      'format',
      '-t',
      clusterId,
      '-c',
      properties,
    ],
    { encoding: 'utf8' },
  );
  if (format.status !== 0) throw new InfrastructureError(`Formatting Kafka storage failed: ${format.stderr}`);
}

async function brokerAnswers(brokers: string[]): Promise<boolean> {
  const admin = new Kafka({
    clientId: 'deskgraph-launcher',
    brokers,
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
    connectionTimeout: 1_000,
  }).admin();
  try {
    await admin.connect();
    await admin.describeCluster();
    return true;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** Starts a single-node KRaft broker on the JDK and waits until it answers. */
export async function startLocalKafka(options: LocalKafkaOptions): Promise<LocalKafka> {
  const libs = resolveKafkaJars(options.cacheDir, options.javaHome);
  const { properties, log4j } = writeBrokerConfig(options);
  formatStorage(options, libs, properties, log4j);
  const brokers = [`127.0.0.1:${options.port}`];
  if (await brokerAnswers(brokers)) {
    throw new InfrastructureError(
      `Port ${options.port} already has a Kafka broker. Stop it, set LOCAL_KAFKA_PORT, or use it with KAFKA_BROKERS=127.0.0.1:${options.port}.`,
    );
  }
  const output = options.logFile ? openSync(options.logFile, 'a') : 'ignore';
  const child = spawn(
    javaBinary(options.javaHome),
    [
      '-Xms256m',
      '-Xmx768m',
      '-XX:+UseG1GC',
      '-Djava.awt.headless=true',
      `-Dlog4j.configuration=file:${log4j}`,
      '-cp',
      `${libs}/*`,
      'kafka.Kafka',
      properties,
    ],
    { stdio: ['ignore', output, output] },
  );
  let exitCode: number | null = null;
  child.once('exit', (code) => (exitCode = code ?? -1));
  await waitFor(
    async () => {
      if (exitCode !== null) {
        throw new InfrastructureError(
          `Kafka exited with code ${exitCode} while starting` +
            (options.logFile ? `; see ${options.logFile}` : '') +
            ` (is port ${options.port} or ${options.controllerPort} busy?).`,
        );
      }
      return brokerAnswers(brokers);
    },
    {
      timeoutMs: options.startTimeoutMs ?? 90_000,
      intervalMs: 500,
      what: 'local Kafka to accept connections',
    },
  );
  return {
    brokers,
    process: child,
    stop: () => stopChild(child, 20_000),
  };
}

export async function stopChild(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}
