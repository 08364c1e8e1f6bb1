import { randomBytes } from 'node:crypto';
import { databaseModel, parseEnvironment } from '@deskgraph/platform';
import { Client } from 'pg';
import {
  dropDatabase,
  ensureDatabaseReachable,
  splitDatabaseUrl,
} from '../../src/postgres/embedded-postgres';

async function databaseExists(serverUrl: string, database: string): Promise<boolean> {
  const client = new Client({ connectionString: `${serverUrl}/postgres` });
  await client.connect();
  try {
    return (await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database])).rowCount === 1;
  } finally {
    await client.end();
  }
}

describe('DATABASE_URL naming a database that does not exist yet', () => {
  const { database } = parseEnvironment({ database: databaseModel });
  const { serverUrl } = splitDatabaseUrl(database.url);

  it('should create the database, so a first npm start on an existing server migrates', async () => {
    const name = `deskgraph_new_${randomBytes(3).toString('hex')}`;
    try {
      await ensureDatabaseReachable(`${serverUrl}/${name}`);

      expect(await databaseExists(serverUrl, name)).toBe(true);
      await ensureDatabaseReachable(`${serverUrl}/${name}`); // and leave an existing one as it is
    } finally {
      await dropDatabase(serverUrl, name);
    }
  });

  it('should say in one line to run createdb when the user may not create databases', async () => {
    const suffix = randomBytes(3).toString('hex');
    const role = `deskgraph_nocreate_${suffix}`;
    const admin = new Client({ connectionString: `${serverUrl}/postgres` });
    await admin.connect();
    // A password, for servers that ask for one (the embedded server CI runs does; a trust server ignores it).
    const password = randomBytes(12).toString('hex');
    await admin.query(`CREATE ROLE ${role} LOGIN NOCREATEDB PASSWORD '${password}'`);
    try {
      const url = new URL(`${serverUrl}/deskgraph_missing_${suffix}`);
      url.username = role;
      url.password = password;

      await expect(ensureDatabaseReachable(url.toString())).rejects.toThrow(
        `Database "deskgraph_missing_${suffix}" of DATABASE_URL does not exist and could not be created (permission denied to create database). Create it with: createdb deskgraph_missing_${suffix}`,
      );
    } finally {
      await admin.query(`DROP ROLE ${role}`);
      await admin.end();
    }
  });
});
