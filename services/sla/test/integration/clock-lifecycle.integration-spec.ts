import { remainingMs } from '../../src/clock/clock-math';
import { createTimerScheduler } from '../../src/timer/timer-scheduler';
import { logger, startSlaDatabase, ticketEvents, type SlaDatabase } from './sla-database';

// Each clock rule of the SLA engine, driven by ticket events through
// applyTicketEvent on real PostgreSQL (no broker needed to prove the rules).

const MINUTE = 60_000;
const iso = (value: string) => new Date(value).toISOString();

describe('sla clock lifecycle driven by ticket events', () => {
  let db: SlaDatabase;

  beforeAll(async () => {
    db = await startSlaDatabase();
  }, 60_000);

  afterAll(async () => {
    await db?.stop();
  });

  it('should start first-response and resolution clocks with their timers when a ticket is created', async () => {
    const ticket = ticketEvents();
    expect(await db.apply(ticket.created('2027-03-01T10:00:00Z', 'P0'))).toBe('applied');

    const first = await db.clock(ticket.ticketId, 'FIRST_RESPONSE');
    const resolution = await db.clock(ticket.ticketId, 'RESOLUTION');
    expect(first).toMatchObject({ state: 'RUNNING', cycle: 1, businessTime: false, targetMs: 15 * MINUTE });
    expect(first.dueAt).toEqual(new Date('2027-03-01T10:15:00Z'));
    expect(first.warningAt).toEqual(new Date('2027-03-01T10:12:00Z'));
    expect(resolution.dueAt).toEqual(new Date('2027-03-01T14:00:00Z'));
    expect((await db.pendingTimers(first.id)).map((timer) => [timer.kind, timer.fire_at])).toEqual([
      ['WARNING', new Date('2027-03-01T10:12:00Z')],
      ['BREACH', new Date('2027-03-01T10:15:00Z')],
    ]);
    const events = await db.events(ticket.ticketId);
    expect(events.map((event) => [event.type, event.data.target])).toEqual([
      ['started', 'FIRST_RESPONSE'],
      ['started', 'RESOLUTION'],
    ]);
  });

  it('should pause with a typed reason and move the due time by exactly the pause when the status leaves the wait', async () => {
    const ticket = ticketEvents();
    await db.apply(ticket.created('2027-03-01T10:00:00Z', 'P1'));
    await db.apply(ticket.status(2, '2027-03-01T10:10:00Z', 'NEW', 'PENDING_THIRD_PARTY'));

    const paused = await db.clock(ticket.ticketId, 'FIRST_RESPONSE');
    expect(paused.state).toBe('PAUSED');
    expect(paused.dueAt).toBeNull();
    expect(await db.pendingTimers(paused.id)).toEqual([]);

    await db.apply(ticket.status(3, '2027-03-01T10:40:00Z', 'PENDING_THIRD_PARTY', 'IN_PROGRESS'));
    const resumed = await db.clock(ticket.ticketId, 'FIRST_RESPONSE');
    expect(resumed.state).toBe('RUNNING');
    // 60 min target, 30 min paused: 11:00 → 11:30; the warning at 48 counted minutes → 11:18.
    expect(resumed.dueAt).toEqual(new Date('2027-03-01T11:30:00Z'));
    expect((await db.pendingTimers(resumed.id)).map((timer) => timer.fire_at)).toEqual([
      new Date('2027-03-01T11:18:00Z'),
      new Date('2027-03-01T11:30:00Z'),
    ]);
    expect(resumed.pauses).toEqual([
      {
        from: iso('2027-03-01T10:10:00Z'),
        to: iso('2027-03-01T10:40:00Z'),
        reason: 'WAITING_ON_THIRD_PARTY',
      },
    ]);
    const events = (await db.events(ticket.ticketId)).filter(
      (event) => event.data.target === 'FIRST_RESPONSE',
    );
    expect(events.map((event) => event.type)).toEqual(['started', 'paused', 'resumed']);
    expect(events[1].data.reason).toBe('WAITING_ON_THIRD_PARTY');
    expect(events[2].data).toMatchObject({ pausedMs: 30 * MINUTE, dueAt: iso('2027-03-01T11:30:00Z') });
  });

  it('should keep each pause reason when a ticket moves from waiting on the customer to waiting on a third party', async () => {
    const ticket = ticketEvents();
    await db.apply(ticket.created('2027-03-01T10:00:00Z', 'P1'));
    await db.apply(ticket.status(2, '2027-03-01T10:10:00Z', 'IN_PROGRESS', 'PENDING_CUSTOMER'));
    await db.apply(ticket.status(3, '2027-03-01T10:20:00Z', 'PENDING_CUSTOMER', 'PENDING_THIRD_PARTY'));
    await db.apply(ticket.status(4, '2027-03-01T10:30:00Z', 'PENDING_THIRD_PARTY', 'IN_PROGRESS'));

    const clock = await db.clock(ticket.ticketId, 'FIRST_RESPONSE');
    expect(clock.pauses.map((pause) => pause.reason)).toEqual([
      'WAITING_ON_CUSTOMER',
      'WAITING_ON_THIRD_PARTY',
    ]);
    expect(clock.dueAt).toEqual(new Date('2027-03-01T11:20:00Z'));
  });

  it('should resume clocks waiting on the customer when the customer replies, but not those waiting on a third party', async () => {
    const customerWait = ticketEvents();
    await db.apply(customerWait.created('2027-03-01T10:00:00Z', 'P1'));
    await db.apply(customerWait.status(2, '2027-03-01T10:10:00Z', 'IN_PROGRESS', 'PENDING_CUSTOMER'));
    await db.apply(customerWait.reply(3, '2027-03-01T10:25:00Z', 'CUSTOMER'));

    const resumed = await db.clock(customerWait.ticketId, 'FIRST_RESPONSE');
    expect(resumed.state).toBe('RUNNING');
    expect(resumed.dueAt).toEqual(new Date('2027-03-01T11:15:00Z'));
    // The status change the tickets service sends with the reply changes nothing more.
    await db.apply(customerWait.status(3, '2027-03-01T10:25:00Z', 'PENDING_CUSTOMER', 'IN_PROGRESS'));
    const after = await db.clock(customerWait.ticketId, 'FIRST_RESPONSE');
    expect(after.dueAt).toEqual(new Date('2027-03-01T11:15:00Z'));
    expect(after.pauses).toHaveLength(1);

    const thirdPartyWait = ticketEvents();
    await db.apply(thirdPartyWait.created('2027-03-01T10:00:00Z', 'P1'));
    await db.apply(thirdPartyWait.status(2, '2027-03-01T10:10:00Z', 'IN_PROGRESS', 'PENDING_THIRD_PARTY'));
    await db.apply(thirdPartyWait.reply(3, '2027-03-01T10:25:00Z', 'CUSTOMER'));
    expect((await db.clock(thirdPartyWait.ticketId, 'FIRST_RESPONSE')).state).toBe('PAUSED');
  });

  it('should fulfil the first response on a public agent reply only, and run a next-response cycle per unanswered customer message', async () => {
    const ticket = ticketEvents();
    await db.apply(ticket.created('2027-03-01T10:00:00Z', 'P1'));
    await db.apply(ticket.reply(2, '2027-03-01T10:05:00Z', 'AGENT', 'INTERNAL'));
    expect((await db.clock(ticket.ticketId, 'FIRST_RESPONSE')).state).toBe('RUNNING');

    await db.apply(ticket.reply(3, '2027-03-01T10:20:00Z', 'AGENT'));
    const first = await db.clock(ticket.ticketId, 'FIRST_RESPONSE');
    expect(first).toMatchObject({ state: 'FULFILLED', fulfilledAt: new Date('2027-03-01T10:20:00Z') });
    expect(await db.pendingTimers(first.id)).toEqual([]);

    await db.apply(ticket.reply(4, '2027-03-01T10:30:00Z', 'CUSTOMER'));
    await db.apply(ticket.reply(5, '2027-03-01T10:45:00Z', 'CUSTOMER'));
    // The oldest unanswered message sets the due time.
    const next = await db.clock(ticket.ticketId, 'NEXT_RESPONSE');
    expect(next).toMatchObject({ state: 'RUNNING', cycle: 1, dueAt: new Date('2027-03-01T11:30:00Z') });

    await db.apply(ticket.reply(6, '2027-03-01T11:00:00Z', 'AGENT'));
    expect((await db.clock(ticket.ticketId, 'NEXT_RESPONSE')).state).toBe('FULFILLED');
    await db.apply(ticket.reply(7, '2027-03-01T11:10:00Z', 'CUSTOMER'));
    expect(await db.clock(ticket.ticketId, 'NEXT_RESPONSE')).toMatchObject({
      state: 'RUNNING',
      cycle: 2,
      startedAt: new Date('2027-03-01T11:10:00Z'),
      dueAt: new Date('2027-03-01T12:10:00Z'),
    });

    const fulfilled = (await db.events(ticket.ticketId)).filter((event) => event.type === 'fulfilled');
    expect(fulfilled.map((event) => [event.data.target, event.data.elapsedMs, event.data.breached])).toEqual([
      ['FIRST_RESPONSE', 20 * MINUTE, false],
      ['NEXT_RESPONSE', 30 * MINUTE, false],
    ]);
  });

  it('should fulfil resolution on resolve, restart it on reopen and stop every open clock on close', async () => {
    const ticket = ticketEvents();
    await db.apply(ticket.created('2027-03-01T10:00:00Z', 'P1'));
    await db.apply(ticket.reply(2, '2027-03-01T10:10:00Z', 'AGENT'));
    await db.apply(ticket.reply(3, '2027-03-01T10:20:00Z', 'CUSTOMER'));
    await db.apply(ticket.status(4, '2027-03-01T10:30:00Z', 'IN_PROGRESS', 'RESOLVED'));

    expect(await db.clock(ticket.ticketId, 'RESOLUTION')).toMatchObject({
      state: 'FULFILLED',
      fulfilledAt: new Date('2027-03-01T10:30:00Z'),
    });
    expect((await db.clock(ticket.ticketId, 'NEXT_RESPONSE')).state).toBe('STOPPED');

    await db.apply(ticket.status(5, '2027-03-01T11:00:00Z', 'RESOLVED', 'IN_PROGRESS', true));
    const reopened = await db.clock(ticket.ticketId, 'RESOLUTION');
    expect(reopened).toMatchObject({
      state: 'RUNNING',
      cycle: 2,
      startedAt: new Date('2027-03-01T11:00:00Z'),
      dueAt: new Date('2027-03-02T11:00:00Z'),
    });

    await db.apply(ticket.status(6, '2027-03-01T12:00:00Z', 'IN_PROGRESS', 'CLOSED'));
    const closed = await db.clock(ticket.ticketId, 'RESOLUTION');
    expect(closed).toMatchObject({ state: 'STOPPED', stoppedAt: new Date('2027-03-01T12:00:00Z') });
    expect(await db.pendingTimers(closed.id)).toEqual([]);
    const types = (await db.events(ticket.ticketId)).map((event) => `${event.type}:${event.data.target}`);
    expect(types.slice(-2)).toEqual(['started:RESOLUTION', 'stopped:RESOLUTION']);
  });

  it('should meet an open first response when the ticket is resolved without a reply, so it can never breach afterwards', async () => {
    const ticket = ticketEvents();
    await db.apply(ticket.created('2027-03-01T10:00:00Z', 'P1'));
    await db.apply(ticket.status(2, '2027-03-01T10:30:00Z', 'IN_PROGRESS', 'RESOLVED'));

    const first = await db.clock(ticket.ticketId, 'FIRST_RESPONSE');
    expect(first.state).toBe('FULFILLED');
    expect(await db.pendingTimers(first.id)).toEqual([]);
  });

  it('should recompute due times from the start under the new target when the priority changes', async () => {
    const ticket = ticketEvents();
    await db.apply(ticket.created('2027-03-01T10:00:00Z', 'P1'));
    await db.apply(ticket.classified(2, '2027-03-01T10:05:00Z', 'P0', 'P1'));

    const p0 = await db.clock(ticket.ticketId, 'FIRST_RESPONSE');
    expect(p0).toMatchObject({
      priority: 'P0',
      targetMs: 15 * MINUTE,
      dueAt: new Date('2027-03-01T10:15:00Z'),
    });
    expect((await db.pendingTimers(p0.id)).map((timer) => timer.fire_at)).toEqual([
      new Date('2027-03-01T10:12:00Z'),
      new Date('2027-03-01T10:15:00Z'),
    ]);
    expect((await db.clock(ticket.ticketId, 'RESOLUTION')).dueAt).toEqual(new Date('2027-03-01T14:00:00Z'));

    // P2 counts business hours: Monday 18:00 in Shanghai + 4 working hours = Tuesday 14:30 (after lunch).
    await db.apply(ticket.classified(3, '2027-03-01T10:10:00Z', 'P2', 'P0'));
    expect(await db.clock(ticket.ticketId, 'FIRST_RESPONSE')).toMatchObject({
      businessTime: true,
      dueAt: new Date('2027-03-02T14:30:00+08:00'),
    });
    const recomputed = (await db.events(ticket.ticketId)).filter(
      (event) => event.type === 'recomputed' && event.data.target === 'FIRST_RESPONSE',
    );
    expect(recomputed.map((event) => [event.data.previousDueAt, event.data.dueAt])).toEqual([
      [iso('2027-03-01T11:00:00Z'), iso('2027-03-01T10:15:00Z')],
      [iso('2027-03-01T10:15:00Z'), iso('2027-03-02T14:30:00+08:00')],
    ]);
  });

  it("should answer a complaint within 48 clock hours when the priority's business-hour target runs longer", async () => {
    // Friday 17:00 in Shanghai: 24 working hours would end next Thursday.
    const complaint = ticketEvents();
    await db.apply(complaint.created('2027-03-05T17:00:00+08:00', 'P3', { type: 'COMPLAINT' }));
    expect(await db.clock(complaint.ticketId, 'FIRST_RESPONSE')).toMatchObject({
      businessTime: false,
      targetMs: 48 * 60 * MINUTE,
      dueAt: new Date('2027-03-07T17:00:00+08:00'),
    });
    // Resolution follows the priority: 48 working hours.
    expect((await db.clock(complaint.ticketId, 'RESOLUTION')).businessTime).toBe(true);

    const urgent = ticketEvents();
    await db.apply(urgent.created('2027-03-05T17:00:00+08:00', 'P1', { type: 'COMPLAINT' }));
    expect((await db.clock(urgent.ticketId, 'FIRST_RESPONSE')).targetMs).toBe(60 * MINUTE);
  });

  it('should pause a breached clock without adding the wait to how overdue it is, and keep it breached on resume', async () => {
    const ticket = ticketEvents();
    const createdAt = Date.now() - 30 * MINUTE;
    await db.apply(ticket.created(new Date(createdAt).toISOString(), 'P0'));
    await createTimerScheduler(db.dataSource, db.engine, db.outbox, logger).fireDue();
    expect((await db.clock(ticket.ticketId, 'FIRST_RESPONSE')).state).toBe('BREACHED');

    const pausedAt = new Date(createdAt + 20 * MINUTE).toISOString();
    await db.apply(ticket.status(2, pausedAt, 'IN_PROGRESS', 'PENDING_CUSTOMER'));
    // The due time had passed before the wait began, so it stays where it was.
    expect(await db.clock(ticket.ticketId, 'FIRST_RESPONSE')).toMatchObject({
      state: 'PAUSED',
      dueAt: new Date(createdAt + 15 * MINUTE),
    });

    await db.apply(
      ticket.status(3, new Date(createdAt + 25 * MINUTE).toISOString(), 'PENDING_CUSTOMER', 'IN_PROGRESS'),
    );
    const resumed = await db.clock(ticket.ticketId, 'FIRST_RESPONSE');
    expect(resumed.state).toBe('BREACHED');
    // At 30 min, 25 min counted (5 min waiting on the customer excluded): 10 min overdue, not 15.
    expect(remainingMs(db.engine.clockInput(resumed, null), new Date(createdAt + 30 * MINUTE))).toBe(
      -10 * MINUTE,
    );
    expect(await db.pendingTimers(resumed.id)).toEqual([]);
    const breaches = (await db.events(ticket.ticketId)).filter((event) => event.type === 'breached');
    expect(breaches).toHaveLength(1);
  });

  describe('events that cannot be applied as such', () => {
    async function anomalies(kind: string): Promise<number> {
      const [row] = await db.dataSource.query(
        `SELECT coalesce(sum(count), 0)::int AS count FROM anomalies WHERE kind = $1`,
        [kind],
      );
      return row.count;
    }

    it('should count an event for an unknown ticket and invent no clock', async () => {
      const ticket = ticketEvents();
      const before = await anomalies('unknown_ticket');

      expect(await db.apply(ticket.status(4, '2027-03-01T10:00:00Z', 'IN_PROGRESS', 'RESOLVED'))).toBe(
        'ignored',
      );

      expect(await anomalies('unknown_ticket')).toBe(before + 1);
      const [{ count }] = await db.dataSource.query(
        `SELECT count(*)::int AS count FROM clocks WHERE ticket_id = $1`,
        [ticket.ticketId],
      );
      expect(count).toBe(0);
    });

    it('should start clocks normally when a resolve arrived before the create', async () => {
      const ticket = ticketEvents();
      await db.apply(ticket.status(2, '2027-03-01T10:30:00Z', 'IN_PROGRESS', 'RESOLVED'));
      await db.apply(ticket.created('2027-03-01T10:00:00Z', 'P1'));

      expect(await db.clock(ticket.ticketId, 'FIRST_RESPONSE')).toMatchObject({
        state: 'RUNNING',
        cycle: 1,
        dueAt: new Date('2027-03-01T11:00:00Z'),
      });
    });

    it('should count a stale event and leave the clocks as the newer event left them', async () => {
      const ticket = ticketEvents();
      const before = await anomalies('stale_event');
      await db.apply(ticket.created('2027-03-01T10:00:00Z', 'P1'));
      await db.apply(ticket.status(3, '2027-03-01T10:10:00Z', 'IN_PROGRESS', 'PENDING_CUSTOMER'));

      expect(await db.apply(ticket.status(2, '2027-03-01T10:05:00Z', 'NEW', 'IN_PROGRESS'))).toBe('ignored');

      expect(await anomalies('stale_event')).toBe(before + 1);
      expect(await db.clock(ticket.ticketId, 'FIRST_RESPONSE')).toMatchObject({
        state: 'PAUSED',
        dueAt: null,
      });
    });

    it('should count a second create of the same ticket without restarting its clocks', async () => {
      const ticket = ticketEvents();
      const before = await anomalies('duplicate_create');
      await db.apply(ticket.created('2027-03-01T10:00:00Z', 'P1'));

      // Creations are written when their batch ends, so the duplicate shows in the count, not the outcome.
      await db.apply(ticket.created('2027-03-01T12:00:00Z', 'P0'));

      expect(await anomalies('duplicate_create')).toBe(before + 1);
      expect(await db.clock(ticket.ticketId, 'FIRST_RESPONSE')).toMatchObject({
        priority: 'P1',
        cycle: 1,
        startedAt: new Date('2027-03-01T10:00:00Z'),
      });
    });
  });

  describe('seeded history (events marked seedclock)', () => {
    const seeded = <T extends object>(event: T): T => ({ ...event, seedclock: true });
    const fireDue = () => createTimerScheduler(db.dataSource, db.engine, db.outbox, logger).fireDue();

    it('should not breach ahead of a seeded reply that met the due time when the history replays in seconds', async () => {
      const ticket = ticketEvents();
      const createdAt = Date.now() - 3 * 60 * MINUTE;
      await db.apply(seeded(ticket.created(new Date(createdAt).toISOString(), 'P1')));
      // The first response was due two hours ago by the wall clock, but the ticket's own history is not there yet.
      await fireDue();
      expect((await db.clock(ticket.ticketId, 'FIRST_RESPONSE')).state).toBe('RUNNING');

      await db.apply(seeded(ticket.reply(2, new Date(createdAt + 30 * MINUTE).toISOString(), 'AGENT')));
      await fireDue();
      expect(await db.clock(ticket.ticketId, 'FIRST_RESPONSE')).toMatchObject({
        state: 'FULFILLED',
        breachedAt: null,
      });
      const fulfilled = (await db.events(ticket.ticketId)).find(
        (event) => event.type === 'fulfilled' && event.data.target === 'FIRST_RESPONSE',
      );
      expect(fulfilled?.data).toMatchObject({ breached: false, elapsedMs: 30 * MINUTE });
    });

    it('should count a reply after the due time as a breach when its breach timer has not fired yet', async () => {
      const ticket = ticketEvents();
      const createdAt = Date.now() - 3 * 60 * MINUTE;
      await db.apply(seeded(ticket.created(new Date(createdAt).toISOString(), 'P1')));
      await db.apply(seeded(ticket.reply(2, new Date(createdAt + 90 * MINUTE).toISOString(), 'AGENT')));

      expect(await db.clock(ticket.ticketId, 'FIRST_RESPONSE')).toMatchObject({
        state: 'FULFILLED',
        breachedAt: new Date(createdAt + 60 * MINUTE),
      });
      const fulfilled = (await db.events(ticket.ticketId)).find(
        (event) => event.type === 'fulfilled' && event.data.target === 'FIRST_RESPONSE',
      );
      expect(fulfilled?.data).toMatchObject({ breached: true });
    });

    it('should fire the held timers late when the seeded history stops or a live event arrives', async () => {
      const held = ticketEvents();
      const lifted = ticketEvents();
      const createdAt = Date.now() - 3 * 60 * MINUTE;
      await db.apply(seeded(held.created(new Date(createdAt).toISOString(), 'P1')));
      await db.apply(seeded(lifted.created(new Date(createdAt).toISOString(), 'P1')));
      await db.apply(lifted.status(2, new Date().toISOString(), 'NEW', 'IN_PROGRESS'));
      await fireDue();
      expect((await db.clock(held.ticketId, 'FIRST_RESPONSE')).state).toBe('RUNNING');
      expect((await db.clock(lifted.ticketId, 'FIRST_RESPONSE')).state).toBe('BREACHED');

      // The wait ends SEEDED_HOLD_MS after the last seeded event; moved to now instead of sleeping.
      await db.dataSource.query(
        `UPDATE tracked_tickets SET hold_timers_until = now() - interval '1 second' WHERE ticket_id = $1`,
        [held.ticketId],
      );
      await fireDue();
      expect((await db.clock(held.ticketId, 'FIRST_RESPONSE')).state).toBe('BREACHED');
      const breach = (await db.events(held.ticketId)).find((event) => event.type === 'breached');
      expect(breach?.data).toMatchObject({ late: true });
    });
  });
});
