import { createRetentionWorker, PROCESSED_EVENTS_RETENTION } from '@deskgraph/platform';
import { slaService } from '../../src/server';
import { createTimerScheduler } from '../../src/timer/timer-scheduler';
import { logger, minutesFromNow, startSlaDatabase, ticketEvents, type SlaDatabase } from './sla-database';

// Fired timers are history once their warning or breach is out: the SLA
// service's retention sweep purges them (and processed-event marks) after
// the retention, and never touches a timer still waiting to fire.

const DAY = 86_400_000;

describe('sla timer retention', () => {
  let db: SlaDatabase;

  beforeAll(async () => {
    db = await startSlaDatabase();
  }, 60_000);

  afterAll(async () => {
    await db?.stop();
  });

  it('should purge fired timers and processed events older than the retention and keep pending ones when the sweep runs', async () => {
    // Two P0 tickets an hour old fire their first-response warning and breach; their resolution
    // clocks keep timers pending.
    const tickets = [ticketEvents(), ticketEvents()];
    for (const ticket of tickets) await db.apply(ticket.created(minutesFromNow(-60), 'P0'));
    const scheduler = createTimerScheduler(db.dataSource, db.engine, db.outbox, logger);
    expect(await scheduler.fireDue()).toBe(4);
    // The first ticket's timers fired 20 days ago, the second's today.
    await db.dataSource.query(
      `UPDATE timers SET fired_at = now() - interval '20 days'
        WHERE fired_at IS NOT NULL AND clock_id IN (SELECT id FROM clocks WHERE ticket_id = $1)`,
      [tickets[0].ticketId],
    );
    await db.dataSource.query(
      `INSERT INTO processed_events (consumer_group, event_id, event_type, processed_at)
       VALUES ('sla', 'old', 'deskgraph.ticket.created.v1', now() - interval '15 days'),
              ('sla', 'new', 'deskgraph.ticket.created.v1', now() - interval '13 days')`,
    );
    const count = async () =>
      (
        await db.dataSource.query(
          `SELECT count(*) FILTER (WHERE fired_at IS NOT NULL)::int AS fired,
                  count(*) FILTER (WHERE fired_at IS NULL)::int AS pending
             FROM timers`,
        )
      )[0];
    const before = await count();

    const sweep = createRetentionWorker({
      dataSource: db.dataSource,
      targets: [PROCESSED_EVENTS_RETENTION, ...(slaService().retention ?? [])],
      config: { retentionMs: 14 * DAY, sweepIntervalMs: 3_600_000, batchSize: 1 },
      logger,
    });
    expect(await sweep.purge()).toEqual({ processed_events: 1, timers: 2 });

    expect(await count()).toEqual({ fired: before.fired - 2, pending: before.pending });
    expect(
      (await db.dataSource.query(`SELECT event_id FROM processed_events ORDER BY event_id`)).map(
        (row: { event_id: string }) => row.event_id,
      ),
    ).toEqual(['new']);
    // Measured history stays on the clock.
    const [{ breachedAt }] = await db.dataSource.query(
      `SELECT breached_at AS "breachedAt" FROM clocks WHERE ticket_id = $1 AND target = 'FIRST_RESPONSE'`,
      [tickets[0].ticketId],
    );
    expect(breachedAt).not.toBeNull();
    const indexes = (
      await db.dataSource.query(`SELECT indexname FROM pg_indexes WHERE schemaname = 'sla'`)
    ).map((row: { indexname: string }) => row.indexname);
    expect(indexes).toEqual(
      expect.arrayContaining(['timers_fired_idx', 'processed_events_processed_at_idx']),
    );
  });
});
