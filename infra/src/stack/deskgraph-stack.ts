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

/** Starts the subgraphs, then the gateway, each as its own process. */
export async function startStack(options: StackOptions): Promise<RunningStack> {
  if (options.logDir) mkdirSync(options.logDir, { recursive: true });
  const subgraphUrls = Object.fromEntries(
    SUBGRAPH_NAMES.map((name) => [name, `http://127.0.0.1:${options.subgraphPorts[name]}/graphql`]),
  ) as Record<SubgraphName, string>;
  const common = {
    DATABASE_URL: options.databaseUrl,
    KAFKA_BROKERS: options.kafkaBrokers,
    KAFKA_NAMESPACE: options.namespace,
    ...options.env,
  };
  const make = (name: ProcessName, port: number, env: Record<string, string> = {}) =>
    new ManagedProcess({
      name,
      script: serviceScript(name),
      env: { ...common, PORT: String(port), HOST: '127.0.0.1', ...env, ...options.processEnv?.[name] },
      logFile: options.logDir ? join(options.logDir, `${name}.log`) : undefined,
      readyUrl: `http://127.0.0.1:${port}/health/ready`,
      readyTimeoutMs: options.readyTimeoutMs,
    });
  // Channels acts on tickets through the tickets subgraph, and its links point at its own port.
  const channelsEnv = {
    TICKETS_URL: subgraphUrls.tickets,
    CHANNELS_PUBLIC_URL: `http://localhost:${options.subgraphPorts.channels}`,
  };
  const processes = {
    ...Object.fromEntries(
      SUBGRAPH_NAMES.map((name) => [
        name,
        make(name, options.subgraphPorts[name], name === 'channels' ? channelsEnv : {}),
      ]),
    ),
    gateway: make('gateway', options.gatewayPort, {
      SUBGRAPH_URLS: SUBGRAPH_NAMES.map((name) => `${name}=${subgraphUrls[name]}`).join(','),
    }),
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
  return { gatewayUrl: `http://127.0.0.1:${options.gatewayPort}/graphql`, subgraphUrls, processes, stop };
}
