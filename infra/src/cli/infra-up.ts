import { join } from 'node:path';
import { loadLauncherConfig } from '../environment';
import { startInfrastructure } from '../stack/infrastructure';
import { ensureAllTopics } from '../stack/topics';
import { runCli } from './run-cli';

// `npm run infra:up`: only PostgreSQL and Kafka, for running jest or one
// service by hand; prints the variables to export.
runCli(async () => {
  const { launcher: config } = loadLauncherConfig();
  const log = (message: string) => process.stdout.write(`infra: ${message}\n`);
  const infrastructure = await startInfrastructure({
    config,
    workDir: join(config.home, 'infra'),
    persistent: true,
    anyFreePort: false,
    database: 'deskgraph',
    log,
  });
  await ensureAllTopics(infrastructure.kafkaBrokers, config.namespace);
  log('up; in another shell:');
  process.stdout.write(`  export DATABASE_URL=${infrastructure.databaseUrl}\n`);
  process.stdout.write(`  export KAFKA_BROKERS=${infrastructure.kafkaBrokers}\n`);
  log('Ctrl-C stops them.');
  const stop = () => void infrastructure.stop().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
});
