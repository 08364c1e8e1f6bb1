import { randomBytes, randomUUID } from 'node:crypto';
import { buildEvent, SlaClockStartedV1, TicketCreatedV1, type DeskgraphEvent } from '@deskgraph/events';
import { dropDatabase, ensureDatabase, splitDatabaseUrl } from '@deskgraph/infra';
import {
  applyEventsInBatch,
  countStatements,
  createLogger,
  databaseModel,
  migrateDataSource,
  OutboxWriter,
  parseEnvironment,
} from '@deskgraph/platform';
import type { DataSource } from 'typeorm';
import { createAnalyticsDataSource } from '../../src/database/data-source';
import { projectionHandler } from '../../src/events/consumers/projection.consumer';

// What a consumer batch of new tickets costs analytics in round trips: the
// appliers are set-based (one multi-row statement per event type and wave,
// aggregates, applied marks and dirty queues once per batch), so 40 tickets
// cost what 2 cost.

const TIME_ZONE = 'Asia/Shanghai';

function newTicket(): DeskgraphEvent[] {
  const ticketId = randomUUID();
  const createdAt = '2027-03-01T02:00:00.000Z';
  return [
    buildEvent(TicketCreatedV1, {
      source: '/test',
      subject: ticketId,
      data: {
        ticketId,
        number: '202703-001',
        version: 1,
        title: 'refund',
        channel: 'APP',
        type: 'COMPLAINT',
        category: null,
        priority: 'P2',
        queueId: 'general',
        customerId: 'C-1',
        createdAt,
      },
    }),
    buildEvent(SlaClockStartedV1, {
      source: '/test',
      subject: ticketId,
      data: {
        clockId: randomUUID(),
        ticketId,
        queueId: 'general',
        target: 'FIRST_RESPONSE',
        priority: 'P2',
        startedAt: createdAt,
        dueAt: '2027-03-01T06:00:00.000Z',
        businessTime: true,
        cycle: 1,
        warningAt: '2027-03-01T05:12:00.000Z',
        policyVersion: 1,
      },
    }),
  ];
}

describe('analytics: a batch of new tickets', () => {
  const serverUrl = splitDatabaseUrl(parseEnvironment({ database: databaseModel }).database.url).serverUrl;
  const databaseName = `analytics_cost_${randomBytes(4).toString('hex')}`;
  const handle = projectionHandler(TIME_ZONE);
  const dependencies = { outbox: new OutboxWriter(''), logger: createLogger('analytics-test', 'silent') };
  let dataSource: DataSource;
  let statements = 0;

  beforeAll(async () => {
    const url = await ensureDatabase(serverUrl, databaseName);
    await migrateDataSource(createAnalyticsDataSource({ url, poolSize: 2 }), 'analytics');
    dataSource = createAnalyticsDataSource({ url, poolSize: 2 });
    countStatements(dataSource, () => statements++);
    await dataSource.initialize();
  }, 120_000);

  afterAll(async () => {
    await dataSource?.destroy();
    await dropDatabase(serverUrl, databaseName);
  });

  async function applyBatch(events: DeskgraphEvent[]): Promise<number> {
    const from = statements;
    await dataSource.transaction((manager) => applyEventsInBatch(manager, events, handle, dependencies));
    return statements - from;
  }

  it('should cost a batch of 40 new tickets no more statements than a batch of 2', async () => {
    const small = Array.from({ length: 2 }, newTicket).flat();
    const large = Array.from({ length: 40 }, newTicket).flat();

    const smallCost = await applyBatch(small);
    const largeCost = await applyBatch(large);

    // Same waves (a creation, then a clock start, per ticket), same statements, whatever the batch's size.
    expect(largeCost).toBe(smallCost);
    const [{ n }] = await dataSource.query(
      `SELECT coalesce(sum(n), 0)::int AS n FROM analytics_g1.agg_counters WHERE figure = 'vol' AND key = ''`,
    );
    expect(n).toBe(42);
  });
});
