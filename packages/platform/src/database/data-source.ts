import { DataSource, type EntitySchema, type MixedList } from 'typeorm';
import type { DatabaseConfig } from '../config/models';

export interface ServiceDataSourceOptions {
  database: DatabaseConfig;
  /** The Postgres schema this service owns; no other service reads it. */
  schema: string;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  entities: MixedList<Function | string | EntitySchema>;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  migrations: MixedList<Function | string>;
  applicationName: string;
  /** Session settings of every connection (e.g. `{ jit: 'off' }`), set at connect time. */
  settings?: Record<string, string>;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 30_000;

export function createServiceDataSource(options: ServiceDataSourceOptions): DataSource {
  return new DataSource({
    type: 'postgres',
    url: options.database.url,
    schema: options.schema,
    entities: options.entities,
    migrations: options.migrations,
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    logging: false,
    applicationName: options.applicationName,
    // search_path makes raw SQL (outbox, migrations) land in the service's own schema.
    extra: {
      max: options.database.poolSize,
      // Without it node-postgres waits forever for a connection: a hung server or an exhausted
      // pool would hold requests instead of answering SERVICE_UNAVAILABLE.
      connectionTimeoutMillis: options.database.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
      options: [
        `-c search_path=${options.schema},public`,
        ...Object.entries(options.settings ?? {}).map(([name, value]) => `-c ${name}=${value}`),
      ].join(' '),
    },
  });
}

/** Creates the schema if needed and applies pending migrations; used by the migrate command. */
export async function migrateDataSource(dataSource: DataSource, schema: string): Promise<string[]> {
  const bootstrap = new DataSource({
    type: 'postgres',
    url: (dataSource.options as { url: string }).url,
  });
  await bootstrap.initialize();
  try {
    await bootstrap.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
  } finally {
    await bootstrap.destroy();
  }
  const ownsConnection = !dataSource.isInitialized;
  if (ownsConnection) await dataSource.initialize();
  try {
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return applied.map((migration) => migration.name);
  } finally {
    if (ownsConnection) await dataSource.destroy();
  }
}
