import { createHash, randomUUID } from 'node:crypto';
import { simpleParser } from 'mailparser';
import type { DataSource } from 'typeorm';
import { maskSensitive, type Logger } from '@deskgraph/platform';
import type { MailConfig } from '../environment';
import type { InboundRow } from './inbound-processor';
import { automaticMailReason, MalformedMailError, normalizeMessageId, toInboundMail } from './mail-content';

export interface InboundStoreDependencies {
  dataSource: DataSource;
  config: Pick<MailConfig, 'domain'>;
  logger: Logger;
}

export interface StoredMail {
  /** A row the processor has to work on was written (a new mail or a bounce of ours). */
  stored: boolean;
  /** What the SMTP listener answers with its 250. */
  answer: string;
}

/** A new `inbound_mail` row: the processor's row before it is claimed (no attempts, received now). */
type InboundInsert = Omit<InboundRow, 'state' | 'attempts' | 'received_at'> & {
  state: 'PENDING' | 'IGNORED';
};

/**
 * Writes accepted mail in groups: the mails that arrive while a write runs
 * go together in the next one, a statement (and a commit) for many SMTP
 * sessions at once. Each mail's promise settles when its own row is
 * committed, so no mail is answered 250 before it is stored. A group that
 * fails is written again one mail at a time, so one mail PostgreSQL refuses
 * fails alone.
 */
class GroupWriter {
  private waiting: {
    row: InboundInsert;
    done: (inserted: boolean) => void;
    failed: (error: unknown) => void;
  }[] = [];
  private writing = false;

  constructor(private readonly dataSource: DataSource) {}

  /** True when the row was written, false when its Message-ID was already stored. */
  insert(row: InboundInsert): Promise<boolean> {
    return new Promise((done, failed) => {
      this.waiting.push({ row, done, failed });
      if (!this.writing) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.writing = true;
    while (this.waiting.length > 0) {
      const group = this.waiting;
      this.waiting = [];
      try {
        const written = await this.write(group.map(({ row }) => row));
        for (const { row, done } of group) done(written.has(row.id));
      } catch (error) {
        if (group.length === 1) group[0].failed(error);
        else
          await Promise.all(
            group.map(({ row, done, failed }) =>
              this.write([row]).then((written) => done(written.has(row.id)), failed),
            ),
          );
      }
    }
    this.writing = false;
  }

  /**
   * One statement for the rows; a Message-ID stored before (or twice in the rows) is written once.
   * Rows keep their arrival order in `received_at`, which the processor takes mail by.
   */
  private async write(rows: InboundInsert[]): Promise<Set<string>> {
    const inserted: { id: string }[] = await this.dataSource.query(
      `INSERT INTO inbound_mail
         (id, message_id, from_address, from_name, subject, body, attachment_names, in_reply_to, "references", state,
          ignored_reason, received_at)
       SELECT id, message_id, from_address, from_name, subject, body, attachment_names, in_reply_to, "references", state,
              ignored_reason, now() + (position - 1) * interval '1 microsecond'
         FROM ROWS FROM (jsonb_to_recordset($1::jsonb) AS (
           id uuid, message_id text, from_address text, from_name text, subject text, body text, attachment_names text[],
           in_reply_to text, "references" text[], state text, ignored_reason text)) WITH ORDINALITY AS mail(
           id, message_id, from_address, from_name, subject, body, attachment_names, in_reply_to, "references", state,
           ignored_reason, position)
        ORDER BY position
       ON CONFLICT (message_id) DO NOTHING RETURNING id`,
      [JSON.stringify(rows)],
    );
    return new Set(inserted.map((row) => row.id));
  }
}

const writers = new WeakMap<DataSource, GroupWriter>();

function groupWriter(dataSource: DataSource): GroupWriter {
  let writer = writers.get(dataSource);
  if (!writer) {
    writer = new GroupWriter(dataSource);
    writers.set(dataSource, writer);
  }
  return writer;
}

/**
 * The one intake of a whole message, whether the SMTP listener received it
 * or the IMAP poller fetched it: parse, sort out automatic mail, mask, and
 * write its parsed form to `inbound_mail`. The Message-ID (else a hash of
 * the content) is unique there, so the same message taken in twice is
 * stored once. `envelopeFrom`: the reverse path ('' for a null one, null
 * when unknown). Throws `MalformedMailError` for mail it cannot take.
 */
export async function storeInboundMail(
  { dataSource, config, logger }: InboundStoreDependencies,
  raw: Buffer,
  envelopeFrom: string | null,
): Promise<StoredMail> {
  let parsed;
  try {
    parsed = await simpleParser(raw, { skipImageLinks: true, skipTextToHtml: true });
  } catch (error) {
    throw new MalformedMailError(`the message cannot be parsed (${(error as Error).message})`);
  }
  const fallbackId = `${createHash('sha256').update(raw).digest('hex')}@content.${config.domain}`;
  const automatic = automaticMailReason(parsed.headers, envelopeFrom);
  // A bounce of a mail we sent names its Message-ID somewhere in the report.
  const ours =
    automatic === 'DELIVERY_REPORT'
      ? [
          ...new Set(
            [...raw.toString('latin1').matchAll(/<([^<>\s]+@[^<>\s]+)>/g)]
              .map((match) => normalizeMessageId(match[1]))
              .filter((id) => id.endsWith(`@${config.domain.toLowerCase()}`)),
          ),
        ]
      : [];
  if (ours.length > 0) {
    const id = randomUUID();
    const inserted: unknown[] = await dataSource.query(
      `INSERT INTO inbound_mail (id, message_id, from_address, subject, body, "references", state, ignored_reason)
       VALUES ($1, $2, $3, '', '', $4, 'BOUNCE', $5) ON CONFLICT (message_id) DO NOTHING RETURNING id`,
      [
        id,
        normalizeMessageId(parsed.messageId ?? fallbackId),
        envelopeFrom ?? '',
        ours,
        maskSensitive(parsed.text ?? '').slice(0, 500),
      ],
    );
    logger.info(
      { mailId: id, duplicate: inserted.length === 0, mentions: ours.length },
      'bounce of our mail stored',
    );
    return { stored: true, answer: 'delivery report accepted' };
  }
  if (automatic === 'DELIVERY_REPORT' && !parsed.from?.value?.[0]?.address) {
    // A report that names none of our mail and has no sender: nothing to keep.
    logger.info('delivery report ignored');
    return { stored: false, answer: 'delivery report accepted' };
  }
  const mail = toInboundMail(parsed, fallbackId);
  const id = randomUUID();
  const inserted = await groupWriter(dataSource).insert({
    id,
    message_id: mail.messageId,
    from_address: mail.fromAddress,
    from_name: mail.fromName,
    subject: mail.subject,
    body: mail.body,
    attachment_names: mail.attachmentNames,
    in_reply_to: mail.inReplyTo,
    references: mail.references,
    state: automatic ? 'IGNORED' : 'PENDING',
    ignored_reason: automatic,
  });
  if (automatic) {
    logger.info(
      { mailId: id, reason: automatic, from: mail.fromAddress },
      'automatic mail ignored: no ticket, no reply',
    );
    return { stored: false, answer: 'automatic mail accepted' };
  }
  logger.info({ mailId: id, duplicate: !inserted }, 'mail accepted');
  return { stored: true, answer: 'queued' };
}
