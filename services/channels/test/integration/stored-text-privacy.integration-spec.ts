import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import {
  buildEvent,
  TicketCreatedV1,
  TicketEscalatedV1,
  TicketRepliedV1,
  type DeskgraphEvent,
} from '@deskgraph/events';
import { applyChannelBatch, openChannelsDatabase, type ChannelsDatabase } from './channels-database';

// Free text that reaches channels on the public topics (a reply's body, an
// escalation reason, a whole event) is masked on the way into channels' own
// tables, even when a producer let a number through: the consumer applies
// events to a migrated channels schema in real PostgreSQL, and the rows are
// read back.

jest.setTimeout(120_000);

const ID = '11010519491231002X';
const CARD = '6228480428370453';
const MASKED_ID = '**************002X';
const MASKED_CARD = '************0453';

let database: ChannelsDatabase | undefined;
let dataSource: DataSource;
let client: Client;

const ticketId = randomUUID();
const actor = { id: 'agent-1', role: 'agent' as const };
const change = { ticketId, version: 2, queueId: 'general', actor, at: new Date().toISOString() };

/** Applies one event the way the channels consumer does: as a batch of its own. */
function apply(event: DeskgraphEvent): Promise<void> {
  return applyChannelBatch(dataSource, [event]);
}

beforeAll(async () => {
  database = await openChannelsDatabase('chpriv');
  ({ dataSource, client } = database);
  for (const [name, format, secret] of [
    ['generic', 'GENERIC', 'whsec_test'],
    ['robot', 'WECOM', ''],
  ]) {
    await client.query(
      `INSERT INTO channels.webhook_endpoints (id, name, url, format, secret, event_types, queue_ids, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, '{}', 'admin-1')`,
      [
        randomUUID(),
        name,
        `https://hooks.example.com/${name}`,
        format,
        secret,
        format === 'GENERIC' ? [] : ['deskgraph.ticket.escalated.v1'],
      ],
    );
  }
});

afterAll(() => database?.close());

describe('free text from events, stored by channels', () => {
  beforeAll(async () => {
    await apply(
      buildEvent(TicketCreatedV1, {
        source: '/test',
        subject: ticketId,
        data: {
          ticketId,
          number: '202611-101',
          version: 1,
          title: `退款到卡 ${CARD}`,
          channel: 'EMAIL',
          type: 'COMPLAINT',
          category: null,
          priority: 'P1',
          queueId: 'general',
          customerId: 'EM-1',
          createdAt: change.at,
        },
      }) as DeskgraphEvent,
    );
  });

  it('should store the reply mail body masked when an agent reply carries an ID number', async () => {
    const reply = buildEvent(TicketRepliedV1, {
      source: '/test',
      subject: ticketId,
      data: {
        ...change,
        messageId: randomUUID(),
        author: 'AGENT',
        visibility: 'PUBLIC',
        channel: 'EMAIL',
        firstResponse: true,
        createdAt: change.at,
        body: `您的身份证 ${ID} 已核实，退款到卡 ${CARD}。`,
      },
    }) as DeskgraphEvent;
    await apply(reply);
    const { rows } = await client.query(
      `SELECT body FROM channels.outbound_mail WHERE source_event_id = $1`,
      [reply.id],
    );
    expect(rows).toEqual([{ body: `您的身份证 ${MASKED_ID} 已核实，退款到卡 ${MASKED_CARD}。` }]);
    // The GENERIC endpoint's copy of the event is masked the same way, and still the event's JSON.
    const [delivery] = (
      await client.query(
        `SELECT d.body FROM channels.webhook_deliveries d JOIN channels.webhook_endpoints e ON e.id = d.endpoint_id
          WHERE d.event_id = $1 AND e.format = 'GENERIC'`,
        [reply.id],
      )
    ).rows;
    expect(delivery.body).not.toContain(ID);
    expect(delivery.body).not.toContain(CARD);
    expect(JSON.parse(delivery.body)).toMatchObject({
      id: reply.id,
      type: 'deskgraph.ticket.replied.v1',
      data: { ticketId, body: `您的身份证 ${MASKED_ID} 已核实，退款到卡 ${MASKED_CARD}。` },
    });
  });

  it('should store the robot message and the event copy masked when an escalation reason carries numbers', async () => {
    const escalated = buildEvent(TicketEscalatedV1, {
      source: '/test',
      subject: ticketId,
      data: {
        ...change,
        direction: 'VERTICAL',
        tier: 'SUPERVISOR',
        leadQueueId: 'general',
        helperQueueIds: [],
        reason: `客户 ${ID} 投诉卡 ${CARD} 扣款`,
        automatic: false,
      },
    }) as DeskgraphEvent;
    await apply(escalated);
    const rows: { format: string; body: string }[] = (
      await client.query(
        `SELECT e.format, d.body FROM channels.webhook_deliveries d JOIN channels.webhook_endpoints e ON e.id = d.endpoint_id
          WHERE d.event_id = $1 ORDER BY e.format`,
        [escalated.id],
      )
    ).rows;
    expect(rows.map((row) => row.format)).toEqual(['GENERIC', 'WECOM']);
    for (const row of rows) {
      expect(row.body).not.toContain(ID);
      expect(row.body).not.toContain(CARD);
    }
    const robot = rows.find((row) => row.format === 'WECOM')!.body;
    expect(robot).toContain(`【工单升级】纵向升级：客户 ${MASKED_ID} 投诉卡 ${MASKED_CARD} 扣款`);
    expect(robot).toContain('工单：202611-101');
    expect(robot).toContain(`标题：退款到卡 ${MASKED_CARD}`);
    expect(JSON.parse(rows.find((row) => row.format === 'GENERIC')!.body).data.reason).toBe(
      `客户 ${MASKED_ID} 投诉卡 ${MASKED_CARD} 扣款`,
    );
  });
});
