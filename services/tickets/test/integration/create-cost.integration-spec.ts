import { randomBytes } from 'node:crypto';
import { dropDatabase, ensureDatabase, splitDatabaseUrl } from '@deskgraph/infra';
import {
  countStatements,
  databaseModel,
  migrateDataSource,
  OutboxWriter,
  parseEnvironment,
  type Identity,
} from '@deskgraph/platform';
import type { DataSource } from 'typeorm';
import { createTicketsDataSource, TICKETS_SCHEMA } from '../../src/database/data-source';
import { deskModel } from '../../src/environment';
import { IdempotencyKeys } from '../../src/idempotency/idempotency-keys';
import { TicketEntity } from '../../src/ticket/ticket.entity';
import { TicketService } from '../../src/ticket/ticket.service';
import { TimelineEntryEntity } from '../../src/timeline/timeline.entity';

// What accepting a ticket costs in round trips to PostgreSQL: during a storm
// the accept path waits on round trips, not on CPU. The service on a
// migrated database, without a broker or a stack.

describe('tickets: what createTicket costs', () => {
  const agent: Identity = { userId: 'a1', roles: ['agent'], queueIds: ['general'], customerId: null };
  let dataSource: DataSource;
  let tickets: TicketService;
  let statements = 0;
  let stop: () => Promise<void>;

  beforeAll(async () => {
    const { database, desk } = parseEnvironment({ database: databaseModel, desk: deskModel });
    const { serverUrl } = splitDatabaseUrl(database.url);
    const databaseName = `deskgraph_tickets_${randomBytes(4).toString('hex')}`;
    const url = await ensureDatabase(serverUrl, databaseName);
    await migrateDataSource(createTicketsDataSource({ url, poolSize: 2 }), TICKETS_SCHEMA);
    dataSource = createTicketsDataSource({ url, poolSize: 2 });
    countStatements(dataSource, () => statements++);
    await dataSource.initialize();
    tickets = new TicketService(dataSource, new OutboxWriter(''), desk, new IdempotencyKeys(dataSource));
    stop = async () => {
      await dataSource.destroy();
      await dropDatabase(serverUrl, databaseName);
    };
  }, 60_000);

  afterAll(async () => {
    await stop?.();
  });

  const create = async (title: string, priority: 'P0' | 'P3') => {
    const from = statements;
    const ticket = await tickets.createTicket(agent, {
      title,
      description: 'The payment page shows error 500',
      channel: 'APP',
      priority,
      customer: { id: 'C-1001', name: 'Li Lei' },
    });
    return { ticket, statements: statements - from };
  };

  it('should accept a ticket in five statements, its duty-manager notice included, and write both events', async () => {
    // The first creation of a month also makes sure the month's number sequence exists.
    await create('warm-up', 'P3');

    const routine = await create('App crashes on payment', 'P3');
    const urgent = await create('Payments are down for everyone', 'P0');

    // BEGIN, the intake context, the number, the ticket with its timeline entry and events, COMMIT.
    expect(routine.statements).toBe(5);
    expect(urgent.statements).toBe(5);
    const events = await dataSource.query(
      `SELECT event_type FROM outbox WHERE message_key = $1 ORDER BY sequence`,
      [urgent.ticket.id],
    );
    expect(events.map((row: { event_type: string }) => row.event_type)).toEqual([
      'deskgraph.ticket.created.v1',
      'deskgraph.ticket.duty_manager_notified.v1',
    ]);
    expect(urgent.ticket).toMatchObject({ version: 1, status: 'NEW', priority: 'P0', queueId: 'general' });
  });

  it('should return the ticket as its stored row reads back when written in plain SQL', async () => {
    const { ticket } = await create('Refund not received', 'P3');

    const stored = await dataSource.getRepository(TicketEntity).findOneByOrFail({ id: ticket.id });
    const timeline = await dataSource.getRepository(TimelineEntryEntity).findBy({ ticketId: ticket.id });
    expect(ticket).toStrictEqual(stored);
    expect(timeline).toEqual([
      expect.objectContaining({
        action: 'CREATED',
        actorId: 'a1',
        actorRole: 'agent',
        at: ticket.createdAt,
        after: {
          status: 'NEW',
          type: ticket.type,
          category: ticket.category,
          priority: 'P3',
          queueId: 'general',
          channel: 'APP',
        },
        result: 'routed to general',
      }),
    ]);
  });
});
