import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import type { DataSource } from 'typeorm';
import type { BackgroundWorker, Logger } from '@deskgraph/platform';
import type { MailConfig } from '../environment';
import { storeInboundMail } from './inbound-store';
import { MalformedMailError } from './mail-content';

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
        storeInboundMail(
          { dataSource: options.dataSource, config, logger: log },
          Buffer.concat(chunks),
          session.envelope.mailFrom ? session.envelope.mailFrom.address : null,
        ).then(
          (stored) => {
            if (stored.stored) options.onStored();
            callback(null, stored.answer);
          },
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
