import {
  createPlatformTables,
  dropPlatformTables,
  type MigrationInterface,
  type QueryRunner,
} from '@deskgraph/platform';

export class InitialKnowledge1763856000000 implements MigrationInterface {
  name = 'InitialKnowledge1763856000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await createPlatformTables(queryRunner, 'knowledge', { outboxNotifyTrigger: true });
    await queryRunner.query(`
      CREATE TABLE "knowledge"."articles" (
        "id" UUID PRIMARY KEY,
        "title" TEXT NOT NULL,
        "body" TEXT NOT NULL,
        "locale" TEXT NOT NULL,
        "audience" TEXT NOT NULL,
        "status" TEXT NOT NULL,
        "author_id" TEXT NOT NULL,
        "created_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMPTZ NOT NULL DEFAULT now()
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "knowledge"."articles"`);
    await dropPlatformTables(queryRunner, 'knowledge');
  }
}
