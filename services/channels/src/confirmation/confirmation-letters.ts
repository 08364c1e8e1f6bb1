import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { Logger } from '@deskgraph/platform';
import type { ChannelsConfig } from '../environment';
import {
  CONFIRM_RESOLUTION,
  customerIdentity,
  REPLY_TO_TICKET,
  TicketsClient,
  TicketsGraphError,
  type TicketForMail,
} from '../graph/tickets-client';
import { signLinkToken, verifyLinkToken } from './confirmation-token';

export const CONFIRMATION_CHOICES = [
  'VERY_SATISFIED',
  'SATISFIED',
  'NEUTRAL',
  'UNSATISFIED',
  'MORE_HELP',
] as const;
export type ConfirmationChoice = (typeof CONFIRMATION_CHOICES)[number];

export const CHOICE_LABELS: Record<ConfirmationChoice, string> = {
  VERY_SATISFIED: '非常满意 / Very satisfied',
  SATISFIED: '满意 / Satisfied',
  NEUTRAL: '一般 / Neutral',
  UNSATISFIED: '不满意，请重新处理 / Unsatisfied: please handle it again',
  MORE_HELP: '问题未解决，需要更多帮助 / I need more help',
};

interface LinkRow {
  id: string;
  letter_id: string;
  ticket_id: string;
  customer_id: string;
  choice: ConfirmationChoice;
  expires_at: Date;
  used_at: Date | null;
}

export type LinkOutcome =
  | { kind: 'READY'; choice: ConfirmationChoice; ticketNumber: string | null }
  | { kind: 'DONE'; choice: ConfirmationChoice }
  | { kind: 'INVALID' }
  | { kind: 'USED' }
  | { kind: 'EXPIRED' }
  | { kind: 'REFUSED'; message: string }
  | { kind: 'UNAVAILABLE' };

/**
 * 《客户满意度确认函》: one signed, single-use link per satisfaction level and
 * one for more help. Using any link of a letter uses the whole letter; the
 * rating goes through tickets' confirmResolution as the customer, so its
 * rules apply (UNSATISFIED reopens for a second handling).
 */
export class ConfirmationLetters {
  constructor(
    private readonly dataSource: DataSource,
    private readonly tickets: TicketsClient,
    private readonly config: ChannelsConfig,
    private readonly logger: Logger,
  ) {}

