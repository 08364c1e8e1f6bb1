import { loadLauncherConfig } from '../environment';
import { ensureDatabaseReachable } from '../postgres/embedded-postgres';
import { runMigrations } from '../stack/deskgraph-stack';
import { InfrastructureError } from '../stack/process-utils';
import { runCli } from './run-cli';

// `npm run migrate`: applies every service's pending migrations to DATABASE_URL.
runCli(async () => {
  const { launcher } = loadLauncherConfig();
  if (!launcher.databaseUrl) {
    throw new InfrastructureError(
      'Set DATABASE_URL to the database to migrate (npm start migrates its own).',
    );
  }
  await ensureDatabaseReachable(launcher.databaseUrl);
  runMigrations(launcher.databaseUrl);
  process.stdout.write('deskgraph: migrations applied\n');
});
