import type { MigrationInterface, QueryRunner } from '@deskgraph/platform';

// Frozen copy of the handbook policy as of this migration: a migration must
// not change meaning when DEFAULT_POLICY evolves.
const response = (priority: string, minutes: number, businessTime: boolean) =>
  ['FIRST_RESPONSE', 'NEXT_RESPONSE'].map((target) => ({ target, priority, minutes, businessTime }));
const HANDBOOK_POLICY = {
  calendarId: 'default',
  warningShare: 0.8,
  rules: [
    ...response('P0', 15, false),
    ...response('P1', 60, false),
    ...response('P2', 240, true),
    ...response('P3', 1440, true),
    { target: 'RESOLUTION', priority: 'P0', minutes: 240, businessTime: false },
    { target: 'RESOLUTION', priority: 'P1', minutes: 1440, businessTime: false },
    { target: 'RESOLUTION', priority: 'P2', minutes: 1440, businessTime: true },
    { target: 'RESOLUTION', priority: 'P3', minutes: 2880, businessTime: true },
    { target: 'FIRST_RESPONSE', ticketType: 'COMPLAINT', minutes: 2880, businessTime: false },
  ],
};

/**
 * "Complaints answered within 48 h" is a first-response target, not a
 * resolution target. Appended as a new policy version effective now, so
 * clocks already started keep the version they were measured under; skipped
 * when an admin has already replaced the seeded policy.
 */
export class ComplaintAnswerPolicy1764000000000 implements MigrationInterface {
  name = 'ComplaintAnswerPolicy1764000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const [latest] = await queryRunner.query(
      `SELECT version, created_by, definition FROM "sla"."policies" WHERE id = 'default' ORDER BY version DESC LIMIT 1`,
    );
    if (!latest || latest.created_by !== 'migration') return;
    const seeded = latest.definition as { rules: { target: string; ticketType?: string }[] };
    const complaintRule = seeded.rules.find((rule) => rule.ticketType === 'COMPLAINT');
    if (complaintRule?.target === 'FIRST_RESPONSE') return;
    await queryRunner.query(
      `INSERT INTO "sla"."policies" ("id", "version", "effective_from", "definition", "created_by")
       VALUES ('default', $1, now(), $2, 'migration')`,
      [latest.version + 1, JSON.stringify(HANDBOOK_POLICY)],
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `DELETE FROM "sla"."policies" WHERE id = 'default' AND created_by = 'migration' AND version > 1
         AND definition @> '{"rules": [{"target": "FIRST_RESPONSE", "ticketType": "COMPLAINT"}]}'`,
    );
  }
}
