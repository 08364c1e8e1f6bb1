import { readFileSync } from 'node:fs';
import {
  databaseModel,
  gatewayTrustModel,
  httpModel,
  kafkaModel,
  parseEnvironmentOrExit,
  retentionModel,
  runtimeModel,
} from '@deskgraph/platform';
import { z } from 'zod';

const DEV_CONFIRMATION_SECRET = 'deskgraph-development-confirmation-secret';

const list = z
  .string()
  .default('')
  .transform((value) =>
    value
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean),
  );

/** Mail in (the SMTP listener) and out (the relay replies go through). */
export const mailModel = z
  .object({
    /** Port of the SMTP listener that takes customers' mail; 0 picks a free one. */
    SMTP_PORT: z.coerce.number().int().min(0).max(65535).default(2525),
    SMTP_HOST: z.string().default('0.0.0.0'),
    /** Name the listener greets with; also the domain of the Message-IDs it sends. */
    MAIL_DOMAIN: z.string().min(1).default('deskgraph.local'),
    /** Mail larger than this is refused with 552 (bytes). */
    SMTP_MAX_MESSAGE_BYTES: z.coerce
      .number()
      .int()
      .min(1024)
      .default(10 * 1024 * 1024),
    /** Outgoing relay, e.g. smtp://user:pass@smtp.example.com:587; empty: no mail goes out. */
    SMTP_RELAY_URL: z
      .string()
      .default('')
      .refine((value) => value === '' || /^smtps?:\/\//.test(value), 'must be an smtp:// or smtps:// URL'),
    /** Connections to the relay kept open and shared by all outgoing mail. */
    SMTP_RELAY_CONNECTIONS: z.coerce.number().int().min(1).max(50).default(5),
    MAIL_FROM: z.string().min(3).default('客服中心 <support@deskgraph.local>'),
    /** First retry of a mail the relay did not take, doubling per attempt (seconds). */
    MAIL_RETRY_BASE_SECONDS: z.coerce.number().positive().default(30),
    MAIL_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(8),
    /** Stored mails being turned into tickets at once, per process (each is a tickets call). */
    MAIL_INTAKE_CONCURRENCY: z.coerce.number().int().min(1).max(512).default(32),
    /** Mails being sent at once, per process (they share the SMTP_RELAY_CONNECTIONS connections). */
    MAIL_SEND_CONCURRENCY: z.coerce.number().int().min(1).max(512).default(20),
  })
  .transform((env) => ({
    smtpPort: env.SMTP_PORT,
    smtpHost: env.SMTP_HOST,
    domain: env.MAIL_DOMAIN,
    maxMessageBytes: env.SMTP_MAX_MESSAGE_BYTES,
    relayUrl: env.SMTP_RELAY_URL || null,
    relayConnections: env.SMTP_RELAY_CONNECTIONS,
    from: env.MAIL_FROM,
    retryBaseMs: env.MAIL_RETRY_BASE_SECONDS * 1000,
    maxAttempts: env.MAIL_MAX_ATTEMPTS,
    intakeConcurrency: env.MAIL_INTAKE_CONCURRENCY,
    sendConcurrency: env.MAIL_SEND_CONCURRENCY,
  }));

/** One mailbox the IMAP poller reads (an element of IMAP_MAILBOXES). */
const imapMailboxSchema = z
  .object({
    /** Names the mailbox in logs and in the stored UID state; unique. */
    name: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'name: 1-64 letters, digits, _ . or -'),
    host: z.string().min(1),
    port: z.number().int().min(1).max(65535).optional(),
    /** implicit: TLS from the first byte (993); starttls: upgrade, refusing a server that cannot; off: plaintext (tests, localhost). */
    tls: z.enum(['implicit', 'starttls', 'off']).default('implicit'),
    /** false accepts a self-signed certificate (a private server); the default checks it. */
    rejectUnauthorized: z.boolean().default(true),
    user: z.string().min(1),
    /** The variable that holds the password (never the password itself in this JSON). */
    passwordEnv: z
      .string()
      .regex(/^[A-Z_][A-Z0-9_]*$/)
      .optional(),
    /** A file holding the password, e.g. a mounted Kubernetes or Docker secret. */
    passwordFile: z.string().min(1).optional(),
    folder: z.string().min(1).default('INBOX'),
    /** Keep the connection open and take new mail as the server announces it (IMAP IDLE). */
    idle: z.boolean().default(true),
    /** Seconds between polls (with idle: the fallback when no announcement came). */
    pollSeconds: z.number().positive().default(60),
    /** Where taken mail goes on the server afterwards; without it, taken mail is marked \Seen. */
    moveTo: z.string().min(1).optional(),
  })
  .strict()
  .refine((box) => Boolean(box.passwordEnv) !== Boolean(box.passwordFile), {
    message: 'give exactly one of passwordEnv and passwordFile',
  });

