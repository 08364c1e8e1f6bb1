import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { buildEvent, TicketClassifiedV1, TicketCreatedV1, type DeskgraphEvent } from '@deskgraph/events';
import { countStatements } from '@deskgraph/platform';
import { applyChannelBatch, openChannelsDatabase, type ChannelsDatabase } from './channels-database';

// The ticket facts channels keeps are written once per consumer batch, in a
// migrated channels schema in real PostgreSQL: a storm of creations must not
// cost a statement per ticket, and a later change of a ticket created in the
// same batch must find its row.

jest.setTimeout(120_000);

let database: ChannelsDatabase | undefined;
let dataSource: DataSource;
let client: Client;
let statements = 0;

function created(ticketId: string, number: string): DeskgraphEvent {
  return buildEvent(TicketCreatedV1, {
    source: '/test',
    subject: ticketId,
    data: {
      ticketId,
      number,
      version: 1,
      title: `ticket ${number}`,
      channel: 'EMAIL',
      type: 'COMPLAINT',
      category: null,
      priority: 'P3',
      queueId: 'general',
      customerId: 'EM-1',
      createdAt: new Date().toISOString(),
    },
  }) as DeskgraphEvent;
}

/** Applies events as one consumer batch; returns the statements it took. */
async function applyBatch(events: DeskgraphEvent[]): Promise<number> {
  const from = statements;
  await applyChannelBatch(dataSource, events);
  return statements - from;
}

async function facts(ticketIds: string[]) {
  const { rows } = await client.query(
    `SELECT ticket_id, number, priority, queue_id FROM channels.ticket_facts
      WHERE ticket_id = ANY($1::uuid[]) ORDER BY number`,
    [ticketIds],
  );
  return rows;
}

beforeAll(async () => {
  database = await openChannelsDatabase('chfacts');
  ({ dataSource, client } = database);
  countStatements(dataSource, () => statements++);
});

afterAll(() => database?.close());

describe('ticket facts kept by channels', () => {
  it('should write a batch of creations in as many statements as a batch of two', async () => {
    const small = Array.from({ length: 2 }, (_, index) => created(randomUUID(), `202611-2${index}`));
    const large = Array.from({ length: 40 }, (_, index) => created(randomUUID(), `202611-3${index}`));
    const smallStatements = await applyBatch(small);
    const largeStatements = await applyBatch(large);
    expect(largeStatements).toBe(smallStatements);
    const ids = large.map((event) => event.subject!);
    expect(await facts(ids)).toHaveLength(40);
  });

  it('should apply a later change to a ticket created in the same batch, and skip a creation sent again', async () => {
    const ticketId = randomUUID();
    const other = randomUUID();
    const classified = buildEvent(TicketClassifiedV1, {
      source: '/test',
      subject: ticketId,
      data: {
        ticketId,
        version: 2,
        queueId: 'vip',
        actor: { id: 'agent-1', role: 'agent' },
        at: new Date().toISOString(),
        type: 'COMPLAINT',
        category: null,
        priority: 'P0',
        previous: { type: 'COMPLAINT', category: null, priority: 'P3' },
        reason: 'outage reported',
      },
    }) as DeskgraphEvent;
    await applyBatch([created(ticketId, '202611-401'), created(other, '202611-402'), classified]);
    await applyBatch([created(ticketId, '202611-401')]);
    expect(await facts([ticketId, other])).toEqual([
      { ticket_id: ticketId, number: '202611-401', priority: 'P0', queue_id: 'vip' },
      { ticket_id: other, number: '202611-402', priority: 'P3', queue_id: 'general' },
    ]);
  });
});
