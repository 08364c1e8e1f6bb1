import { ImapFlow } from 'imapflow';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { eventually, graphqlOk, startTestStack, testToken, type TestStack } from '@deskgraph/infra';
import { createLogger } from '@deskgraph/platform';
import { createChannelsDataSource } from '../../src/database/data-source';
import { customerIdForAddress } from '../../src/graph/tickets-client';
import { createImapPoller, type ImapPoller } from '../../src/mail/imap-poller';
import { startDovecot, type Dovecot } from './channels-harness';

// The IMAP poller against a real IMAP server (Debian's Dovecot, started
// here): mail is put into the mailbox with IMAP APPEND, as a delivering
// server would, and must come out as tickets through the same intake as
// SMTP mail — once, whatever the poller's process goes through.

jest.setTimeout(120_000);

const ID_NUMBER = '11010519491231002X';

let dovecot: Dovecot;
let stack: TestStack;
let admin: string;
let db: Client;

function imapClient(): ImapFlow {
  return new ImapFlow({
    host: '127.0.0.1',
    port: dovecot.port,
    secure: false,
    doSTARTTLS: false,
    auth: { user: dovecot.user, pass: dovecot.password },
    logger: false,
  });
}

/** Delivers a message into a folder (the INBOX) the way a mail server would; returns its UID. */
async function deliver(headers: Record<string, string>, text: string, folder = 'INBOX'): Promise<number> {
  const raw =
    Object.entries({ To: 'support@desk.example.com', Date: new Date().toUTCString(), ...headers })
      .map(([name, value]) => `${name}: ${value}`)
      .join('\r\n') + `\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${text}\r\n`;
  const client = imapClient();
  await client.connect();
  try {
    const appended = await client.append(folder, Buffer.from(raw, 'utf8'));
    return Number(appended && appended.uid);
  } finally {
    await client.logout();
  }
}

/** The flags of every message in the INBOX, by UID. */
async function inboxFlags(): Promise<Map<number, Set<string>>> {
  const client = imapClient();
  await client.connect();
  const flags = new Map<number, Set<string>>();
  const lock = await client.getMailboxLock('INBOX');
  try {
    for await (const message of client.fetch('1:*', { flags: true, uid: true })) {
      flags.set(message.uid, message.flags ?? new Set());
    }
  } finally {
    lock.release();
    await client.logout();
  }
  return flags;
}

async function markAllUnseen(): Promise<void> {
  const client = imapClient();
  await client.connect();
  const lock = await client.getMailboxLock('INBOX');
  try {
    await client.messageFlagsRemove('1:*', ['\\Seen']);
  } finally {
    lock.release();
    await client.logout();
  }
}

const TICKETS_OF = `query($customerId: ID!) {
  tickets(filter: { customerIds: [$customerId] }, first: 20) {
    edges { node { id number title description channel status customer { name contact preferredChannel }
      messages { author body } } } } }`;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read deep response shapes freely
async function ticketsOf(address: string): Promise<any[]> {
  const data = await graphqlOk(
    stack.gatewayUrl,
    TICKETS_OF,
    { customerId: customerIdForAddress(address) },
    admin,
  );
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return data.tickets.edges.map((edge: any) => edge.node);
}

async function inboundRows(address: string): Promise<{ message_id: string; state: string }[]> {
  return (
    await db.query(
      `SELECT message_id, state FROM channels.inbound_mail WHERE from_address = $1 ORDER BY received_at`,
      [address],
    )
  ).rows;
}

beforeAll(async () => {
  dovecot = await startDovecot();
  stack = await startTestStack({
    processEnv: {
      channels: {
        IMAP_MAILBOXES: JSON.stringify([
          {
            name: 'desk-inbox',
            host: '127.0.0.1',
            port: dovecot.port,
            tls: 'off',
            user: dovecot.user,
            passwordEnv: 'IMAP_DESK_PASSWORD',
            idle: true,
            pollSeconds: 2,
          },
        ]),
        IMAP_DESK_PASSWORD: dovecot.password,
        WORK_POLL_INTERVAL_MS: '200',
      },
    },
  });
  admin = await testToken({ userId: 'admin-1', roles: ['admin'], queueIds: ['general'] });
  db = new Client({ connectionString: stack.databaseUrl });
  await db.connect();
}, 420_000);