/** Mailboxes polled over IMAP, for desks whose mail is delivered elsewhere. */
export const imapModel = z
  .object({
    /** JSON array of mailboxes (see the README); empty: no IMAP polling. */
    IMAP_MAILBOXES: z.string().default(''),
  })
  .passthrough()
  .transform((env, context) => {
    if (!env.IMAP_MAILBOXES.trim()) return { mailboxes: [] as ImapMailboxConfig[] };
    let raw: unknown;
    try {
      raw = JSON.parse(env.IMAP_MAILBOXES);
    } catch (error) {
      context.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['IMAP_MAILBOXES'],
        message: `must be a JSON array of mailboxes: ${(error as Error).message}`,
      });
      return z.NEVER;
    }
    const parsed = z.array(imapMailboxSchema).safeParse(raw);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        context.addIssue({ ...issue, path: ['IMAP_MAILBOXES', ...issue.path] });
      }
      return z.NEVER;
    }
    const mailboxes: ImapMailboxConfig[] = [];
    for (const [index, box] of parsed.data.entries()) {
      if (parsed.data.findIndex((other) => other.name === box.name) !== index) {
        context.addIssue({
          code: z.ZodIssueCode.custom,
          path: ['IMAP_MAILBOXES', index, 'name'],
          message: `mailbox name ${box.name} is used twice`,
        });
      }
      let password: string | undefined;
      if (box.passwordEnv) password = (env as Record<string, unknown>)[box.passwordEnv] as string | undefined;
      else {
        try {
          password = readFileSync(box.passwordFile!, 'utf8').replace(/\r?\n$/, '');
        } catch (error) {
          password = undefined;
          context.addIssue({
            code: z.ZodIssueCode.custom,
            path: ['IMAP_MAILBOXES', index, 'passwordFile'],
            message: `cannot be read: ${(error as Error).message}`,
          });
          continue;
        }
      }
      if (!password) {
        context.addIssue({
          code: z.ZodIssueCode.custom,
          path: ['IMAP_MAILBOXES', index, box.passwordEnv ? 'passwordEnv' : 'passwordFile'],
          message: box.passwordEnv ? `${box.passwordEnv} is not set or empty` : 'the file is empty',
        });
        continue;
      }
      mailboxes.push({
        name: box.name,
        host: box.host,
        port: box.port ?? (box.tls === 'implicit' ? 993 : 143),
        tls: box.tls,
        rejectUnauthorized: box.rejectUnauthorized,
        user: box.user,
        password,
        folder: box.folder,
        idle: box.idle,
        pollIntervalMs: box.pollSeconds * 1000,
        moveTo: box.moveTo ?? null,
      });
    }
    return { mailboxes };
  });

export interface ImapMailboxConfig {
  name: string;
  host: string;
  port: number;
  tls: 'implicit' | 'starttls' | 'off';
  rejectUnauthorized: boolean;
  user: string;
  password: string;
  folder: string;
  idle: boolean;
  pollIntervalMs: number;
  /** null: taken mail is flagged \Seen and stays where it is. */
  moveTo: string | null;
}

