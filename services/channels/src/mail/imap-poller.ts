import { ImapFlow } from 'imapflow';
import type { DataSource } from 'typeorm';
import type { BackgroundWorker, Logger } from '@deskgraph/platform';
import type { ImapMailboxConfig, MailConfig } from '../environment';
import { backoffDelayMs } from '../work/work-loop';
import { storeInboundMail } from './inbound-store';
import { MailboxLease } from './mailbox-lease';
import { MalformedMailError } from './mail-content';

/** Messages fetched per round; the rest follow in the next round at once. */
const BATCH = 50;

export interface ImapPollerOptions {
  dataSource: DataSource;
  mailbox: ImapMailboxConfig;
  mail: Pick<MailConfig, 'domain' | 'maxMessageBytes'>;
  logger: Logger;
  /** Called after a mail was stored, so the processor picks it up at once. */
  onStored: () => void;
}

export interface ImapPoller extends BackgroundWorker {
  /** This replica holds the mailbox's lock and polls it. */
  holdsMailbox(): boolean;
  /** Another replica holds the mailbox: this one only checks, every poll interval, whether it is free. */
  standingBy(): boolean;
}

/** The reverse path a delivering server recorded: '' for a null one (bounces), null when absent. */
function returnPath(raw: Buffer): string | null {
  const head = raw.subarray(0, Math.min(raw.length, 64 * 1024)).toString('latin1');
  const end = head.search(/\r?\n\r?\n/);
  const match = /^return-path:\s*<?([^>\r\n]*)>?/im.exec(end >= 0 ? head.slice(0, end) : head);
  return match ? match[1].trim() : null;
}

/**
 * Takes a mailbox's new mail into the same intake as the SMTP listener.
 * Per round: the UIDs above the last one taken (for this UIDVALIDITY), each
 * message stored (or refused), then flagged \Seen or moved on the server,
 * then the last UID remembered. A crash before the flag refetches the
 * message, and the intake's Message-ID key stores it once; a crash after
 * it changes nothing. A new UIDVALIDITY (the folder was recreated) starts
 * from its unseen mail, as the first round does.
 *
 * With several replicas, one polls each mailbox: the one holding its
 * advisory lock (`MailboxLease`); the others stand by and try the lock every
 * poll interval, so when the holder dies one of them takes over. If the
 * holder's lock connection is lost mid-round, another replica may start
 * while that round ends: the Message-ID key and the forward-only UID mark
 * keep that overlap harmless.
 */
