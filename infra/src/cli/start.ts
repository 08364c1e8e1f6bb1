import { readProcessEnvironment } from '@deskgraph/platform';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadLauncherConfig, repositoryRoot } from '../environment';
import { startInfrastructure } from '../stack/infrastructure';
import { runMigrations, startStack, SUBGRAPH_NAMES } from '../stack/deskgraph-stack';
import { assertPortFree } from '../stack/process-utils';
import { ensureAllTopics } from '../stack/topics';
import { runCli } from './run-cli';

// `npm start`: the whole graph on one machine, with embedded defaults.
// `npm start -- --demo`: and the demo desk seeded into it (a no-op once seeded).
const { values: flags } = parseArgs({ options: { demo: { type: 'boolean', default: false } } });

/** Runs `npm run seed` against the desk just started; its output goes to this terminal. */
function seedDemoDesk(gatewayPort: number): Promise<void> {
  const cli = join(repositoryRoot, 'gateway', 'dist', 'src', 'seed', 'seed-cli.js');
  const child = spawn(process.execPath, [cli, '--url', `http://localhost:${gatewayPort}/graphql`], {
    stdio: 'inherit',
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`the demo seed failed (exit code ${code}); see above`)),
    );
  });
}

runCli(async () => {
  const { launcher: config, runtime } = loadLauncherConfig();
  const log = (message: string) => process.stdout.write(`deskgraph: ${message}\n`);
  const subgraphPorts = Object.fromEntries(
    SUBGRAPH_NAMES.map((name, index) => [name, config.subgraphBasePort + index]),
  ) as Record<(typeof SUBGRAPH_NAMES)[number], number>;
  for (const port of [config.gatewayPort, ...Object.values(subgraphPorts)]) {
    await assertPortFree(port, 'Stop what uses it, or set GATEWAY_PORT / SUBGRAPH_BASE_PORT.');
  }
  if (config.smtpPort !== 0) {
    await assertPortFree(
      config.smtpPort,
      'Stop what uses it, or set SMTP_PORT for the channels mail listener.',
    );
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
      // The user's settings (REDIS_URL, SMTP_PORT, JWT_SECRET, ...) reach every process.
      inheritedEnv: readProcessEnvironment(),
      env: { NODE_ENV: runtime.nodeEnv, LOG_LEVEL: runtime.logLevel },
    });
    stopStack = stack.stop;
    log('');
    log(
      `ready: http://localhost:${config.gatewayPort}/graphql (queries, mutations and graphql-ws subscriptions)`,
    );
    log(`logs:  ${join(config.home, 'logs')}`);
    if (config.smtpPort !== 0) log(`mail:  SMTP listener on port ${config.smtpPort} (channels)`);
    log('token: npm run token -- --role supervisor --queues general');
    if (flags.demo) {
      log('seeding the demo desk (npm run seed; nothing changes when it is already there)');
      // A failed seed leaves the desk running: `npm run seed` tries again and skips what is there.
      await seedDemoDesk(config.gatewayPort).catch((error: Error) =>
        log(`${error.message}; the desk keeps running, retry with npm run seed`),
      );
    } else {
      log('demo data: npm run seed (or start with npm start -- --demo)');
    }
    log('Ctrl-C stops everything started here.');
  } catch (error) {
    await stopStack?.();
    await infrastructure.stop();
    throw error;
  }
});
