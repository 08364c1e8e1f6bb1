import type { DataSource } from 'typeorm';

/**
 * Reverts migrations newest first until `name` has been reverted, so a test of
 * one migration's `down` does not depend on how many were added after it.
 */
export async function undoMigrationsThrough(dataSource: DataSource, name: string): Promise<void> {
  for (;;) {
    const [last]: { name: string }[] = await dataSource.query(
      `SELECT name FROM migrations ORDER BY timestamp DESC, id DESC LIMIT 1`,
    );
    if (!last) throw new Error(`migration ${name} is not applied`);
    await dataSource.undoLastMigration({ transaction: 'each' });
    if (last.name === name) return;
  }
}
