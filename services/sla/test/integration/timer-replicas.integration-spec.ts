import { OutboxWriter } from '@deskgraph/platform';
import { ClockEngine } from '../../src/clock/clock-engine';
import { PolicyStore } from '../../src/policy/policy-store';
import { createTimerScheduler } from '../../src/timer/timer-scheduler';
import { logger, minutesFromNow, startSlaDatabase, ticketEvents, type SlaDatabase } from './sla-database';

// Two replicas of the SLA service share one timers table: SKIP LOCKED must
// make every due warning and breach fire exactly once between them.

const TICKETS = 150;

describe('sla timers shared by two replicas', () => {
  let db: SlaDatabase;

  beforeAll(async () => {
    db = await startSlaDatabase();
  }, 60_000);

  afterAll(async () => {
    await db?.stop();
  });

  it('should fire each due warning and breach exactly once when two schedulers race over them', async () => {
    // P0 tickets created an hour ago: first-response warning and breach are both overdue.
    const ticketIds: string[] = [];
    for (let index = 0; index < TICKETS; index++) {
      const ticket = ticketEvents();
      ticketIds.push(ticket.ticketId);
      await db.apply(ticket.created(minutesFromNow(-60), 'P0'));
    }
    const otherDataSource = await db.openDataSource();
    const otherOutbox = new OutboxWriter('');
    const replicas = [
      createTimerScheduler(db.dataSource, db.engine, db.outbox, logger),
      createTimerScheduler(
        otherDataSource,
        new ClockEngine(new PolicyStore(otherDataSource), otherOutbox),
        otherOutbox,
        logger,
      ),
    ];

    // Concurrent passes, as the replicas' loops overlap in production; a timer whose clock the other
    // replica holds is left for a later pass, so pass until nothing due is left.
    let total = 0;
    for (let round = 0; round < 20; round++) {
      const fired = await Promise.all([...replicas, ...replicas].map((replica) => replica.fireDue()));
      total += fired.reduce((sum, count) => sum + count, 0);
      const [{ unfired }] = await db.dataSource.query(
        `SELECT count(*)::int AS unfired FROM timers WHERE fired_at IS NULL AND fire_at <= now()`,
      );
      if (unfired === 0) break;
    }

    expect(total).toBe(2 * TICKETS);
    const perClock = await db.dataSource.query(
      `SELECT payload->'data'->>'clockId' AS clock, payload->>'type' AS type, count(*)::int AS count
         FROM outbox WHERE event_type IN ('deskgraph.sla.clock_warned.v1', 'deskgraph.sla.clock_breached.v1')
        GROUP BY 1, 2`,
    );
    expect(perClock).toHaveLength(2 * TICKETS);
    expect(perClock.every((row: { count: number }) => row.count === 1)).toBe(true);
    const [{ unfired }] = await db.dataSource.query(
      `SELECT count(*)::int AS unfired FROM timers WHERE fired_at IS NULL AND fire_at <= now()`,
    );
    expect(unfired).toBe(0);
    const [{ breached }] = await db.dataSource.query(
      `SELECT count(*)::int AS breached FROM clocks WHERE ticket_id = ANY($1) AND target = 'FIRST_RESPONSE'
          AND state = 'BREACHED' AND warned_at IS NOT NULL AND breached_at IS NOT NULL`,
      [ticketIds],
    );
    expect(breached).toBe(TICKETS);
    // Fired long after their moment, so they say they are late.
    const firing = (await db.events(ticketIds[0])).filter((event) => event.type === 'breached');
    expect(firing).toEqual([
      expect.objectContaining({ data: expect.objectContaining({ late: true, target: 'FIRST_RESPONSE' }) }),
    ]);
    expect(firing[0].data.lateMs).toBeGreaterThan(40 * 60_000);
  }, 120_000);

  it('should fire nothing twice when both replicas run their loops while new timers come due', async () => {
    const otherDataSource = await db.openDataSource();
    const otherOutbox = new OutboxWriter('');
    const replicas = [
      createTimerScheduler(db.dataSource, db.engine, db.outbox, logger),
      createTimerScheduler(
        otherDataSource,
        new ClockEngine(new PolicyStore(otherDataSource), otherOutbox),
        otherOutbox,
        logger,
      ),
    ];
    await Promise.all(replicas.map((replica) => replica.start()));
    const ticketIds: string[] = [];
    try {
      for (let index = 0; index < 60; index++) {
        const ticket = ticketEvents();
        ticketIds.push(ticket.ticketId);
        // 15 min target, started 14 min 58 s ago: warned already due, breach due in ~2 s.
        await db.apply(ticket.created(new Date(Date.now() - 15 * 60_000 + 2_000).toISOString(), 'P0'));
        for (const replica of replicas) replica.nudge();
      }
      const deadline = Date.now() + 30_000;
      let breaches = 0;
      while (Date.now() < deadline) {
        [{ breaches }] = await db.dataSource.query(
          `SELECT count(*)::int AS breaches FROM outbox WHERE event_type = 'deskgraph.sla.clock_breached.v1'
              AND message_key = ANY($1)`,
          [ticketIds],
        );
        if (breaches >= ticketIds.length) break;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      // Let both loops run a little longer: anything fired twice would show now.
      await new Promise((resolve) => setTimeout(resolve, 1_500));
    } finally {
      await Promise.all(replicas.map((replica) => replica.stop()));
    }
    const perClock = await db.dataSource.query(
      `SELECT payload->>'type' AS type, count(*)::int AS count FROM outbox
        WHERE message_key = ANY($1) AND event_type IN ('deskgraph.sla.clock_warned.v1', 'deskgraph.sla.clock_breached.v1')
        GROUP BY payload->'data'->>'clockId', 1`,
      [ticketIds],
    );
    expect(perClock).toHaveLength(2 * ticketIds.length);
    expect(perClock.filter((row: { count: number }) => row.count !== 1)).toEqual([]);
  }, 120_000);
});
