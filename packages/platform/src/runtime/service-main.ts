import type { DataSource } from 'typeorm';
import { parseEnvironmentOrExit } from '../config/environment';
import { databaseModel, runtimeModel, type DatabaseConfig } from '../config/models';
import { migrateDataSource } from '../database/data-source';
import { createLogger } from '../logging/logger';
import { startService, stopOnSignals, type ServiceConfig, type ServiceDefinition } from './service-runtime';

/** A service's `main.ts`: start it, stop it on SIGTERM/SIGINT, exit 1 if it cannot start. */
export function runServiceMain<TServices extends object>(
  definition: ServiceDefinition<TServices>,
  config: ServiceConfig,
): void {
  startService(definition, config).then(
    (service) => stopOnSignals(service.stop, service.dependencies.logger),
    (error) => {
      createLogger(definition.name, 'error').fatal(
        { err: error },
        `${definition.name} service failed to start`,
      );
      process.exit(1);
    },
  );
}

/** A service's `migrate.ts`: apply pending migrations to DATABASE_URL and exit. */
export function runMigrationCommand(
  schema: string,
  createDataSource: (database: DatabaseConfig) => DataSource,
): void {
  const { runtime, database } = parseEnvironmentOrExit({ runtime: runtimeModel, database: databaseModel });
  const logger = createLogger(`${schema}-migrate`, runtime.logLevel);
  migrateDataSource(createDataSource(database), schema).then(
    (applied) => logger.info({ applied }, 'migrations applied'),
    (error) => {
      logger.error({ err: error }, 'migration failed');
      process.exit(1);
    },
  );
}
