import { createHash } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { maskSensitive, type Logger, type OutboxWriter, type StatementWrite } from '@deskgraph/platform';
import { channelEvents } from '../events/channel-events';
import {
  CREATE_TICKET,
  customerIdentity,
  customerIdForAddress,
  REPLY_TO_TICKET,
  TicketsClient,
  TicketsGraphError,
} from '../graph/tickets-client';
import { updateReturning } from '../work/sql';
import { backoffDelayMs } from '../work/work-loop';
import { ticketNumberInSubject, titleFromSubject } from './mail-content';
import type { OutboundMailService } from './outbound-mail.service';

export interface InboundRow {
  id: string;
  message_id: string;
  from_address: string;
  from_name: string | null;
  subject: string;
  body: string;
  attachment_names: string[];
  in_reply_to: string | null;
  references: string[];
  state: 'PENDING' | 'BOUNCE';
  ignored_reason: string | null;
  attempts: number;
  received_at: Date;
}

interface Thread {
  ticket_id: string;
  ticket_number: string;
  customer_id: string;
}

/**
 * How long a claimed mail is left to its worker before another replica (or
 * this one after a restart) may take it: twice the tickets call timeout, so
 * a mail whose worker died waits at most this long.
 */
const LEASE_SECONDS = 30;
const MAX_ATTEMPTS = 20;

/** Idempotency keys are 1-255 printable ASCII characters; a Message-ID may be neither. */
function idempotencyKey(messageId: string): string {
  return `mail-${createHash('sha256').update(messageId).digest('hex').slice(0, 48)}`;
}

function withAttachments(text: string, names: string[]): string {
  const body = text.trim() || '(邮件无正文 / empty message)';
  return names.length > 0 ? `${body}\n\n附件 / Attachments: ${names.join(', ')}` : body;
}

/**
 * Turns stored mail into tickets and customer messages through the tickets
 * subgraph. Each call carries the Message-ID as idempotency key, so a crash
 * between the call and marking the mail done repeats nothing.
 */
