import { createHash, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import type { DataSource } from 'typeorm';
import { maskSensitive, type BackgroundWorker, type Logger } from '@deskgraph/platform';
import type { MailConfig } from '../environment';
import { automaticMailReason, MalformedMailError, normalizeMessageId, toInboundMail } from './mail-content';

/** An SMTP answer that refuses the mail; smtp-server sends `responseCode message`. */
function refusal(responseCode: number, message: string): Error & { responseCode: number } {
  return Object.assign(new Error(message), { responseCode });
}

export interface SmtpListener extends BackgroundWorker {
  /** The port it listens on (resolved when SMTP_PORT is 0). */
  port(): number;
}

export interface SmtpListenerOptions {
  dataSource: DataSource;
  config: MailConfig;
  logger: Logger;
  /** Called after a mail was stored, so the processor picks it up at once. */
  onStored: () => void;
}

/**
 * Reads the whole message (at most the size limit), parses it, and stores
 * its masked, parsed form before answering 250: once the client has our
 * 250 the mail is in PostgreSQL, and a crash afterwards loses nothing. A
 * retried delivery (same Message-ID) is answered 250 and stored once.
 */
export function createSmtpListener(options: SmtpListenerOptions): SmtpListener {
  const { config, logger } = options;
  const log = logger.child({ component: 'smtp-listener' });

  async function accept(raw: Buffer, session: SMTPServerSession): Promise<string> {
    let parsed;
    try {
      parsed = await simpleParser(raw, { skipImageLinks: true, skipTextToHtml: true });
    } catch (error) {
      throw new MalformedMailError(`the message cannot be parsed (${(error as Error).message})`);
    }
    const envelopeFrom = session.envelope.mailFrom ? session.envelope.mailFrom.address : null;
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
      const inserted: unknown[] = await options.dataSource.query(
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
      log.info(
        { mailId: id, duplicate: inserted.length === 0, mentions: ours.length },
        'bounce of our mail stored',
      );
      options.onStored();
      return 'delivery report accepted';
    }
    if (automatic === 'DELIVERY_REPORT' && !parsed.from?.value?.[0]?.address) {
      // A report that names none of our mail and has no sender: nothing to keep.
      log.info({ remote: session.remoteAddress }, 'delivery report ignored');
      return 'delivery report accepted';
    }
    const mail = toInboundMail(parsed, fallbackId);
    const id = randomUUID();
    const inserted: unknown[] = await options.dataSource.query(
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
      log.info(
        { mailId: id, reason: automatic, from: mail.fromAddress },
        'automatic mail ignored: no ticket, no reply',
      );
      return 'automatic mail accepted';
    }
    log.info({ mailId: id, duplicate: inserted.length === 0 }, 'mail accepted');
    options.onStored();
    return 'queued';
  }

  const server = new SMTPServer({
    name: config.domain,
    banner: 'deskgraph channels',
    size: config.maxMessageBytes,
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    onData(stream: SMTPServerDataStream, session: SMTPServerSession, callback) {
      const chunks: Buffer[] = [];
      let length = 0;
      stream.on('data', (chunk: Buffer) => {
        length += chunk.length;
        // Past the limit, keep draining the stream but stop holding it in memory.
        if (length <= config.maxMessageBytes) chunks.push(chunk);
      });
      stream.on('error', (error) => callback(error));
      stream.on('end', () => {
        if (stream.sizeExceeded || length > config.maxMessageBytes) {
          log.warn(
            { bytes: length, limit: config.maxMessageBytes, remote: session.remoteAddress },
            'mail refused: too large',
          );
          callback(refusal(552, `5.3.4 Message too big: the limit is ${config.maxMessageBytes} bytes`));
          return;
        }
        accept(Buffer.concat(chunks), session).then(
          (message) => callback(null, message),
          (error: unknown) => {
            if (error instanceof MalformedMailError) {
              log.warn({ reason: error.message, remote: session.remoteAddress }, 'mail refused: malformed');
              callback(refusal(550, `5.6.0 Malformed message: ${error.message}`));
              return;
            }
            // Not stored: a temporary failure makes the sender try again later.
            log.error({ err: error }, 'mail could not be stored');
            callback(refusal(451, '4.3.0 Temporary failure storing the message; try again later'));
          },
        );
      });
    },
  });
  server.on('error', (error) => log.error({ err: error }, 'smtp server error'));

  let listeningPort = 0;
  return {
    name: 'smtp-listener',
    async start() {
      await new Promise<void>((resolve, reject) => {
        server.server.once('error', reject);
        server.listen(config.smtpPort, config.smtpHost, () => {
          server.server.off('error', reject);
          resolve();
        });
      });
      listeningPort = (server.server.address() as AddressInfo).port;
      log.info({ port: listeningPort }, 'SMTP listener ready');
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
    ready: () => listeningPort > 0,
    port: () => listeningPort,
  };
}
