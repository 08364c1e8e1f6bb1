import { randomUUID } from 'node:crypto';
import nodemailer, { type Transporter } from 'nodemailer';
import type { DataSource, EntityManager } from 'typeorm';
import { maskSensitive, type Logger, type OutboxWriter } from '@deskgraph/platform';
import type { ConfirmationLetters } from '../confirmation/confirmation-letters';
import type { MailConfig } from '../environment';
import { channelEvents } from '../events/channel-events';
import {
  CHANNELS_SERVICE_IDENTITY,
  REPLY_TO_TICKET,
  TICKET_FOR_MAIL,
  TicketsClient,
  TicketsGraphError,
  type TicketForMail,
} from '../graph/tickets-client';
import { updateReturning } from '../work/sql';
import { backoffDelayMs } from '../work/work-loop';

export type OutboundKind = 'REPLY' | 'CONFIRMATION';

export interface OutboundRow {
  id: string;
  message_id: string;
  kind: OutboundKind;
  ticket_id: string;
  body: string;
  attempts: number;
  state: string;
  failure_reason: 'REJECTED' | 'BOUNCED' | 'GAVE_UP' | null;
  last_code: number | null;
  last_response: string | null;
}

export interface MailLogRow extends OutboundRow {
  to_address: string | null;
  subject: string | null;
  created_at: Date;
  sent_at: Date | null;
  failed_at: Date | null;
}

interface ThreadRow {
  ticket_id: string;
  ticket_number: string;
  customer_id: string;
  address: string;
  name: string | null;
  subject: string;
}

const LEASE_SECONDS = 120;
const ADDRESS = /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/;

/** The failure as the ticket timeline shows it to the agent. */
function failureNote(row: OutboundRow, address: string | null): string {
  const what = row.kind === 'CONFIRMATION' ? '满意度确认函 / confirmation letter' : '回复邮件 / reply mail';
  const why =
    row.failure_reason === 'BOUNCED'
      ? '被退回 / bounced'
      : row.failure_reason === 'REJECTED'
        ? '被收件服务器拒绝 / rejected'
        : '多次重试后仍未送达 / gave up after retries';
  return `[channels] ${what} ${why}${address ? ` (${address})` : ''}: ${row.last_code ?? ''} ${row.last_response ?? ''}`.trim();
}

/**
 * The mail outbox: rows written by the event consumer in the transaction
 * that applies the event, sent by this worker at least once. Each row's
 * Message-ID is fixed when it is written, so a resend after a crash is the
 * same message to the receiving side.
 */
export class OutboundMailService {
  private transport: Transporter | null = null;
  letters: ConfirmationLetters | null = null;
  /** Called after mail failed for good: the agent notes are due. */
  onFailed: () => void = () => undefined;

  constructor(
    private readonly dataSource: DataSource,
    private readonly outbox: OutboxWriter,
    private readonly tickets: TicketsClient,
    private readonly config: MailConfig,
    private readonly logger: Logger,
  ) {}

  /** Queues a mail in the caller's transaction; a redelivered event queues nothing new. */
  async enqueue(
    manager: EntityManager,
    input: { sourceEventId: string; kind: OutboundKind; ticketId: string; body: string },
  ): Promise<void> {
    const id = randomUUID();
    await manager.query(
      `INSERT INTO outbound_mail (id, message_id, source_event_id, kind, ticket_id, body, state)
       VALUES ($1, $2, $3, $4, $5, $6, 'PENDING') ON CONFLICT DO NOTHING`,
      [
        id,
        `${input.kind.toLowerCase()}.${id}@${this.config.domain.toLowerCase()}`,
        input.sourceEventId,
        input.kind,
        input.ticketId,
        // The reply text from the event, masked again rather than trusting the producer: the row is what is sent.
        maskSensitive(input.body),
      ],
    );
  }

  /** The mail log of a ticket, oldest first. */
  async forTicket(ticketId: string): Promise<MailLogRow[]> {
    if (!/^[0-9a-f-]{36}$/i.test(ticketId)) return [];
    return this.dataSource.query(`SELECT * FROM outbound_mail WHERE ticket_id = $1 ORDER BY created_at`, [
      ticketId,
    ]);
  }

