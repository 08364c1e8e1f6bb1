import type { MigrationInterface, QueryRunner } from '@deskgraph/platform';
import { DEFAULT_CLASSIFICATION_RULES } from '../../classification/classification-rules';

/**
 * Keyword classification rules become data admins edit through the graph,
 * seeded with the handbook's starting rules; customers get a preferred
 * channel that public replies go out through.
 */
export class ClassificationRules1764010000000 implements MigrationInterface {
  name = 'ClassificationRules1764010000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "tickets"."classification_rules" (
        "id" TEXT PRIMARY KEY,
        "position" INTEGER NOT NULL,
        "keywords" TEXT[] NOT NULL,
        "type" TEXT,
        "category" TEXT,
        "priority" TEXT,
        "weight" INTEGER NOT NULL DEFAULT 1
      )`);
    for (const [position, rule] of DEFAULT_CLASSIFICATION_RULES.entries()) {
      await queryRunner.query(
        `INSERT INTO "tickets"."classification_rules" ("id", "position", "keywords", "type", "category", "priority", "weight")
         VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [
          rule.id,
          position,
          rule.keywords,
          rule.type ?? null,
          rule.category ?? null,
          rule.priority ?? null,
          rule.weight ?? 1,
        ],
      );
    }
    await queryRunner.query(`ALTER TABLE "tickets"."tickets" ADD COLUMN "customer_preferred_channel" TEXT`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "tickets"."tickets" DROP COLUMN "customer_preferred_channel"`);
    await queryRunner.query(`DROP TABLE "tickets"."classification_rules"`);
  }
}