afterAll(async () => {
  await db?.end();
  await stack?.stop();
  await dovecot?.stop();
});

describe('IMAP polling', () => {
  it('should open an EMAIL ticket from new mail in the mailbox, masked, and mark it seen only then', async () => {
    const address = 'imap.customer@example.com';
    const uid = await deliver(
      {
        From: 'IMAP Customer <imap.customer@example.com>',
        Subject: 'Cannot log in',
        'Message-ID': '<first.imap@example.com>',
      },
      `My account is locked. ID ${ID_NUMBER}.`,
    );
    const [ticket] = await eventually(
      async () => {
        const found = await ticketsOf(address);
        return found.length > 0 ? found : null;
      },
      { what: 'ticket from IMAP mail', timeoutMs: 60_000 },
    );
    expect(ticket).toMatchObject({
      channel: 'EMAIL',
      title: 'Cannot log in',
      customer: { name: 'IMAP Customer', contact: address, preferredChannel: 'EMAIL' },
    });
    expect(ticket.description).toContain('My account is locked.');
    expect(ticket.description).not.toContain(ID_NUMBER);
    // The ticket is created through the graph before the stored mail is marked DONE: wait for the mark.
    const rows = await eventually(
      async () => {
        const now = await inboundRows(address);
        return now.every((row) => row.state !== 'PENDING') ? now : null;
      },
      { what: 'stored mail marked done', timeoutMs: 30_000 },
    );
    expect(rows).toEqual([{ message_id: 'first.imap@example.com', state: 'DONE' }]);
    const flags = await eventually(
      async () => {
        const now = await inboxFlags();
        return now.get(uid)?.has('\\Seen') ? now : null;
      },
      { what: 'message flagged seen', timeoutMs: 30_000 },
    );
    expect(flags.get(uid)?.has('\\Seen')).toBe(true);
  });

  it('should thread a reply into its ticket as a customer message', async () => {
    const address = 'imap.thread@example.com';
    await deliver(
      { From: address, Subject: 'Printer jammed', 'Message-ID': '<thread.start@example.com>' },
      'Paper stuck in tray 2.',
    );
    await eventually(async () => (await ticketsOf(address)).length === 1, {
      what: 'first ticket',
      timeoutMs: 60_000,
    });
    await deliver(
      {
        From: address,
        Subject: 'Re: Printer jammed',
        'Message-ID': '<thread.reply@example.com>',
        'In-Reply-To': '<thread.start@example.com>',
        References: '<thread.start@example.com>',
      },
      'Tray 1 too now.\r\n\r\nOn Mon, 23 Nov 2026 at 09:00, Support wrote:\r\n> earlier',
    );
    const ticket = await eventually(
      async () => {
        const [only] = await ticketsOf(address);
        return only?.messages.some((message: { author: string }) => message.author === 'CUSTOMER')
          ? only
          : null;
      },
      { what: 'customer message', timeoutMs: 60_000 },
    );
    expect(await ticketsOf(address)).toHaveLength(1);
    expect(ticket.messages).toEqual([{ author: 'CUSTOMER', body: 'Tray 1 too now.' }]);
  });

  it('should take an auto-reply without opening a ticket', async () => {
    const address = 'imap.away@example.com';
    await deliver(
      {
        From: address,
        Subject: 'Automatic reply: away',
        'Message-ID': '<away.imap@example.com>',
        'Auto-Submitted': 'auto-replied',
      },
      'I am out of office.',
    );
    await eventually(async () => (await inboundRows(address)).length === 1, {
      what: 'auto-reply taken in',
      timeoutMs: 60_000,
    });
    expect(await inboundRows(address)).toEqual([{ message_id: 'away.imap@example.com', state: 'IGNORED' }]);
    // A later mail is a ticket already: the auto-reply before it never became one.
    const sentinel = 'imap.sentinel@example.com';
    await deliver(
      { From: sentinel, Subject: 'After the auto-reply', 'Message-ID': '<sentinel.imap@example.com>' },
      'Hi.',
    );
    await eventually(async () => (await ticketsOf(sentinel)).length === 1, {
      what: 'sentinel',
      timeoutMs: 60_000,
    });
    expect(await ticketsOf(address)).toHaveLength(0);
  });

  it('should resume from the stored UID after a kill -9, and take nothing twice when it has to fetch again', async () => {
    const before = (await db.query(`SELECT count(*)::int AS n FROM channels.inbound_mail`)).rows[0]
      .n as number;
    await stack.processes.channels.kill();
    const address = 'imap.restart@example.com';
    let newUid = 0;
    try {
      newUid = await deliver(
        {
          From: address,
          Subject: 'Arrived while channels was down',
          'Message-ID': '<while.down@example.com>',
        },
        'Hello?',
      );
      // Unseen again: a poller that went by \Seen instead of the stored UID would take them all once more.
      await markAllUnseen();
    } finally {
      await stack.processes.channels.start();
    }
    await eventually(async () => (await ticketsOf(address)).length === 1, {
      what: 'ticket after restart',
      timeoutMs: 90_000,
    });
    const after = (await db.query(`SELECT count(*)::int AS n FROM channels.inbound_mail`)).rows[0]
      .n as number;
    expect(after).toBe(before + 1);
    // Only the new message was fetched: the older ones, unseen again, were left alone.
    const resumed = await eventually(
      async () => {
        const now = await inboxFlags();
        return now.get(newUid)?.has('\\Seen') ? now : null;
      },
      { what: 'new message flagged seen', timeoutMs: 30_000 },
    );
    const older = [...resumed.entries()].filter(([uid]) => uid !== newUid);
    expect(older.length).toBeGreaterThanOrEqual(4);
    expect(older.filter(([, set]) => set.has('\\Seen'))).toEqual([]);

    // As if killed after storing but before flagging and remembering: every message is fetched
    // again, and the intake's Message-ID key stores none of them twice.
    await stack.processes.channels.kill();
    try {
      await db.query(`UPDATE channels.imap_mailbox_state SET last_uid = 0`);
      await markAllUnseen();
    } finally {
      await stack.processes.channels.start();
    }
    const flags = await eventually(
      async () => {
        const now = await inboxFlags();
        return [...now.values()].every((set) => set.has('\\Seen')) ? now : null;
      },
      { what: 'every message fetched and flagged again', timeoutMs: 90_000 },
    );
    const [{ last_uid: lastUid }] = (await db.query(`SELECT last_uid FROM channels.imap_mailbox_state`)).rows;
    expect(Number(lastUid)).toBe(Math.max(...flags.keys()));
    expect((await db.query(`SELECT count(*)::int AS n FROM channels.inbound_mail`)).rows[0].n).toBe(after);
    expect(await ticketsOf(address)).toHaveLength(1);
    expect(await ticketsOf('imap.customer@example.com')).toHaveLength(1);
    expect(await ticketsOf('imap.thread@example.com')).toHaveLength(1);
  }, 300_000);
});

