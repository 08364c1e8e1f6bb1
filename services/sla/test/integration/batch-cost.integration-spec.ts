import { startSlaDatabase, ticketEvents, type SlaDatabase } from './sla-database';

// What a consumer batch of new tickets costs the SLA service in round trips:
// a storm must not cost a statement per ticket.

describe('sla: a batch of new tickets', () => {
  let db: SlaDatabase;

  beforeAll(async () => {
    db = await startSlaDatabase();
  }, 60_000);

  afterAll(async () => {
    await db?.stop();
  });

  const createdBatch = (size: number) =>
    Array.from({ length: size }, () => ticketEvents().created('2027-03-01T10:00:00Z', 'P2'));

  it('should start every clock of a batch of new tickets in as many SQL statements as a batch of two', async () => {
    // The first batch also loads the policy and calendar into memory.
    await db.applyBatch(createdBatch(1));

    const small = await db.applyBatch(createdBatch(2));
    const batch = createdBatch(40);
    const large = await db.applyBatch(batch);

    expect(large.statements).toBe(small.statements);
    expect(large.outcomes).toEqual(batch.map(() => 'applied'));
    for (const event of batch) {
      expect((await db.events(event.subject)).map((sla) => sla.type)).toEqual(['started', 'started']);
      expect(await db.clock(event.subject, 'FIRST_RESPONSE')).toMatchObject({ state: 'RUNNING', cycle: 1 });
      expect(await db.clock(event.subject, 'RESOLUTION')).toMatchObject({ state: 'RUNNING', cycle: 1 });
    }
  });

  it("should apply a ticket's later events in the same batch as its creation to the clocks it created", async () => {
    const paused = ticketEvents();
    const others = createdBatch(3);

    await db.applyBatch([
      others[0],
      paused.created('2027-03-01T10:00:00Z', 'P1'),
      others[1],
      paused.status(2, '2027-03-01T10:10:00Z', 'NEW', 'PENDING_THIRD_PARTY'),
      others[2],
    ]);

    expect((await db.events(paused.ticketId)).map((sla) => sla.type)).toEqual([
      'started',
      'started',
      'paused',
      'paused',
    ]);
    expect(await db.clock(paused.ticketId, 'FIRST_RESPONSE')).toMatchObject({ state: 'PAUSED' });
    for (const event of others) {
      expect(await db.clock(event.subject, 'RESOLUTION')).toMatchObject({ state: 'RUNNING' });
    }
  });

  it('should count a creation sent twice in one batch once and a creation sent again in a later batch once', async () => {
    const ticket = ticketEvents();
    const anomalies = async () =>
      Number(
        (
          await db.dataSource.query(
            `SELECT coalesce(sum(count), 0) AS count FROM anomalies WHERE kind = 'duplicate_create'`,
          )
        )[0].count,
      );
    const before = await anomalies();

    await db.applyBatch([
      ticket.created('2027-03-01T10:00:00Z', 'P1'),
      ticket.created('2027-03-01T10:00:00Z', 'P1'),
    ]);
    await db.applyBatch([ticket.created('2027-03-01T10:00:00Z', 'P1'), ...createdBatch(2)]);

    expect(await anomalies()).toBe(before + 2);
    expect((await db.events(ticket.ticketId)).map((sla) => sla.type)).toEqual(['started', 'started']);
  });
});
