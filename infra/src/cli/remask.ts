import { REMASK_COLUMN_RULES, remaskStoredText } from '@deskgraph/platform';
import { Client } from 'pg';
import { loadLauncherConfig } from '../environment';
import { InfrastructureError } from '../stack/process-utils';
import { runCli } from './run-cli';

// `npm run privacy:remask`: re-masks the text stored in every service schema
// (and analytics' projection generations) with the current detector. The same
// pass runs once as each service's RemaskStoredText migration; run this after
// a detector change. Idempotent: a second run reports no change.
runCli(async () => {
  const { launcher } = loadLauncherConfig();
  if (!launcher.databaseUrl) {
    throw new InfrastructureError('Set DATABASE_URL to the database whose stored text should be re-masked.');
  }
  const client = new Client({ connectionString: launcher.databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ nspname: string }>(
      `SELECT nspname FROM pg_namespace
        WHERE nspname IN ('tickets', 'sla', 'knowledge', 'analytics', 'channels') OR nspname LIKE 'analytics\\_g%'
        ORDER BY nspname`,
    );
    for (const { nspname: schema } of rows) {
      await client.query('BEGIN');
      const result = await remaskStoredText(
        async (sql, parameters) => (await client.query(sql, parameters)).rows,
        { schema, ...REMASK_COLUMN_RULES[schema] },
      );
      await client.query('COMMIT');
      process.stdout.write(
        `deskgraph: ${schema}: ${result.rowsChanged} rows re-masked ${JSON.stringify(result.columns)}\n`,
      );
    }
  } finally {
    await client.end();
  }
});