describe('IMAP polling by two replicas', () => {
  // Two pollers of one mailbox, each with its own data source, as two channels replicas would run
  // them, on a folder the stack's own channels process does not read. What they store, the stack's
  // channels process turns into tickets.
  const folder = 'Replicas';
  const replicas: { poller: ImapPoller; dataSource: DataSource; stored: number }[] = [];

  function replica(): (typeof replicas)[number] {
    const dataSource = createChannelsDataSource({ url: stack.databaseUrl, poolSize: 2 });
    const entry = { dataSource, stored: 0, poller: null as unknown as ImapPoller };
    entry.poller = createImapPoller({
      dataSource,
      mailbox: {
        name: 'replicated-box',
        host: '127.0.0.1',
        port: dovecot.port,
        tls: 'off',
        rejectUnauthorized: true,
        user: dovecot.user,
        password: dovecot.password,
        folder,
        idle: true,
        pollIntervalMs: 300,
        moveTo: null,
      },
      mail: { domain: 'deskgraph.local', maxMessageBytes: 10 * 1024 * 1024 },
      logger: createLogger('channels-replica', 'warn'),
      onStored: () => entry.stored++,
    });
    replicas.push(entry);
    return entry;
  }

  /** The database connection holding the lock of the mailbox for `application`. */
  async function lockHolders(): Promise<number[]> {
    const { rows } = await db.query(
      `SELECT DISTINCT a.pid FROM pg_stat_activity a
         JOIN pg_locks l ON l.pid = a.pid AND l.locktype = 'advisory' AND l.granted
        WHERE a.application_name = 'deskgraph-channels-imap:replicated-box'`,
    );
    return rows.map((row) => Number(row.pid));
  }

  beforeAll(async () => {
    const client = imapClient();
    await client.connect();
    try {
      await client.mailboxCreate(folder);
    } finally {
      await client.logout();
    }
  });

  afterAll(async () => {
    for (const entry of replicas) {
      await entry.poller.stop();
      if (entry.dataSource.isInitialized) await entry.dataSource.destroy();
    }
  });

  it('should let one replica poll the mailbox while the other stands by, and take each mail once', async () => {
    const first = replica();
    await first.dataSource.initialize();
    await first.poller.start();
    await eventually(async () => first.poller.holdsMailbox(), { what: 'first replica holds the mailbox' });
    const second = replica();
    await second.dataSource.initialize();
    await second.poller.start();
    await eventually(async () => second.poller.standingBy(), { what: 'second replica stands by' });

    const addresses = ['replica.one@example.com', 'replica.two@example.com', 'replica.three@example.com'];
    for (const [index, address] of addresses.entries()) {
      await deliver(
        { From: address, Subject: `Replicas ${index}`, 'Message-ID': `<replica.${index}@example.com>` },
        `Mail ${index} for two replicas.`,
        folder,
      );
    }
    for (const address of addresses) {
      await eventually(async () => (await ticketsOf(address)).length === 1, {
        what: `ticket for ${address}`,
        timeoutMs: 60_000,
      });
    }
    for (const address of addresses) {
      expect(await ticketsOf(address)).toHaveLength(1);
      expect(await inboundRows(address)).toHaveLength(1);
    }
    // The second replica never read the mailbox: everything came through the first.
    expect(first.stored).toBe(addresses.length);
    expect(second.stored).toBe(0);
    expect(second.poller.holdsMailbox()).toBe(false);
    expect(second.poller.standingBy()).toBe(true);
    expect(await lockHolders()).toHaveLength(1);

    // The first replica's database connection ends as it would when its process dies, then the
    // process itself is gone: PostgreSQL released the lock, and the second replica takes over.
    const [holder] = await lockHolders();
    await db.query(`SELECT pg_terminate_backend($1)`, [holder]);
    await first.poller.stop();
    await eventually(async () => second.poller.holdsMailbox(), {
      what: 'second replica takes the mailbox over',
      timeoutMs: 30_000,
    });
    const late = 'replica.late@example.com';
    await deliver(
      { From: late, Subject: 'After the takeover', 'Message-ID': '<replica.late@example.com>' },
      'Who reads this now?',
      folder,
    );
    await eventually(async () => (await ticketsOf(late)).length === 1, {
      what: 'ticket after the takeover',
      timeoutMs: 60_000,
    });
    expect(second.stored).toBe(1);
    expect(first.stored).toBe(addresses.length);
    for (const address of addresses) expect(await ticketsOf(address)).toHaveLength(1);
  });
});
