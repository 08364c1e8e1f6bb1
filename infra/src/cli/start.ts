import { join } from 'node:path';
import { loadLauncherConfig } from '../environment';
import { startInfrastructure } from '../stack/infrastructure';
import { runMigrations, startStack, SUBGRAPH_NAMES } from '../stack/deskgraph-stack';
import { assertPortFree } from '../stack/process-utils';
import { ensureAllTopics } from '../stack/topics';
import { runCli } from './run-cli';

// `npm start`: the whole graph on one machine, with embedded defaults.
runCli(async () => {
  const { launcher: config, runtime } = loadLauncherConfig();
  const log = (message: string) => process.stdout.write(`deskgraph: ${message}\n`);
  const subgraphPorts = Object.fromEntries(
    SUBGRAPH_NAMES.map((name, index) => [name, config.subgraphBasePort + index]),
  ) as Record<(typeof SUBGRAPH_NAMES)[number], number>;
  for (const port of [config.gatewayPort, ...Object.values(subgraphPorts)]) {
    await assertPortFree(port, 'Stop what uses it, or set GATEWAY_PORT / SUBGRAPH_BASE_PORT.');
  }

  const infrastructure = await startInfrastructure({
    config,
    workDir: config.home,
    persistent: true,
    anyFreePort: false,
    database: 'deskgraph',
    log,
  });
  let shuttingDown = false;
  let stopStack: (() => Promise<void>) | null = null;
  const shutdown = async () => {
    if (shuttingDown) return;
    shuttingDown = true;
    log('shutting down');
    await stopStack?.();
    await infrastructure.stop();
    log('stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown());
  process.on('SIGTERM', () => void shutdown());

  try {
    log('applying migrations');
    runMigrations(infrastructure.databaseUrl);
    await ensureAllTopics(infrastructure.kafkaBrokers, config.namespace);
    log('starting subgraphs and gateway');
    const stack = await startStack({
      databaseUrl: infrastructure.databaseUrl,
      kafkaBrokers: infrastructure.kafkaBrokers,
      namespace: config.namespace,
      gatewayPort: config.gatewayPort,
      subgraphPorts,
      logDir: join(config.home, 'logs'),
      env: { NODE_ENV: runtime.nodeEnv, LOG_LEVEL: runtime.logLevel },
    });
    stopStack = stack.stop;
    log('');
    log(
      `ready: http://localhost:${config.gatewayPort}/graphql (queries, mutations and graphql-ws subscriptions)`,
    );
    log(`logs:  ${join(config.home, 'logs')}`);
    log('token: npm run token -- --role supervisor --queues general');
    log('Ctrl-C stops everything started here.');
  } catch (error) {
    await stopStack?.();
    await infrastructure.stop();
    throw error;
  }
});