  private getTransport(): Transporter {
    const url = new URL(this.config.relayUrl!);
    this.transport ??= nodemailer.createTransport({
      // Pooled: mails in flight share SMTP_RELAY_CONNECTIONS open connections instead of one each.
      pool: true,
      maxConnections: this.config.relayConnections,
      maxMessages: 100,
      host: url.hostname,
      port: Number(url.port || (url.protocol === 'smtps:' ? 465 : 587)),
      secure: url.protocol === 'smtps:',
      auth: url.username
        ? { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) }
        : undefined,
      // A relay without STARTTLS on a private network is the operator's choice; ask for TLS when offered.
      ignoreTLS: url.searchParams.get('tls') === 'off',
      connectionTimeout: 15_000,
      greetingTimeout: 15_000,
      socketTimeout: 30_000,
    });
    return this.transport;
  }

  close(): void {
    this.transport?.close();
  }

  /**
   * Claims due mail with a lease, oldest first, none of a ticket whose mail is
   * already being sent here (`busyTickets`): one ticket's mails go out one at
   * a time, in order, so each carries the Message-IDs of those before it.
   */
  async claim(limit: number, busyTickets: string[] = []): Promise<OutboundRow[]> {
    const rows = await updateReturning<OutboundRow & { created_at: Date }>(
      this.dataSource,
      `UPDATE outbound_mail SET attempts = attempts + 1, next_attempt_at = now() + interval '${LEASE_SECONDS} seconds'
       WHERE id IN (SELECT id FROM outbound_mail WHERE state = 'PENDING' AND next_attempt_at <= now()
                      AND ticket_id <> ALL($2::uuid[])
                    ORDER BY created_at LIMIT $1 FOR UPDATE SKIP LOCKED)
       RETURNING *`,
      [limit, busyTickets],
    );
    // RETURNING follows no ORDER BY.
    return rows.sort((a, b) => new Date(a.created_at).getTime() - new Date(b.created_at).getTime());
  }

  /**
   * Where this ticket's mail goes: its thread, or a customer who prefers
   * EMAIL (asked once through the graph). The ticket itself is read only
   * when needed (a letter checks it is still RESOLVED), so replies on known
   * threads go out while tickets is down.
   */
  private async thread(
    ticketId: string,
    needTicket: boolean,
  ): Promise<{ thread: ThreadRow | null; ticket: TicketForMail | null }> {
    const [known]: ThreadRow[] = await this.dataSource.query(
      `SELECT * FROM mail_threads WHERE ticket_id = $1`,
      [ticketId],
    );
    if (known && !needTicket) return { thread: known, ticket: null };
    const { ticket } = await this.tickets.request<{ ticket: TicketForMail | null }>(
      CHANNELS_SERVICE_IDENTITY,
      TICKET_FOR_MAIL,
      { id: ticketId },
    );
    if (known || !ticket) return { thread: known ?? null, ticket };
    const channel = ticket.customer.preferredChannel ?? ticket.channel;
    const address = ticket.customer.contact?.trim().toLowerCase() ?? '';
    if (channel !== 'EMAIL' || !ADDRESS.test(address)) return { thread: null, ticket };
    await this.dataSource.query(
      `INSERT INTO mail_threads (ticket_id, ticket_number, customer_id, address, name, subject)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (ticket_id) DO NOTHING`,
      [ticket.id, ticket.number, ticket.customer.id, address, ticket.customer.name, ticket.title],
    );
    const [created]: ThreadRow[] = await this.dataSource.query(
      `SELECT * FROM mail_threads WHERE ticket_id = $1`,
      [ticketId],
    );
    return { thread: created, ticket };
  }

  private async skip(row: OutboundRow, reason: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE outbound_mail SET state = 'SKIPPED', last_response = $2 WHERE id = $1`,
      [row.id, reason],
    );
  }

  /** Sends one claimed mail; the outcome is recorded on the row (SENT, retry, FAILED or SKIPPED). */
  async send(row: OutboundRow): Promise<void> {
    try {
      if (!this.config.relayUrl) return await this.skip(row, 'no SMTP_RELAY_URL configured');
      const { thread, ticket } = await this.thread(row.ticket_id, row.kind === 'CONFIRMATION');
      if (!thread) return await this.skip(row, 'the customer does not take mail');
      let text = row.body;
      let subject = `Re: ${thread.subject} [${thread.ticket_number}]`;
      const extraHeaders: Record<string, string> = {};
      if (row.kind === 'CONFIRMATION') {
        if (!ticket || ticket.status !== 'RESOLVED' || !this.letters) {
          return await this.skip(row, `ticket is ${ticket?.status ?? 'gone'}`);
        }
        text = await this.letters.letterText(row.id, thread, ticket);
        subject = `《客户满意度确认函》 [${thread.ticket_number}] ${thread.subject}`;
        // RFC 3834: generated mail, so well-behaved auto-responders stay quiet.
        extraHeaders['Auto-Submitted'] = 'auto-generated';
      }
      const history: { message_id: string }[] = await this.dataSource.query(
        `SELECT message_id FROM mail_message_ids WHERE ticket_id = $1 ORDER BY created_at DESC LIMIT 20`,
        [row.ticket_id],
      );
      const references = history.map((entry) => `<${entry.message_id}>`).reverse();
      const info = await this.getTransport().sendMail({
        from: this.config.from,
        to: thread.name ? { name: thread.name, address: thread.address } : thread.address,
        subject,
        text,
        messageId: `<${row.message_id}>`,
        ...(references.length > 0 ? { inReplyTo: references[references.length - 1], references } : {}),
        headers: { ...extraHeaders, 'X-Deskgraph-Ticket': thread.ticket_number },
      });
      await this.dataSource.transaction(async (manager) => {
        await manager.query(
          `UPDATE outbound_mail SET state = 'SENT', sent_at = now(), to_address = $2, subject = $3, last_response = $4, last_code = 250
           WHERE id = $1`,
          [row.id, thread.address, subject, maskSensitive(String(info.response ?? '')).slice(0, 500)],
        );
        await manager.query(
          `INSERT INTO mail_message_ids (message_id, ticket_id) VALUES ($1, $2) ON CONFLICT (message_id) DO NOTHING`,
          [row.message_id, row.ticket_id],
        );
      });
      this.logger.info({ mailId: row.id, kind: row.kind, ticketId: row.ticket_id }, 'mail sent');
    } catch (error) {
      await this.sendFailed(row, error);
    }
  }

  private async sendFailed(row: OutboundRow, error: unknown): Promise<void> {
    const code = (error as { responseCode?: number }).responseCode ?? null;
    const message = maskSensitive(String((error as Error).message ?? error)).slice(0, 500);
    const graphTrouble = error instanceof TicketsGraphError && error.retryable;
    const permanent = code !== null && code >= 500;
    const exhausted = !graphTrouble && row.attempts >= this.config.maxAttempts;
    if (!permanent && !exhausted) {
      const delay = backoffDelayMs(row.attempts, this.config.retryBaseMs, 6 * 3_600_000);
      this.logger.warn(
        { mailId: row.id, code, attempts: row.attempts, retryInMs: delay, err: message },
        'mail not sent; will retry',
      );
      await this.dataSource.query(
        `UPDATE outbound_mail SET next_attempt_at = now() + ($2 || ' milliseconds')::interval, last_code = $3, last_response = $4
         WHERE id = $1`,
        [row.id, delay, code, message],
      );
      return;
    }
    await this.fail([row.id], permanent ? 'REJECTED' : 'GAVE_UP', code, message);
  }

  /** A bounce names Message-IDs we sent: those mails failed after all. */
  async recordBounce(messageIds: string[], diagnostic: string): Promise<void> {
    if (messageIds.length === 0) return;
    const rows: { id: string }[] = await this.dataSource.query(
      `SELECT id FROM outbound_mail WHERE message_id = ANY($1) AND state IN ('SENT', 'PENDING')`,
      [messageIds],
    );
    const code = /\b(5\d\d)\b/.exec(diagnostic)?.[1];
    await this.fail(
      rows.map((row) => row.id),
      'BOUNCED',
      code ? Number(code) : null,
      diagnostic.slice(0, 500),
    );
  }

  /** Marks mails failed for good and emits the failure event, in one transaction. */
  private async fail(
    ids: string[],
    reason: 'REJECTED' | 'BOUNCED' | 'GAVE_UP',
    code: number | null,
    detail: string,
  ): Promise<void> {
    if (ids.length === 0) return;
    await this.dataSource.transaction(async (manager) => {
      const failed = await updateReturning<OutboundRow>(
        manager,
        `UPDATE outbound_mail SET state = 'FAILED', failed_at = now(), failure_reason = $2, last_code = $3, last_response = $4
         WHERE id = ANY($1) AND state IN ('PENDING', 'SENT') RETURNING *`,
        [ids, reason, code, detail],
      );
      await this.outbox.enqueue(
        manager,
        failed.map((row) =>
          channelEvents.mailDeliveryFailed({
            mailId: row.id,
            ticketId: row.ticket_id,
            kind: row.kind,
            messageId: `<${row.message_id}>`,
            reason,
            responseCode: code,
            detail,
            attempts: row.attempts,
            at: new Date().toISOString(),
          }),
        ),
      );
      for (const row of failed) this.logger.warn({ mailId: row.id, reason, code }, 'mail failed for good');
    });
    this.onFailed();
  }

  /**
   * Tells the agent on the ticket itself: an internal note written through
   * the tickets subgraph (timeline entry NOTE_ADDED, pushed to the queue's
   * live subscribers). Retried after the poll interval until tickets takes it.
   */
  async notifyAgents(): Promise<number> {
    const rows: (OutboundRow & { to_address: string | null })[] = await this.dataSource.query(
      `SELECT * FROM outbound_mail WHERE failed_at IS NOT NULL AND agent_notified_at IS NULL ORDER BY failed_at LIMIT 20`,
    );
    let done = 0;
    for (const row of rows) {
      try {
        await this.tickets.request(
          CHANNELS_SERVICE_IDENTITY,
          REPLY_TO_TICKET,
          {
            input: {
              ticketId: row.ticket_id,
              body: failureNote(row, row.to_address),
              visibility: 'INTERNAL',
            },
          },
          `mail-failed-${row.id}`,
        );
      } catch (error) {
        if (error instanceof TicketsGraphError && error.retryable) {
          this.logger.warn({ err: error, mailId: row.id }, 'could not tell the agent yet');
          continue;
        }
        // A ticket that takes no notes (archived, merged) keeps the failure event only.
        this.logger.warn({ err: error, mailId: row.id }, 'the ticket takes no failure note');
      }
      await this.dataSource.query(`UPDATE outbound_mail SET agent_notified_at = now() WHERE id = $1`, [
        row.id,
      ]);
      done++;
    }
    return done;
  }
}
