import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { connect, createServer as createNetServer, type AddressInfo } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { simpleParser, type ParsedMail } from 'mailparser';
import nodemailer from 'nodemailer';
import { SMTPServer } from 'smtp-server';

export interface SinkMail {
  to: string[];
  parsed: ParsedMail;
  raw: string;
}

export interface SmtpSink {
  port: number;
  mails: SinkMail[];
  /** What happened, in order: `data <rcpt>` (DATA received, before the answer), `sent <rcpt>` (answered 250), `closed <rcpt>` (that connection ended). */
  events: string[];
  /**
   * Holds the answer to DATA of mail to `address` until `release()`: the
   * sender is left waiting for its 250 with the connection open.
   */
  hold(address: string): { release(): void };
  stop(): Promise<void>;
}

/** A real SMTP server standing in for the desk's relay: keeps what it is sent; refuses recipients starting with "reject". */
export async function startSmtpSink(): Promise<SmtpSink> {
  const mails: SinkMail[] = [];
  const events: string[] = [];
  const holds = new Map<string, Promise<void>>();
  const lastRecipients = new Map<string, string>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    onRcptTo(address, _session, callback) {
      if (address.address.startsWith('reject')) {
        callback(Object.assign(new Error('5.1.1 No such user here'), { responseCode: 550 }));
        return;
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      const to = session.envelope.rcptTo.map((rcpt) => rcpt.address);
      lastRecipients.set(session.id, to.join(','));
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks);
        events.push(`data ${to.join(',')}`);
        Promise.all([simpleParser(raw), ...to.map((address) => holds.get(address))]).then(
          ([parsed]) => {
            mails.push({ to, parsed, raw: raw.toString('utf8') });
            events.push(`sent ${to.join(',')}`);
            callback();
          },
          (error: Error) => callback(error),
        );
      });
    },
    onClose(session) {
      const to = lastRecipients.get(session.id);
      if (to !== undefined) events.push(`closed ${to}`);
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    mails,
    events,
    hold(address) {
      let release = () => undefined as void;
      holds.set(address, new Promise<void>((resolve) => (release = resolve)));
      return {
        release() {
          holds.delete(address);
          release();
        },
      };
    },
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Sends mail to the channels listener the way a customer's mail server would. */
export function customerMailer(port: number) {
  return nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true });
}

export interface ReceivedRequest {
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** A local HTTP receiver; `respond` decides each answer (status and body), default 200 `{}`. */
export async function startReceiver(
  respond: (request: ReceivedRequest) => { status: number; body?: string; hang?: boolean } = () => ({
    status: 200,
  }),
): Promise<{ url: string; requests: ReceivedRequest[]; stop(): Promise<void> }> {
  const requests: ReceivedRequest[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const received = {
        path: request.url ?? '/',
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(received);
      const answer = respond(received);
      if (answer.hang) return;
      response.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body ?? '{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export const DOVECOT_BINARY = '/usr/sbin/dovecot';

export interface Dovecot {
  port: number;
  user: string;
  password: string;
  stop(): Promise<void>;
}

/**
 * A real IMAP server for the poller: Debian's Dovecot (`apt-get install
 * dovecot-imapd`; `.ci/run` installs it), run in the foreground from a
 * private config in a temp dir, plaintext login on 127.0.0.1 only, one
 * passwd-file user with a Maildir. Fails (never skips) without Dovecot.
 */
export async function startDovecot(): Promise<Dovecot> {
  if (!existsSync(DOVECOT_BINARY)) {
    throw new Error(
      `${DOVECOT_BINARY} is missing: the IMAP tests need Debian's Dovecot (apt-get install -y dovecot-imapd)`,
    );
  }
  const dir = await mkdtemp(join(tmpdir(), 'deskgraph-dovecot-'));
  const port = await freePort();
  const user = 'desk';
  const password = 'imap-test-password';
  const me = userInfo();
  // Dovecot refuses mail access as root: as root, mail and internal processes run as its own users.
  const asRoot = me.uid === 0;
  const mailUid = asRoot ? Number(execFileSync('id', ['-u', 'dovecot']).toString().trim()) : me.uid;
  const mailGid = asRoot ? Number(execFileSync('id', ['-g', 'dovecot']).toString().trim()) : me.gid;
  // Its auth and mail processes read the passwd file and the Maildir from here.
  await chmod(dir, 0o755);
  await mkdir(join(dir, 'home'), { recursive: true });
  if (asRoot) execFileSync('chown', ['-R', `${mailUid}:${mailGid}`, join(dir, 'home')]);
  await writeFile(join(dir, 'passwd'), `${user}:{PLAIN}${password}::::::\n`);
  const config = [
    `base_dir = ${dir}/run`,
    `state_dir = ${dir}/state`,
    `log_path = ${dir}/dovecot.log`,
    `protocols = imap`,
    `listen = 127.0.0.1`,
    `ssl = no`,
    `disable_plaintext_auth = no`,
    `auth_mechanisms = plain login`,
    `default_login_user = ${asRoot ? 'dovenull' : me.username}`,
    `default_internal_user = ${asRoot ? 'dovecot' : me.username}`,
    `first_valid_uid = ${Math.min(mailUid, 100)}`,
    `mail_location = maildir:~/Maildir`,
    `passdb {\n  driver = passwd-file\n  args = scheme=PLAIN username_format=%u ${dir}/passwd\n}`,
    `userdb {\n  driver = static\n  args = uid=${mailUid} gid=${mailGid} home=${dir}/home/%u\n}`,
    // No chroot: the login and anvil processes run from the temp dir, also as a non-root user.
    `service imap-login {\n  chroot =\n  inet_listener imap {\n    address = 127.0.0.1\n    port = ${port}\n  }\n  inet_listener imaps {\n    port = 0\n  }\n}`,
    `service anvil {\n  chroot =\n}`,
  ].join('\n');
  await writeFile(join(dir, 'dovecot.conf'), `${config}\n`);
  const child = spawn(DOVECOT_BINARY, ['-F', '-c', join(dir, 'dovecot.conf')], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) {
      const log = await readFile(join(dir, 'dovecot.log'), 'utf8').catch(() => '');
      throw new Error(`dovecot exited (${child.exitCode}): ${output}\n${log}`);
    }
    if (await canConnect(port)) break;
    if (Date.now() > deadline) throw new Error(`dovecot did not listen on ${port}: ${output}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    port,
    user,
    password,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