export class InboundMailProcessor {
  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: OutboxWriter,
    private readonly tickets: TicketsClient,
    private readonly outboundMail: OutboundMailService,
    private readonly logger: Logger,
  ) {}

  /**
   * Claims due mail with a lease, oldest first, none from a sender whose mail
   * is already being worked on here (`busySenders`): one sender's mails are
   * taken in order, so a reply finds the thread its first mail opened.
   */
  async claim(limit: number, busySenders: string[] = []): Promise<InboundRow[]> {
    const rows = await updateReturning<InboundRow>(
      this.dataSource,
      `UPDATE inbound_mail SET attempts = attempts + 1, next_attempt_at = now() + interval '${LEASE_SECONDS} seconds'
       WHERE id IN (SELECT id FROM inbound_mail WHERE state IN ('PENDING', 'BOUNCE') AND next_attempt_at <= now()
                      AND from_address <> ALL($2::text[])
                    ORDER BY received_at LIMIT $1 FOR UPDATE SKIP LOCKED)
       RETURNING *`,
      [limit, busySenders],
    );
    // RETURNING follows no ORDER BY.
    return rows.sort((a, b) => new Date(a.received_at).getTime() - new Date(b.received_at).getTime());
  }

  /** Takes one claimed mail in; failures are recorded on the row (retry or FAILED). */
  async process(row: InboundRow): Promise<void> {
    try {
      if (row.state === 'BOUNCE') {
        await this.outboundMail.recordBounce(row.references, row.ignored_reason ?? 'bounced');
        await this.dataSource.query(
          `UPDATE inbound_mail SET state = 'DONE', processed_at = now() WHERE id = $1`,
          [row.id],
        );
        return;
      }
      await this.intake(row);
    } catch (error) {
      const retryable = !(error instanceof TicketsGraphError) || error.retryable;
      const giveUp = !retryable || row.attempts >= MAX_ATTEMPTS;
      this.logger.warn({ err: error, mailId: row.id, attempts: row.attempts, giveUp }, 'mail intake failed');
      await this.dataSource.query(
        `UPDATE inbound_mail SET state = $2, last_error = $3, next_attempt_at = now() + ($4 || ' milliseconds')::interval
         WHERE id = $1`,
        [
          row.id,
          giveUp ? 'FAILED' : row.state,
          maskSensitive(String((error as Error).message)).slice(0, 1000),
          backoffDelayMs(row.attempts, 1000, 30_000),
        ],
      );
    }
  }

  private async findThread(
    row: InboundRow,
  ): Promise<{ thread: Thread; by: 'HEADERS' | 'SUBJECT_NUMBER' } | null> {
    const ids = [row.in_reply_to, ...row.references].filter((id): id is string => Boolean(id));
    if (ids.length > 0) {
      // Only the address the ticket's mail goes to may write into it by headers.
      const [byHeaders]: Thread[] = await this.dataSource.query(
        `SELECT t.ticket_id, t.ticket_number, t.customer_id FROM mail_message_ids m
         JOIN mail_threads t ON t.ticket_id = m.ticket_id
         WHERE m.message_id = ANY($1) AND t.address = $2 LIMIT 1`,
        [ids, row.from_address],
      );
      if (byHeaders) return { thread: byHeaders, by: 'HEADERS' };
    }
    const number = ticketNumberInSubject(row.subject);
    if (number) {
      const [bySubject]: Thread[] = await this.dataSource.query(
        `SELECT ticket_id, ticket_number, customer_id FROM mail_threads WHERE ticket_number = $1 AND address = $2 LIMIT 1`,
        [number, row.from_address],
      );
      if (bySubject) return { thread: bySubject, by: 'SUBJECT_NUMBER' };
    }
    return null;
  }

  private async intake(row: InboundRow): Promise<void> {
    const found = await this.findThread(row);
    const text = withAttachments(row.body, row.attachment_names);
    if (found) {
      try {
        const replied = await this.tickets.request<{
          replyToTicket: { ticket: { id: string; number: string } };
        }>(
          customerIdentity(found.thread.customer_id),
          REPLY_TO_TICKET,
          { input: { ticketId: found.thread.ticket_id, body: text.slice(0, 20_000), visibility: 'PUBLIC' } },
          idempotencyKey(row.message_id),
        );
        const { ticket } = replied.replyToTicket;
        if (ticket.id === found.thread.ticket_id) {
          await this.finish(row, found.thread, 'CUSTOMER_MESSAGE', found.by, false);
          return;
        }
        // Tickets kept a CLOSED ticket closed and opened a follow-up: the conversation goes on there.
        await this.finish(
          row,
          { ticket_id: ticket.id, ticket_number: ticket.number, customer_id: found.thread.customer_id },
          'TICKET_CREATED',
          found.by,
          true,
          titleFromSubject(row.subject) || undefined,
        );
        return;
      } catch (error) {
        // An archived or merged ticket takes no messages: the mail opens a new ticket instead.
        if (!(error instanceof TicketsGraphError) || error.retryable) throw error;
        this.logger.info(
          { mailId: row.id, err: error.message },
          'thread closed for replies; opening a new ticket',
        );
      }
    }
    const customerId = customerIdForAddress(row.from_address);
    const title = titleFromSubject(row.subject) || '(无主题 / no subject)';
    const created = await this.tickets.request<{ createTicket: { id: string; number: string } }>(
      customerIdentity(customerId),
      CREATE_TICKET,
      {
        input: {
          title: title.slice(0, 200),
          description: text.slice(0, 20_000),
          channel: 'EMAIL',
          customer: {
            name: (row.from_name ?? row.from_address.split('@')[0]).slice(0, 200),
            contact: row.from_address.slice(0, 200),
            preferredChannel: 'EMAIL',
          },
        },
      },
      // A reply that fell back to a new ticket must not replay the reply's key.
      `${idempotencyKey(row.message_id)}-new`,
    );
    await this.finish(
      row,
      {
        ticket_id: created.createTicket.id,
        ticket_number: created.createTicket.number,
        customer_id: customerId,
      },
      'TICKET_CREATED',
      'NEW',
      true,
      title,
    );
  }

  /**
   * Records the outcome in one statement (its own transaction): the thread,
   * the Message-ID, the mail DONE and its `mail_received` event. The event is
   * written only if this worker's UPDATE took the mail from PENDING, so a
   * worker whose lease ran out and whose mail another finished adds nothing.
   */
  private async finish(
    row: InboundRow,
    thread: Thread,
    outcome: 'TICKET_CREATED' | 'CUSTOMER_MESSAGE',
    threadedBy: 'NEW' | 'HEADERS' | 'SUBJECT_NUMBER',
    newThread: boolean,
    title?: string,
  ): Promise<void> {
    const writes: StatementWrite[] = [];
    if (newThread) {
      writes.push(
        (bind) => `new_thread AS (
          INSERT INTO mail_threads (ticket_id, ticket_number, customer_id, address, name, subject)
          VALUES (${bind(thread.ticket_id)}::uuid, ${bind(thread.ticket_number)}, ${bind(thread.customer_id)},
                  ${bind(row.from_address)}, ${bind(row.from_name)}::text, ${bind(title ?? row.subject)})
          ON CONFLICT (ticket_id) DO NOTHING)`,
      );
    }
    writes.push(
      (bind) => `thread_message AS (
        INSERT INTO mail_message_ids (message_id, ticket_id) VALUES (${bind(row.message_id)}, ${bind(thread.ticket_id)}::uuid)
        ON CONFLICT (message_id) DO NOTHING)`,
      (bind) => `taken AS (
        UPDATE inbound_mail SET state = 'DONE', ticket_id = ${bind(thread.ticket_id)}::uuid, processed_at = now(), last_error = NULL
        WHERE id = ${bind(row.id)}::uuid AND state = 'PENDING' RETURNING id)`,
    );
    await this.outbox.enqueue(
      this.dataSource.manager,
      [
        channelEvents.mailReceived({
          mailId: row.id,
          ticketId: thread.ticket_id,
          ticketNumber: thread.ticket_number,
          outcome,
          threadedBy,
          attachmentNames: row.attachment_names,
          receivedAt: new Date(row.received_at).toISOString(),
        }),
      ],
      writes,
      { onlyIf: 'EXISTS (SELECT 1 FROM taken)' },
    );
    this.logger.info({ mailId: row.id, ticketId: thread.ticket_id, outcome, threadedBy }, 'mail taken in');
  }
}
