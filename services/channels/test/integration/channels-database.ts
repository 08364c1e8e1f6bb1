import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { dropDatabase, ensureDatabase, splitDatabaseUrl } from '@deskgraph/infra';
import { databaseModel, migrateDataSource, parseEnvironment } from '@deskgraph/platform';
import { createChannelsDataSource, CHANNELS_SCHEMA } from '../../src/database/data-source';

/** A fresh, migrated channels database of the test run's PostgreSQL, for tests without a broker. */
export interface ChannelsDatabase {
  dataSource: DataSource;
  /** A plain connection for the test's own reads and setup. */
  client: Client;
  close(): Promise<void>;
}

export async function openChannelsDatabase(prefix: string): Promise<ChannelsDatabase> {
  const { database } = parseEnvironment({ database: databaseModel });
  const { serverUrl } = splitDatabaseUrl(database.url);
  const databaseName = `deskgraph_${prefix}_${randomBytes(4).toString('hex')}`;
  const url = await ensureDatabase(serverUrl, databaseName);
  const dataSource = createChannelsDataSource({ url, poolSize: 4 });
  await migrateDataSource(dataSource, CHANNELS_SCHEMA);
  await dataSource.initialize();
  const client = new Client({ connectionString: url });
  await client.connect();
  return {
    dataSource,
    client,
    async close() {
      await client.end();
      await dataSource.destroy();
      await dropDatabase(serverUrl, databaseName);
    },
  };
}
