import { createHash, randomUUID } from 'node:crypto';
import { simpleParser } from 'mailparser';
import type { DataSource } from 'typeorm';
import { maskSensitive, type Logger } from '@deskgraph/platform';
import type { MailConfig } from '../environment';
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
  const inserted: unknown[] = await dataSource.query(
    `INSERT INTO inbound_mail
       (id, message_id, from_address, from_name, subject, body, attachment_names, in_reply_to, "references", state, ignored_reason)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
     ON CONFLICT (message_id) DO NOTHING RETURNING id`,
    [
      id,
      mail.messageId,
      mail.fromAddress,
      mail.fromName,
      mail.subject,
      mail.body,
      mail.attachmentNames,
      mail.inReplyTo,
      mail.references,
      automatic ? 'IGNORED' : 'PENDING',
      automatic,
    ],
  );
  if (automatic) {
    logger.info(
      { mailId: id, reason: automatic, from: mail.fromAddress },
      'automatic mail ignored: no ticket, no reply',
    );
    return { stored: false, answer: 'automatic mail accepted' };
  }
  logger.info({ mailId: id, duplicate: inserted.length === 0 }, 'mail accepted');
  return { stored: true, answer: 'queued' };
}
