import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { parseEnvironment, databaseModel } from '@deskgraph/platform';
import { dropDatabase, ensureDatabase, runMigrations, splitDatabaseUrl, SUBGRAPH_NAMES } from '../../src';

// Every commit that fires a NOTIFY takes PostgreSQL's cluster-wide notify lock, so
// no service's outbox may keep the trigger the first four services started with,
// including services added after the relay learned to wake in process.
describe('outbox after all migrations', () => {
  const serverUrl = splitDatabaseUrl(parseEnvironment({ database: databaseModel }).database.url).serverUrl;
  const databaseName = `notify_check_${randomBytes(4).toString('hex')}`;

  afterAll(() => dropDatabase(serverUrl, databaseName));

  it('should leave no NOTIFY trigger on any service outbox', async () => {
    const url = await ensureDatabase(serverUrl, databaseName);
    runMigrations(url);
    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      const outboxes = await client.query(
        `SELECT table_schema FROM information_schema.tables WHERE table_name = 'outbox' ORDER BY 1`,
      );
      expect(outboxes.rows.map((row) => row.table_schema)).toEqual([...SUBGRAPH_NAMES].sort());
      const triggers = await client.query(
        `SELECT event_object_schema FROM information_schema.triggers WHERE event_object_table = 'outbox'`,
      );
      expect(triggers.rows).toEqual([]);
    } finally {
      await client.end();
    }
  }, 120_000);
});
