import type { Identity } from '@deskgraph/platform';
import { SlaErrorCode } from '../../src/sla.errors';
import { DEFAULT_POLICY, type TargetRule } from '../../src/policy/sla-policy';
import { startSlaDatabase, ticketEvents, type SlaDatabase } from './sla-database';

// Policies and calendars are versioned with an effective time: a change
// applies to what starts from then on and never moves a deadline or a figure
// already measured. Event times are data, so the tests use fixed future dates.

const ADMIN: Identity = { userId: 'admin-1', roles: ['admin'], queueIds: [], customerId: null };
const AGENT: Identity = { userId: 'a1', roles: ['agent'], queueIds: ['general'], customerId: null };
const MINUTE = 60_000;
const EVERY_DAY = [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({
  weekday,
  shifts: [{ start: '00:00', end: '24:00' }],
}));

describe('sla policy and calendar versions', () => {
  let db: SlaDatabase;

  beforeAll(async () => {
    db = await startSlaDatabase();
  }, 60_000);

  afterAll(async () => {
    await db?.stop();
  });

  it('should apply a new policy from its effective time only, and recompute older clocks under their own version', async () => {
    const before = ticketEvents();
    await db.apply(before.created('2028-06-01T00:00:00Z', 'P1'));
    const measuredUnder = (await db.clock(before.ticketId, 'FIRST_RESPONSE')).policyVersion;

    const rules: TargetRule[] = [
      ...DEFAULT_POLICY.rules.map((rule) =>
        rule.target !== 'RESOLUTION' && rule.priority === 'P0'
          ? { ...rule, minutes: 5 }
          : rule.target !== 'RESOLUTION' && rule.priority === 'P1'
            ? { ...rule, minutes: 30 }
            : rule,
      ),
      { target: 'FIRST_RESPONSE', customerType: 'VIP', minutes: 10, businessTime: false },
    ];
    const version = await db.policies.setPolicy(
      ADMIN,
      { ...DEFAULT_POLICY, rules },
      new Date('2028-06-01T06:00:00Z'),
    );
    expect(version.version).toBe(measuredUnder + 1);

    // A priority change after the effective time still measures the old clock under its version: P0 = 15 min.
    await db.apply(before.classified(2, '2028-06-01T08:00:00Z', 'P0', 'P1'));
    expect(await db.clock(before.ticketId, 'FIRST_RESPONSE')).toMatchObject({
      policyVersion: measuredUnder,
      dueAt: new Date('2028-06-01T00:15:00Z'),
    });
    // A clock that starts after the effective time (a new next-response cycle) uses the new version.
    await db.apply(before.reply(3, '2028-06-01T08:10:00Z', 'AGENT'));
    await db.apply(before.reply(4, '2028-06-01T09:00:00Z', 'CUSTOMER'));
    expect(await db.clock(before.ticketId, 'NEXT_RESPONSE')).toMatchObject({
      policyVersion: version.version,
      targetMs: 5 * MINUTE,
    });

    const after = ticketEvents();
    await db.apply(after.created('2028-06-01T07:00:00Z', 'P1'));
    expect((await db.clock(after.ticketId, 'FIRST_RESPONSE')).targetMs).toBe(30 * MINUTE);
    const vip = ticketEvents();
    await db.apply(vip.created('2028-06-01T07:00:00Z', 'P1', { customerType: 'VIP' }));
    expect((await db.clock(vip.ticketId, 'FIRST_RESPONSE')).targetMs).toBe(10 * MINUTE);
    const tooEarly = ticketEvents();
    await db.apply(tooEarly.created('2028-06-01T05:59:00Z', 'P1', { customerType: 'VIP' }));
    expect((await db.clock(tooEarly.ticketId, 'FIRST_RESPONSE')).targetMs).toBe(60 * MINUTE);
  });

  it("should not move a running clock's due time when a calendar change takes effect while it runs", async () => {
    // Monday 2029-12-31 09:00 in Shanghai; P2 resolution = 24 working hours → Thursday 10:30.
    const running = ticketEvents();
    await db.apply(running.created('2029-12-31T09:00:00+08:00', 'P2'));
    const started = await db.clock(running.ticketId, 'RESOLUTION');
    expect(started.dueAt).toEqual(new Date('2030-01-03T10:30:00+08:00'));

    const changed = await db.policies.setCalendar(
      ADMIN,
      'default',
      { timeZone: 'UTC', weekly: EVERY_DAY, holidays: [], extraWorkingDays: [] },
      new Date('2030-01-01T00:00:00Z'),
    );
    expect(changed.version).toBeGreaterThan(started.calendarVersion!);

    // Paused Wednesday 09:00–11:00 (two working hours) and upgraded to P3, both after the change.
    await db.apply(running.status(2, '2030-01-02T09:00:00+08:00', 'IN_PROGRESS', 'PENDING_CUSTOMER'));
    await db.apply(running.status(3, '2030-01-02T11:00:00+08:00', 'PENDING_CUSTOMER', 'IN_PROGRESS'));
    expect((await db.clock(running.ticketId, 'RESOLUTION')).dueAt).toEqual(
      new Date('2030-01-03T14:00:00+08:00'),
    );
    await db.apply(running.classified(4, '2030-01-02T12:00:00+08:00', 'P3', 'P2'));
    // 48 working hours from Monday 09:00 → next Tuesday 12:00, plus the two paused hours → 15:30.
    expect(await db.clock(running.ticketId, 'RESOLUTION')).toMatchObject({
      calendarVersion: started.calendarVersion,
      dueAt: new Date('2030-01-08T15:30:00+08:00'),
    });

    const later = ticketEvents();
    await db.apply(later.created('2030-01-02T00:00:00Z', 'P2'));
    expect(await db.clock(later.ticketId, 'FIRST_RESPONSE')).toMatchObject({
      calendarVersion: changed.version,
      dueAt: new Date('2030-01-02T04:00:00Z'),
    });
  });

  it('should refuse a policy whose calendar is not yet in force when the policy would be', async () => {
    const future = new Date('2031-01-01T00:00:00Z');
    await db.policies.setCalendar(
      ADMIN,
      'from-2031',
      { timeZone: 'Europe/Berlin', weekly: EVERY_DAY, holidays: [], extraWorkingDays: [] },
      future,
    );
    const policy = { ...DEFAULT_POLICY, calendarId: 'from-2031' };

    await expect(db.policies.setPolicy(ADMIN, policy, null)).rejects.toMatchObject({
      code: SlaErrorCode.InvalidPolicy,
      details: { problems: [{ field: 'calendarId', message: 'unknown calendar "from-2031"' }] },
    });
    await expect(db.policies.setPolicy(ADMIN, policy, future)).resolves.toMatchObject({
      effectiveFrom: future,
    });
  });

  it('should refuse policy and calendar changes from non-admins and changes dated in the past', async () => {
    await expect(db.policies.setPolicy(AGENT, DEFAULT_POLICY, null)).rejects.toMatchObject({
      code: SlaErrorCode.NotAllowed,
    });
    await expect(
      db.policies.setCalendar(
        AGENT,
        'default',
        { timeZone: 'UTC', weekly: EVERY_DAY, holidays: [], extraWorkingDays: [] },
        null,
      ),
    ).rejects.toMatchObject({ code: SlaErrorCode.NotAllowed });
    await expect(
      db.policies.setPolicy(ADMIN, DEFAULT_POLICY, new Date(Date.now() - 3_600_000)),
    ).rejects.toMatchObject({ code: SlaErrorCode.InvalidPolicy });
    const versions = await db.policies.versions(ADMIN, 'policies', 'default');
    expect(versions.map((version) => version.version)).toEqual(versions.map((_, index) => index + 1));
  });
});