export const webhookModel = z
  .object({
    WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5000),
    /** Bytes of a receiver's answer read at most; the rest is dropped. */
    WEBHOOK_MAX_RESPONSE_BYTES: z.coerce
      .number()
      .int()
      .min(256)
      .default(64 * 1024),
    WEBHOOK_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(8),
    /** First retry delay; doubles per attempt, with full jitter, up to WEBHOOK_RETRY_MAX_MS. */
    WEBHOOK_RETRY_BASE_MS: z.coerce.number().int().min(10).default(1000),
    WEBHOOK_RETRY_MAX_MS: z.coerce.number().int().min(10).default(3_600_000),
    /** Consecutive failed attempts after which an endpoint is disabled. */
    WEBHOOK_DISABLE_AFTER_FAILURES: z.coerce.number().int().min(1).default(50),
    /** CIDRs of private/loopback/link-local networks receivers may still be in, e.g. 10.1.0.0/16. */
    WEBHOOK_ALLOWED_NETWORKS: list,
    WEBHOOK_CONCURRENCY: z.coerce.number().int().min(1).max(500).default(32),
    /** Deliveries in flight per endpoint at most, so one slow receiver cannot take every slot. */
    WEBHOOK_ENDPOINT_CONCURRENCY: z.coerce.number().int().min(1).max(500).default(8),
    /** Link to a ticket in robot messages; {number} is replaced by the ticket number. */
    TICKET_LINK_TEMPLATE: z
      .string()
      .default('http://localhost:4000/tickets/{number}')
      .refine((value) => value.includes('{number}'), 'must contain {number}'),
  })
  .transform((env) => ({
    timeoutMs: env.WEBHOOK_TIMEOUT_MS,
    maxResponseBytes: env.WEBHOOK_MAX_RESPONSE_BYTES,
    maxAttempts: env.WEBHOOK_MAX_ATTEMPTS,
    retryBaseMs: env.WEBHOOK_RETRY_BASE_MS,
    retryMaxMs: env.WEBHOOK_RETRY_MAX_MS,
    disableAfterFailures: env.WEBHOOK_DISABLE_AFTER_FAILURES,
    allowedNetworks: env.WEBHOOK_ALLOWED_NETWORKS,
    concurrency: env.WEBHOOK_CONCURRENCY,
    endpointConcurrency: env.WEBHOOK_ENDPOINT_CONCURRENCY,
    ticketLinkTemplate: env.TICKET_LINK_TEMPLATE,
  }));

export const channelsModel = z
  .object({
    NODE_ENV: z.string().default('development'),
    /** The tickets subgraph, called with the channels service identity. */
    TICKETS_URL: z.string().url().default('http://127.0.0.1:4001/graphql'),
    /** Where customers reach this service's pages (confirmation links), without a trailing slash. */
    CHANNELS_PUBLIC_URL: z.string().url().default('http://localhost:4005'),
    CONFIRMATION_SECRET: z.string().min(16).default(DEV_CONFIRMATION_SECRET),
    CONFIRMATION_TTL_HOURS: z.coerce.number().positive().default(168),
    /** How often the mail and webhook workers look for due work when nothing woke them (ms). */
    WORK_POLL_INTERVAL_MS: z.coerce.number().int().min(10).default(1000),
  })
  .superRefine((env, context) => {
    if (env.NODE_ENV === 'production' && env.CONFIRMATION_SECRET === DEV_CONFIRMATION_SECRET) {
      context.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['CONFIRMATION_SECRET'],
        message: 'must be set to a private value in production',
      });
    }
  })
  .transform((env) => ({
    ticketsUrl: env.TICKETS_URL,
    publicUrl: env.CHANNELS_PUBLIC_URL.replace(/\/+$/, ''),
    confirmationSecret: env.CONFIRMATION_SECRET,
    confirmationTtlMs: env.CONFIRMATION_TTL_HOURS * 3_600_000,
    pollIntervalMs: env.WORK_POLL_INTERVAL_MS,
  }));

export type MailConfig = z.output<typeof mailModel>;
export type ImapConfig = z.output<typeof imapModel>;
export type WebhookConfig = z.output<typeof webhookModel>;
export type ChannelsConfig = z.output<typeof channelsModel>;

export function loadEnvironment() {
  return parseEnvironmentOrExit({
    runtime: runtimeModel,
    database: databaseModel,
    kafka: kafkaModel,
    http: httpModel(4005),
    trust: gatewayTrustModel,
    retention: retentionModel,
    mail: mailModel,
    imap: imapModel,
    webhook: webhookModel,
    channels: channelsModel,
  });
}
