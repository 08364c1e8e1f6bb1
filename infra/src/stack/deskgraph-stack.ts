import { readProcessEnvironment } from '@deskgraph/platform';
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { repositoryRoot } from '../environment';
import { ManagedProcess } from './managed-process';
import { InfrastructureError } from './process-utils';

export const SUBGRAPH_NAMES = ['tickets', 'sla', 'knowledge', 'analytics', 'channels'] as const;
export type SubgraphName = (typeof SUBGRAPH_NAMES)[number];
export type ProcessName = SubgraphName | 'gateway';

export interface StackOptions {
  databaseUrl: string;
  kafkaBrokers: string;
  namespace: string;
  gatewayPort: number;
  subgraphPorts: Record<SubgraphName, number>;
  /** Folder for each process's log file; stdout when absent. */
  logDir?: string;
  /**
   * The environment every process starts from, under everything the launcher sets:
   * `npm start` passes the user's, so each row of the README's Configuration table
   * reaches the process that reads it. Test stacks leave it out and stay hermetic.
   */
  inheritedEnv?: Record<string, string | undefined>;
  /** Extra environment for every process (e.g. NODE_ENV, JWT settings). */
  env?: Record<string, string>;
  /** Extra environment for one process, over `env`. */
  processEnv?: Partial<Record<ProcessName, Record<string, string>>>;
  /** How long each process may take to become ready (default 120 s); a bench on a loaded machine waits longer. */
  readyTimeoutMs?: number;
}

export interface RunningStack {
  gatewayUrl: string;
  subgraphUrls: Record<SubgraphName, string>;
  processes: Record<ProcessName, ManagedProcess>;
  stop(): Promise<void>;
}

/** The compiled entry point of a service or the gateway. */
export function serviceScript(name: ProcessName): string {
  return name === 'gateway'
    ? resolve(repositoryRoot, 'gateway', 'dist', 'src', 'main.js')
    : resolve(repositoryRoot, 'services', name, 'dist', 'src', 'main.js');
}

/** Applies every service's migrations (each in its own schema). */
export function runMigrations(databaseUrl: string): void {
  for (const name of SUBGRAPH_NAMES) {
    const script = resolve(repositoryRoot, 'services', name, 'dist', 'src', 'database', 'migrate.js');
    const result = spawnSync(process.execPath, [script], {
      env: { PATH: readProcessEnvironment().PATH ?? '', DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn' },
      encoding: 'utf8',
    });
    if (result.status !== 0) {
      throw new InfrastructureError(`Migrations of ${name} failed:\n${result.stderr || result.stdout}`);
    }
  }
}

/** The loopback address every process of a stack listens on. */
const STACK_HOST = '127.0.0.1';

/** Where each subgraph of a stack answers. */
export function stackSubgraphUrls(subgraphPorts: Record<SubgraphName, number>): Record<SubgraphName, string> {
  return Object.fromEntries(
    SUBGRAPH_NAMES.map((name) => [name, `http://${STACK_HOST}:${subgraphPorts[name]}/graphql`]),
  ) as Record<SubgraphName, string>;
}

/**
 * The environment of one process of a stack, weakest first: the launcher's
 * defaults the user may override (the SMTP listener on the stack's loopback
 * host, channels' public URL); the inherited environment; the stack's own settings
 * (database, brokers, namespace, `env`); what the stack must decide (port, host,
 * where the peers are); and last `processEnv` of that process.
 */
export function processEnvironment(
  name: ProcessName,
  options: Pick<
    StackOptions,
    | 'databaseUrl'
    | 'kafkaBrokers'
    | 'namespace'
    | 'gatewayPort'
    | 'subgraphPorts'
    | 'inheritedEnv'
    | 'env'
    | 'processEnv'
  >,
): Record<string, string> {
  const inherited = Object.fromEntries(
    Object.entries(options.inheritedEnv ?? {}).filter(
      (entry): entry is [string, string] => entry[1] !== undefined,
    ),
  );
  const subgraphUrls = stackSubgraphUrls(options.subgraphPorts);
  const defaults: Record<string, string> =
    name === 'channels'
      ? { SMTP_HOST: STACK_HOST, CHANNELS_PUBLIC_URL: `http://localhost:${options.subgraphPorts.channels}` }
      : {};
  const managed: Record<string, string> = {
    PORT: String(name === 'gateway' ? options.gatewayPort : options.subgraphPorts[name]),
    HOST: STACK_HOST,
  };
  // Channels acts on tickets through the tickets subgraph; the gateway composes every subgraph.
  if (name === 'channels') managed.TICKETS_URL = subgraphUrls.tickets;
  if (name === 'gateway') {
    managed.SUBGRAPH_URLS = SUBGRAPH_NAMES.map((subgraph) => `${subgraph}=${subgraphUrls[subgraph]}`).join(
      ',',
    );
  }
  return {
    ...defaults,
    ...inherited,
    DATABASE_URL: options.databaseUrl,
    KAFKA_BROKERS: options.kafkaBrokers,
    KAFKA_NAMESPACE: options.namespace,
    ...options.env,
    ...managed,
    ...options.processEnv?.[name],
  };
}

/** Starts the subgraphs, then the gateway, each as its own process. */
export async function startStack(options: StackOptions): Promise<RunningStack> {
  if (options.logDir) mkdirSync(options.logDir, { recursive: true });
  const subgraphUrls = stackSubgraphUrls(options.subgraphPorts);
  const make = (name: ProcessName, port: number) =>
    new ManagedProcess({
      name,
      script: serviceScript(name),
      env: processEnvironment(name, options),
      logFile: options.logDir ? join(options.logDir, `${name}.log`) : undefined,
      readyUrl: `http://${STACK_HOST}:${port}/health/ready`,
      readyTimeoutMs: options.readyTimeoutMs,
    });
  const processes = {
    ...Object.fromEntries(SUBGRAPH_NAMES.map((name) => [name, make(name, options.subgraphPorts[name])])),
    gateway: make('gateway', options.gatewayPort),
  } as Record<ProcessName, ManagedProcess>;

  // Every process is stopped, started or not: one still starting when a peer
  // failed has a live child too (stopping one that never spawned is a no-op).
  const stop = async () => {
    await processes.gateway.close();
    await Promise.all(SUBGRAPH_NAMES.map((name) => processes[name].close()));
  };
  const starts = SUBGRAPH_NAMES.map((name) => processes[name].start());
  const settled = Promise.allSettled(starts);
  try {
    await Promise.all(starts);
    await processes.gateway.start();
  } catch (error) {
    await stop();
    // The peers' starts end once their processes are gone; none polls on after this.
    await settled;
    throw error;
  }
  return { gatewayUrl: `http://${STACK_HOST}:${options.gatewayPort}/graphql`, subgraphUrls, processes, stop };
}