export function createImapPoller(options: ImapPollerOptions): ImapPoller {
  const { dataSource, mailbox, mail } = options;
  const log = options.logger.child({ component: 'imap-poller', mailbox: mailbox.name });
  let client: ImapFlow | null = null;
  let stopped = true;
  let wake: (() => void) | null = null;
  let loop: Promise<void> | null = null;
  let connected = false;
  let standingBy = false;
  const databaseUrl = (dataSource.options as { url?: string }).url;
  if (!databaseUrl) throw new Error('the IMAP poller needs a data source configured by URL');
  const lease = new MailboxLease(databaseUrl, mailbox.name, () => {
    log.warn('lost the mailbox lock (its database connection ended); polling stops until it is taken again');
    wake?.();
  });

  /** Logs out of the IMAP server (a replica that no longer polls keeps no connection). */
  async function disconnect(): Promise<void> {
    const open = client;
    client = null;
    connected = false;
    if (open) await open.logout().catch(() => open.close());
  }

  function connect(): ImapFlow {
    const imap = new ImapFlow({
      host: mailbox.host,
      port: mailbox.port,
      secure: mailbox.tls === 'implicit',
      doSTARTTLS: mailbox.tls === 'starttls' ? true : mailbox.tls === 'off' ? false : undefined,
      tls: { rejectUnauthorized: mailbox.rejectUnauthorized },
      auth: { user: mailbox.user, pass: mailbox.password },
      logger: false,
      // IDLE is how the server tells us about new mail; without it we only poll.
      disableAutoIdle: !mailbox.idle,
    });
    imap.on('exists', () => wake?.());
    imap.on('error', (error: Error) => log.warn({ err: error }, 'IMAP connection error'));
    imap.on('close', () => {
      connected = false;
      wake?.();
    });
    return imap;
  }

  async function lastUid(uidValidity: string): Promise<number | null> {
    const [row]: { last_uid: string }[] = await dataSource.query(
      `SELECT last_uid FROM imap_mailbox_state WHERE mailbox = $1 AND uid_validity = $2`,
      [mailbox.name, uidValidity],
    );
    return row ? Number(row.last_uid) : null;
  }

  async function remember(uidValidity: string, uid: number): Promise<void> {
    // GREATEST: two replicas polling the same mailbox never move the mark back.
    await dataSource.query(
      `INSERT INTO imap_mailbox_state (mailbox, uid_validity, last_uid) VALUES ($1, $2, $3)
       ON CONFLICT (mailbox, uid_validity)
       DO UPDATE SET last_uid = GREATEST(imap_mailbox_state.last_uid, EXCLUDED.last_uid), updated_at = now()`,
      [mailbox.name, uidValidity, uid],
    );
  }

  /** One round: returns how many messages it took (BATCH means there may be more). */
  async function round(imap: ImapFlow): Promise<number> {
    const lock = await imap.getMailboxLock(mailbox.folder);
    try {
      const opened = imap.mailbox;
      if (!opened) throw new Error(`folder ${mailbox.folder} is not open`);
      const uidValidity = String(opened.uidValidity);
      const last = await lastUid(uidValidity);
      // `n:*` also names the highest message when it is below n: filter by UID.
      const found =
        (last === null
          ? await imap.search({ seen: false }, { uid: true })
          : await imap.search({ uid: `${last + 1}:*` }, { uid: true })) || [];
      const uids = found
        .filter((uid) => last === null || uid > last)
        .sort((a, b) => a - b)
        .slice(0, BATCH);
      if (uids.length === 0) {
        if (last === null) await remember(uidValidity, Math.max(0, Number(opened.uidNext ?? 1) - 1));
        return 0;
      }
      const taken: number[] = [];
      for (const uid of uids) {
        const head = await imap.fetchOne(String(uid), { size: true }, { uid: true });
        if (!head) continue;
        if ((head.size ?? 0) > mail.maxMessageBytes) {
          // Left unread on the server for a person to look at; never fetched again.
          log.warn({ uid, bytes: head.size, limit: mail.maxMessageBytes }, 'mail refused: too large');
          continue;
        }
        const message = await imap.fetchOne(String(uid), { source: true }, { uid: true });
        if (!message || !message.source) continue;
        try {
          const stored = await storeInboundMail(
            { dataSource, config: mail, logger: log },
            message.source,
            returnPath(message.source),
          );
          if (stored.stored) options.onStored();
          taken.push(uid);
        } catch (error) {
          if (!(error instanceof MalformedMailError)) throw error;
          log.warn({ uid, reason: error.message }, 'mail refused: malformed');
        }
      }
      // Only what the intake stored is marked or moved; refused mail stays unread where it was.
      if (taken.length > 0) {
        if (mailbox.moveTo) await imap.messageMove(taken, mailbox.moveTo, { uid: true });
        else await imap.messageFlagsAdd(taken, ['\\Seen'], { uid: true });
      }
      await remember(uidValidity, uids[uids.length - 1]);
      return uids.length;
    } finally {
      lock.release();
    }
  }

  function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wake = null;
        resolve();
      }
      wake = done;
    });
  }

  async function run(): Promise<void> {
    let failures = 0;
    while (!stopped) {
      try {
        if (!(await lease.acquire())) {
          if (!standingBy) log.info('another replica polls this mailbox; standing by');
          standingBy = true;
          await disconnect();
          if (!stopped) await sleep(mailbox.pollIntervalMs);
          continue;
        }
        if (standingBy) log.info('this replica polls the mailbox now');
        standingBy = false;
        if (!client || !connected) {
          client = connect();
          await client.connect();
          connected = true;
          log.info(
            { host: mailbox.host, folder: mailbox.folder, idle: mailbox.idle },
            'IMAP mailbox connected',
          );
        }
        // The lock is checked before every round: a replica that lost it stops taking mail.
        while (!stopped && lease.holds && (await round(client)) === BATCH && (await lease.acquire()));
        failures = 0;
        if (!mailbox.idle) {
          await client.logout().catch(() => undefined);
          client = null;
          connected = false;
        }
        if (!stopped) await sleep(mailbox.pollIntervalMs);
      } catch (error) {
        failures += 1;
        log.warn({ err: error, failures }, 'IMAP round failed; retrying');
        client?.close();
        client = null;
        connected = false;
        if (!stopped) await sleep(Math.min(mailbox.pollIntervalMs, backoffDelayMs(failures, 1000, 60_000)));
      }
    }
  }

  return {
    name: `imap-poller:${mailbox.name}`,
    async start() {
      stopped = false;
      loop = run();
    },
    async stop() {
      stopped = true;
      wake?.();
      await client?.logout().catch(() => client?.close());
      await loop;
      await lease.release();
    },
    // An unreachable mailbox must not keep the service from serving everything else.
    ready: () => true,
    holdsMailbox: () => lease.holds,
    standingBy: () => standingBy,
  };
}
