import { randomUUID } from 'node:crypto';
import { buildEvent, TicketCreatedV1, TOPICS } from '@deskgraph/events';
import { eventually } from '@deskgraph/infra';
import { AnalyticsHarness } from './analytics-harness';

// Anyone may produce to the public ticket topic: the projection masks the
// free text it keeps (the title and its keywords) instead of trusting the
// producer did.

describe('analytics: free text from the ticket topic is masked before it is projected', () => {
  const harness = new AnalyticsHarness({
    namespacePrefix: 'aprivacy',
    databasePrefix: 'deskgraph_analytics_privacy',
    clientId: 'analytics-privacy-test',
  });

  beforeAll(() => harness.start(), 180_000);
  afterAll(() => harness.stop(), 60_000);

  it('should keep a masked title and no keyword in clear when a ticket title holds a card and an ID', async () => {
    const ticketId = randomUUID();
    const created = [
      buildEvent(TicketCreatedV1, {
        source: '/outside',
        subject: ticketId,
        data: {
          ticketId,
          number: '202611-042',
          version: 1,
          title: '退款到卡 ６２２８４８０４２８３７０４５３ refund 110105 19491231 0021',
          channel: 'APP',
          type: 'COMPLAINT',
          category: null,
          priority: 'P2',
          queueId: 'general',
          customerId: 'C-1',
          createdAt: new Date().toISOString(),
        },
      }),
    ];
    // A topic just created may not be served by the broker yet.
    await eventually(async () => (await harness.publish(TOPICS.tickets, created), true), {
      what: 'the ticket topic to accept the event',
    });
    await harness.settled();

    const { dataSource } = harness.service.dependencies;
    const [{ table_schema: schema }] = await dataSource.query(
      `SELECT table_schema FROM information_schema.tables WHERE table_name = 'tickets' AND table_schema LIKE 'analytics\\_g%'`,
    );
    const [ticket] = await dataSource.query(`SELECT title FROM "${schema}".tickets WHERE ticket_id = $1`, [
      ticketId,
    ]);
    expect(ticket.title).toBe('退款到卡 ************０４５３ refund ****** ******** 0021');
    const keywords = await dataSource.query(
      `SELECT keyword FROM "${schema}".ticket_keywords WHERE ticket_id = $1`,
      [ticketId],
    );
    expect(JSON.stringify(keywords)).not.toMatch(/6228|６２２８|110105/);
  });
});
