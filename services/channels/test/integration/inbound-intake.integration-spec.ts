import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { createLogger, OutboxWriter } from '@deskgraph/platform';
import type { TicketsClient } from '../../src/graph/tickets-client';
import { InboundMailProcessor } from '../../src/mail/inbound-processor';
import { storeInboundMail } from '../../src/mail/inbound-store';
import type { OutboundMailService } from '../../src/mail/outbound-mail.service';
import { openChannelsDatabase, type ChannelsDatabase } from './channels-database';

// The intake's own writes against a migrated channels schema in real
// PostgreSQL: mail arriving at once is stored in group writes (each mail
// answered only once its row is committed, one refused row failing alone),
// and a mail's outcome is one statement that writes its event only when this
// worker took the mail.

jest.setTimeout(120_000);

let database: ChannelsDatabase | undefined;
let dataSource: DataSource;
let client: Client;
const logger = createLogger('channels-test', 'silent');
const config = { domain: 'deskgraph.local' };

function rawMail(messageId: string, from: string, subject: string, body: string): Buffer {
  return Buffer.from(
    [
      `From: Customer <${from}>`,
      'To: support@deskgraph.local',
      `Subject: ${subject}`,
      `Message-ID: <${messageId}>`,
      'Content-Type: text/plain; charset=utf-8',
      '',
      body,
      '',
    ].join('\r\n'),
  );
}

beforeAll(async () => {
  database = await openChannelsDatabase('chintake');
  ({ dataSource, client } = database);
});

afterAll(() => database?.close());

describe('storing accepted mail', () => {
  it('should store each of many mails arriving at once exactly once, in arrival order, when they share group writes', async () => {
    const run = randomUUID().slice(0, 8);
    const ids = Array.from({ length: 30 }, (_, index) => `${run}-${index}@example.com`);
    // The first mail is delivered twice at once (a sender retrying): stored once.
    const answers = await Promise.all(
      [...ids, ids[0]].map((id, index) =>
        storeInboundMail(
          { dataSource, config, logger },
          rawMail(id, `sender-${run}-${index % 30}@example.com`, `group ${run} ${index}`, `Mail ${index}.`),
          `sender-${run}-${index % 30}@example.com`,
        ),
      ),
    );

    expect(answers.every((answer) => answer.stored && answer.answer === 'queued')).toBe(true);
    const { rows } = await client.query(
      `SELECT message_id FROM channels.inbound_mail WHERE subject LIKE $1 ORDER BY received_at, message_id`,
      [`group ${run} %`],
    );
    expect(rows.map((row) => row.message_id)).toEqual(ids);
  });

  it('should refuse only the mail PostgreSQL refuses and store the others of its group when one row fails', async () => {
    const run = randomUUID().slice(0, 8);
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, (_, index) =>
        storeInboundMail(
          { dataSource, config, logger },
          // A NUL character is text PostgreSQL cannot store.
          rawMail(
            `${run}-${index}@example.com`,
            `nul-${run}-${index}@example.com`,
            `nul ${run} ${index}`,
            index === 3 ? 'bad \u0000 body' : `Mail ${index}.`,
          ),
          `nul-${run}-${index}@example.com`,
        ),
      ),
    );

    expect(results.map((result) => result.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'fulfilled',
      'rejected',
      'fulfilled',
      'fulfilled',
      'fulfilled',
      'fulfilled',
    ]);
    const { rows } = await client.query(
      `SELECT count(*)::int AS stored FROM channels.inbound_mail WHERE subject LIKE $1`,
      [`nul ${run} %`],
    );
    expect(rows[0].stored).toBe(7);
  });
});

describe('taking stored mail in', () => {
  const ticketId = randomUUID();
  let calls = 0;
  const tickets = {
    request: async () => {
      calls++;
      return { createTicket: { id: ticketId, number: '202611-501' } };
    },
  } as unknown as TicketsClient;
  let processor: InboundMailProcessor;

  beforeAll(() => {
    processor = new InboundMailProcessor(
      dataSource,
      new OutboxWriter(''),
      tickets,
      {} as OutboundMailService,
      logger,
    );
  });

  async function stored(from: string): Promise<string> {
    const id = randomUUID();
    await client.query(
      `INSERT INTO channels.inbound_mail (id, message_id, from_address, from_name, subject, body, state)
       VALUES ($1, $2, $3, 'Customer', 'Printer broken', 'It does not print.', 'PENDING')`,
      [id, `${id}@example.com`, from],
    );
    return id;
  }

  async function outboxRows(mailId: string): Promise<number> {
    const { rows } = await client.query(
      `SELECT count(*)::int AS events FROM channels.outbox
        WHERE event_type = 'deskgraph.channels.mail_received.v1' AND payload->'data'->>'mailId' = $1`,
      [mailId],
    );
    return rows[0].events;
  }

  it('should record the ticket, the thread, the Message-ID and one event in one go when a mail becomes a ticket', async () => {
    const from = `taken-${randomUUID().slice(0, 8)}@example.com`;
    const mailId = await stored(from);
    const [row] = (await processor.claim(100)).filter((claimed) => claimed.id === mailId);

    await processor.process(row);

    const { rows } = await client.query(
      `SELECT m.state, m.ticket_id, t.address, t.ticket_number, i.message_id
         FROM channels.inbound_mail m
         JOIN channels.mail_threads t ON t.ticket_id = m.ticket_id
         JOIN channels.mail_message_ids i ON i.message_id = m.message_id
        WHERE m.id = $1`,
      [mailId],
    );
    expect(rows).toEqual([
      {
        state: 'DONE',
        ticket_id: ticketId,
        address: from,
        ticket_number: '202611-501',
        message_id: `${mailId}@example.com`,
      },
    ]);
    expect(await outboxRows(mailId)).toBe(1);
  });

  it('should write no second event when another worker finished the mail after this one claimed it', async () => {
    const mailId = await stored(`late-${randomUUID().slice(0, 8)}@example.com`);
    const [row] = (await processor.claim(100)).filter((claimed) => claimed.id === mailId);
    // This worker's lease ran out; another took the mail and finished it meanwhile.
    await client.query(
      `UPDATE channels.inbound_mail SET state = 'DONE', processed_at = now() WHERE id = $1`,
      [mailId],
    );
    const before = calls;

    await processor.process(row);

    expect(calls).toBe(before + 1);
    expect(await outboxRows(mailId)).toBe(0);
  });
});
