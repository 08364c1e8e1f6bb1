import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { readProcessEnvironment } from '@deskgraph/platform';
import { loadLauncherConfig } from '../environment';
import { startLocalRedis } from '../redis/local-redis';
import { startInfrastructure } from '../stack/infrastructure';
import { freePort } from '../stack/process-utils';
import { runCli } from './run-cli';

// `npm test`: runs a command (jest) with PostgreSQL, Kafka and Redis available,
// starting throwaway ones when DATABASE_URL / KAFKA_BROKERS / REDIS_URL are not given.
/** Kills what is left of the command's process group; says so, since it means a test leaked a process. */
function stopProcessGroup(pid: number | undefined, log: (message: string) => void): void {
  if (!pid) return;
  try {
    process.kill(-pid, 0);
  } catch {
    return; // the group is empty
  }
  log('stopping processes the command left running');
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // gone meanwhile
  }
}

runCli(async () => {
  const separator = process.argv.indexOf('--');
  const command = process.argv.slice(separator >= 0 ? separator + 1 : 2);
  if (command.length === 0) throw new Error('usage: with-infra -- <command> [args…]');
  const { launcher: config } = loadLauncherConfig();
  // stderr, so the test runner's closing lines stay the last lines of stdout.
  const log = (message: string) => process.stderr.write(`with-infra: ${message}\n`);
  const infrastructure = await startInfrastructure({
    config,
    workDir: join(config.home, `test-infra-${process.pid}`),
    persistent: false,
    anyFreePort: true,
    database: 'deskgraph_test',
    log,
  });
  const redis = config.redisUrl
    ? null
    : await startLocalRedis(await freePort()).catch(async (error: unknown) => {
        await infrastructure.stop();
        throw error;
      });
  if (redis) log(`started redis-server at ${redis.url}`);
  // Its own process group, so whatever it leaves running (a test's service
  // processes after a crash) can be stopped with it below.
  const child = spawn(command[0], command.slice(1), {
    stdio: 'inherit',
    detached: true,
    env: {
      ...readProcessEnvironment(),
      DATABASE_URL: infrastructure.databaseUrl,
      KAFKA_BROKERS: infrastructure.kafkaBrokers,
      REDIS_URL: config.redisUrl ?? redis!.url,
    },
  });
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  const code = await new Promise<number>((resolve) =>
    child.once('exit', (exitCode) => resolve(exitCode ?? 1)),
  );
  stopProcessGroup(child.pid, log);
  await redis?.stop();
  await infrastructure.stop();
  process.exit(code);
});
