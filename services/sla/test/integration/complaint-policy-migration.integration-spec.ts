import { ComplaintAnswerPolicy1764000000000 } from '../../src/database/migrations/1764000000000-complaint-answer-policy';
import { DEFAULT_POLICY } from '../../src/policy/sla-policy';
import { startSlaDatabase, type SlaDatabase } from './sla-database';

// The migration that maps "complaints answered within 48 h" to a first-response
// target must append a version on databases seeded with the old rule, and
// leave alone fresh databases and policies an admin already replaced.

interface PolicyRow {
  version: number;
  created_by: string;
  definition: typeof DEFAULT_POLICY;
}

describe('the complaint-answer policy migration', () => {
  let db: SlaDatabase;
  const migration = new ComplaintAnswerPolicy1764000000000();
  const runUp = async () => {
    const runner = db.dataSource.createQueryRunner();
    try {
      await migration.up(runner);
    } finally {
      await runner.release();
    }
  };
  const policies = (): Promise<PolicyRow[]> =>
    db.dataSource.query(
      `SELECT version, created_by, definition FROM policies WHERE id = 'default' ORDER BY version`,
    );

  beforeAll(async () => {
    db = await startSlaDatabase();
  }, 60_000);

  afterAll(async () => {
    await db?.stop();
  });

  it('should add nothing to a fresh database, whose seeded policy already has the rule', async () => {
    expect((await policies()).map((row) => row.version)).toEqual([1]);
  });

  it('should append a first-response complaint rule as a new version when the seeded policy resolves complaints instead', async () => {
    const oldRules = DEFAULT_POLICY.rules.map((rule) =>
      rule.ticketType === 'COMPLAINT' ? { ...rule, target: 'RESOLUTION' as const } : rule,
    );
    await db.dataSource.query(`UPDATE policies SET definition = $1 WHERE id = 'default' AND version = 1`, [
      JSON.stringify({ ...DEFAULT_POLICY, rules: oldRules }),
    ]);

    await runUp();
    await runUp();

    const rows = await policies();
    expect(rows.map((row) => [row.version, row.created_by])).toEqual([
      [1, 'migration'],
      [2, 'migration'],
    ]);
    expect(rows[1].definition.rules.find((rule) => rule.ticketType === 'COMPLAINT')).toEqual({
      target: 'FIRST_RESPONSE',
      ticketType: 'COMPLAINT',
      minutes: 48 * 60,
      businessTime: false,
    });
    // The rest is the handbook policy: 4 priorities × 3 targets, plus the complaint rule.
    expect(rows[1].definition.rules).toHaveLength(13);
    expect(rows[1].definition.rules).toContainEqual({
      target: 'FIRST_RESPONSE',
      priority: 'P2',
      minutes: 240,
      businessTime: true,
    });
  });

  it('should leave a policy an admin already replaced alone', async () => {
    await db.dataSource.query(
      `INSERT INTO policies (id, version, effective_from, definition, created_by) VALUES ('default', 3, now(), $1, 'admin-1')`,
      [JSON.stringify({ ...DEFAULT_POLICY, rules: DEFAULT_POLICY.rules.filter((rule) => !rule.ticketType) })],
    );

    await runUp();

    expect((await policies()).map((row) => row.version)).toEqual([1, 2, 3]);
  });
});