  /** The links of a letter, made once per letter (a resent letter carries the same links). */
  private async links(letterId: string, ticket: TicketForMail): Promise<LinkRow[]> {
    const existing: LinkRow[] = await this.dataSource.query(
      `SELECT * FROM confirmation_links WHERE letter_id = $1`,
      [letterId],
    );
    if (existing.length > 0) return existing;
    const expiresAt = new Date(Date.now() + this.config.confirmationTtlMs);
    await this.dataSource.transaction(async (manager) => {
      // Serialises two senders of the same letter; the second finds the first's links.
      await manager.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [letterId]);
      const again: unknown[] = await manager.query(`SELECT 1 FROM confirmation_links WHERE letter_id = $1`, [
        letterId,
      ]);
      if (again.length > 0) return;
      for (const choice of CONFIRMATION_CHOICES) {
        await manager.query(
          `INSERT INTO confirmation_links (id, letter_id, ticket_id, customer_id, choice, expires_at) VALUES ($1, $2, $3, $4, $5, $6)`,
          [randomUUID(), letterId, ticket.id, ticket.customer.id, choice, expiresAt],
        );
      }
    });
    return this.dataSource.query(`SELECT * FROM confirmation_links WHERE letter_id = $1`, [letterId]);
  }

  linkUrl(linkId: string): string {
    return `${this.config.publicUrl}/confirm/${signLinkToken(linkId, this.config.confirmationSecret)}`;
  }

  async letterText(
    letterId: string,
    thread: { name: string | null },
    ticket: TicketForMail,
  ): Promise<string> {
    const links = await this.links(letterId, ticket);
    const byChoice = new Map(links.map((link) => [link.choice, link]));
    const expires = new Date(links[0].expires_at);
    const lines = CONFIRMATION_CHOICES.map(
      (choice) => `${CHOICE_LABELS[choice]}:\n${this.linkUrl(byChoice.get(choice)!.id)}\n`,
    );
    return [
      `尊敬的${thread.name ?? '客户'}：`,
      '',
      `您的工单 ${ticket.number}「${ticket.title}」已处理完毕。请点击下面的一个链接确认处理结果（每封确认函仅可使用一次，有效期至 ${expires.toISOString()}）：`,
      `Your ticket ${ticket.number} has been resolved. Please confirm the result with one of these links (single use, valid until ${expires.toISOString()}):`,
      '',
      ...lines,
      '客服中心 / Customer Service',
    ].join('\n');
  }

  /** What a link would do, for the page shown before the customer confirms. */
  async inspect(token: string): Promise<LinkOutcome> {
    const link = await this.find(token);
    if ('kind' in link) return link;
    const [thread]: { ticket_number: string }[] = await this.dataSource.query(
      `SELECT ticket_number FROM mail_threads WHERE ticket_id = $1`,
      [link.ticket_id],
    );
    return { kind: 'READY', choice: link.choice, ticketNumber: thread?.ticket_number ?? null };
  }

  private async find(
    token: string,
    manager: Pick<DataSource, 'query'> = this.dataSource,
  ): Promise<LinkRow | LinkOutcome> {
    const linkId = verifyLinkToken(token, this.config.confirmationSecret);
    if (!linkId) return { kind: 'INVALID' };
    const [link]: LinkRow[] = await manager.query(`SELECT * FROM confirmation_links WHERE id = $1`, [linkId]);
    if (!link) return { kind: 'INVALID' };
    const [used]: unknown[] = await manager.query(
      `SELECT 1 FROM confirmation_links WHERE letter_id = $1 AND used_at IS NOT NULL`,
      [link.letter_id],
    );
    if (used) return { kind: 'USED' };
    if (new Date(link.expires_at).getTime() <= Date.now()) return { kind: 'EXPIRED' };
    return link;
  }

  /**
   * Applies the link once. The letter's rows stay locked while tickets
   * applies the choice, so two clicks at once apply one; when tickets says
   * no (the ticket is no longer resolved) the link stays unused.
   */
  async use(token: string): Promise<LinkOutcome> {
    try {
      return await this.dataSource.transaction(async (manager) => {
        const linkId = verifyLinkToken(token, this.config.confirmationSecret);
        if (!linkId) return { kind: 'INVALID' } as const;
        const [target]: { letter_id: string }[] = await manager.query(
          `SELECT letter_id FROM confirmation_links WHERE id = $1`,
          [linkId],
        );
        if (!target) return { kind: 'INVALID' } as const;
        await manager.query(`SELECT id FROM confirmation_links WHERE letter_id = $1 FOR UPDATE`, [
          target.letter_id,
        ]);
        const link = await this.find(token, manager);
        if ('kind' in link) return link;
        const identity = customerIdentity(link.customer_id);
        if (link.choice === 'MORE_HELP') {
          // A customer message: tickets reopens the RESOLVED ticket for a second handling. Keyed by
          // the letter, so a retry after a crash before `used_at` adds no second message.
          await this.tickets.request(
            identity,
            REPLY_TO_TICKET,
            {
              input: {
                ticketId: link.ticket_id,
                body: '客户通过满意度确认函表示问题未解决，需要更多帮助。/ The customer needs more help (confirmation letter).',
                visibility: 'PUBLIC',
              },
            },
            `letter-${link.letter_id}`,
          );
        } else {
          await this.tickets.request(identity, CONFIRM_RESOLUTION, {
            input: { ticketId: link.ticket_id, satisfaction: link.choice },
          });
        }
        await manager.query(`UPDATE confirmation_links SET used_at = now() WHERE id = $1`, [link.id]);
        this.logger.info({ ticketId: link.ticket_id, choice: link.choice }, 'confirmation link used');
        return { kind: 'DONE', choice: link.choice } as const;
      });
    } catch (error) {
      if (error instanceof TicketsGraphError && !error.retryable) {
        return { kind: 'REFUSED', message: error.errors[0]?.message ?? 'refused' };
      }
      this.logger.error({ err: error }, 'confirmation link could not be applied');
      return { kind: 'UNAVAILABLE' };
    }
  }
}
