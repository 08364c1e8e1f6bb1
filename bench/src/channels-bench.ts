import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import nodemailer from 'nodemailer';
import { Client as PgClient } from 'pg';
import { graphqlOk, startTestStack, testToken, type TestStack } from '@deskgraph/infra';
import { cpuSeconds } from './stats';

// Channels throughput: (1) email intake — mails sent over SMTP to the
// listener, counted until each is a ticket (inbound_mail DONE); (2) webhook
// fan-out — endpoints × ticket.created events delivered, signed, to a local
// HTTP receiver that verifies each signature with its endpoint's secret.
// Both count what arrived: every mail exactly one ticket, every delivery
// exactly once at the receiver (lost, doubled and badly signed are printed).
// Each worker alone too, from a queue filled at once: (1b) `--stored-mails`
// rows written to inbound_mail in one transaction (the parsed form the
// listener stores) until each is a ticket, and (2b) `--queued-deliveries`
// rows written to webhook_deliveries, spread over the endpoints, until each
// arrived: the processor's and the sender's own rates, without the SMTP
// dialogue or the event pipeline in front of them.
// Prints figures and CPU seconds per process, asserts nothing; the last
// line is one JSON object.
// `npm run bench:channels -- --mails 500 --endpoints 50 --tickets 40`.
const { values } = parseArgs({
  options: {
    mails: { type: 'string', default: '500' },
    'smtp-connections': { type: 'string', default: '8' },
    endpoints: { type: 'string', default: '50' },
    tickets: { type: 'string', default: '40' },
    'webhook-concurrency': { type: 'string', default: '64' },
    'timeout-seconds': { type: 'string', default: '600' },
    'stored-mails': { type: 'string', default: '300' },
    'queued-deliveries': { type: 'string', default: '3000' },
    /** A directory: the channels process writes a V8 CPU profile there when it stops (node --cpu-prof). */
    'channels-cpu-prof': { type: 'string' },
    /** Only the email phases (SMTP end to end, stored mail): shorter runs when profiling mail intake. */
    'email-only': { type: 'boolean', default: false },
  },
});
const mails = Number(values.mails);
const endpoints = Number(values.endpoints);
const tickets = Number(values.tickets);
const timeoutMs = Number(values['timeout-seconds']) * 1000;
const out = (line = '') => process.stdout.write(`${line}\n`);
const load = () =>
  loadavg()
    .map((value) => value.toFixed(1))
    .join(' ');

/** CPU seconds each stack process used while `during` ran. */
async function cpuOf<T>(stack: TestStack, during: () => Promise<T>): Promise<[T, Record<string, number>]> {
  const pids = Object.entries(stack.processes).map(([name, process]) => [name, process.pid] as const);
  const before = pids.map(([, pid]) => cpuSeconds(pid));
  const value = await during();
  const used: Record<string, number> = {};
  pids.forEach(([name, pid], index) => {
    const after = cpuSeconds(pid);
    if (after !== null && before[index] !== null) used[name] = Number((after - before[index]!).toFixed(2));
  });
  return [value, used];
}

/** Every subgraph's SQL statement counter (its /metrics); the difference of two reads is what ran between them. */
async function readStatements(stack: TestStack): Promise<Record<string, number>> {
  const entries = await Promise.all(
    Object.entries(stack.subgraphUrls).map(async ([name, url]) => {
      const response = await fetch(new URL('/metrics', url));
      const match = /^deskgraph_database_statements_total(?:\{[^}]*\})? (\d+)/m.exec(await response.text());
      return [name, match ? Number(match[1]) : NaN] as const;
    }),
  );
  return Object.fromEntries(entries);
}

/** Per mail: CPU milliseconds and SQL statements of each process, from the phase's totals. */
function perMail(
  cpu: Record<string, number>,
  before: Record<string, number>,
  after: Record<string, number>,
  count: number,
): string {
  const cpuPart = Object.entries(cpu)
    .map(([name, seconds]) => `${name} ${((seconds * 1000) / count).toFixed(1)}`)
    .join(', ');
  const total = Object.values(cpu).reduce((sum, seconds) => sum + seconds, 0);
  const statements = Object.keys(after)
    .map((name) => `${name} ${((after[name] - before[name]) / count).toFixed(1)}`)
    .join(', ');
  return `per mail: CPU ms ${cpuPart} (sum ${((total * 1000) / count).toFixed(1)}); SQL statements ${statements}`;
}

const formatCpu = (used: Record<string, number>) =>
  Object.entries(used)
    .map(([name, seconds]) => `${name} ${seconds.toFixed(1)} s`)
    .join(', ');

/** The README's verification, as a receiver would run it. */
function signatureValid(secret: string, rawBody: string, header: string): boolean {
  const parts = Object.fromEntries(header.split(',').map((part) => part.split('=', 2)));
  const timestamp = Number(parts.t);
  if (!Number.isInteger(timestamp) || Math.abs(Date.now() / 1000 - timestamp) > 300) return false;
  const expected = Buffer.from(createHmac('sha256', secret).update(`${timestamp}.${rawBody}`).digest('hex'));
  const given = Buffer.from(String(parts.v1 ?? ''));
  return expected.length === given.length && timingSafeEqual(expected, given);
}

async function waitFor<T>(what: string, check: () => Promise<T | null>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function main(): Promise<void> {
  // Endpoint n is /hook/n; its secret is known once it is created.
  const secrets: string[] = [];
  const seen = new Set<string>();
  const counts = { received: 0, duplicates: 0, badSignatures: 0, connections: 0 };
  const receiver = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      counts.received++;
      const index = Number(request.url?.split('/')[2]);
      const body = Buffer.concat(chunks).toString('utf8');
      const secret = secrets[index];
      if (!secret || !signatureValid(secret, body, String(request.headers['x-deskgraph-signature']))) {
        counts.badSignatures++;
        response.writeHead(401).end();
        return;
      }
      const key = `${index}/${String(request.headers['x-deskgraph-event-id'])}`;
      if (seen.has(key)) counts.duplicates++;
      seen.add(key);
      response.writeHead(204).end();
    });
  });
  receiver.on('connection', () => counts.connections++);
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', () => resolve()));
  const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  const stack = await startTestStack({
    processEnv: {
      channels: {
        WEBHOOK_ALLOWED_NETWORKS: '127.0.0.1/32',
        WEBHOOK_CONCURRENCY: values['webhook-concurrency']!,
        // Every bench endpoint is on one receiver: let each take the whole concurrency.
        WEBHOOK_ENDPOINT_CONCURRENCY: values['webhook-concurrency']!,
        WORK_POLL_INTERVAL_MS: '100',
        LOG_LEVEL: 'warn',
        ...(values['channels-cpu-prof']
          ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${values['channels-cpu-prof']}` }
          : {}),
      },
    },
    env: { LOG_LEVEL: 'warn', RATE_LIMIT_PER_SECOND: '100000', RATE_LIMIT_BURST: '100000' },
  });
  const db = new PgClient({ connectionString: stack.databaseUrl });
  await db.connect();
  const run = randomUUID().slice(0, 8);
  try {
    out(`channels bench ${run}: ${mails} mails, ${endpoints} endpoints × ${tickets} tickets; load ${load()}`);

    // 1. Email intake.
    const transport = nodemailer.createTransport({
      host: '127.0.0.1',
      port: stack.smtpPort,
      pool: true,
      maxConnections: Number(values['smtp-connections']),
      maxMessages: Infinity,
      ignoreTLS: true,
    });
    const intakeStatementsBefore = await readStatements(stack);
    const started = Date.now();
    const [acceptedMs, intakeCpu] = await cpuOf(stack, async () => {
      await Promise.all(
        Array.from({ length: mails }, (_, index) =>
          transport.sendMail({
            from: `Bench ${index} <bench-${run}-${index}@example.com>`,
            to: 'support@deskgraph.local',
            subject: `bench-${run} mail ${index}`,
            text: `Mail ${index} of the channels bench.`,
          }),
        ),
      );
      const accepted = Date.now() - started;
      transport.close();
      await waitFor('mail intake', async () => {
        const { rows } = await db.query(
          `SELECT count(*) FILTER (WHERE state NOT IN ('PENDING'))::int AS settled FROM channels.inbound_mail
          WHERE subject LIKE $1`,
          [`bench-${run} %`],
        );
        return rows[0].settled >= mails ? true : null;
      });
      return accepted;
    });
    const intakeStatementsAfter = await readStatements(stack);
    // Every mail exactly one ticket: stored once, DONE, and one EMAIL ticket per mail in tickets' own table.
    const { rows: mailRows } = await db.query(
      `SELECT count(*)::int AS stored, count(*) FILTER (WHERE state = 'DONE')::int AS done,
              count(DISTINCT ticket_id)::int AS tickets, max(processed_at) AS last
         FROM channels.inbound_mail WHERE subject LIKE $1`,
      [`bench-${run} %`],
    );
    const { rows: ticketRows } = await db.query(
      `SELECT count(*)::int AS tickets, count(DISTINCT title)::int AS titles
         FROM tickets.tickets WHERE channel = 'EMAIL' AND title LIKE $1`,
      [`bench-${run} %`],
    );
    const intakeMs = new Date(mailRows[0].last).getTime() - started;
    const acceptedPerSecond = mails / (acceptedMs / 1000);
    const intakePerSecond = mails / (intakeMs / 1000);
    const mailCheck = {
      stored: mailRows[0].stored,
      done: mailRows[0].done,
      ticketsLinked: mailRows[0].tickets,
      ticketsInTickets: ticketRows[0].tickets,
      distinctTitles: ticketRows[0].titles,
    };
    const mailExact = Object.values(mailCheck).every((count) => count === mails);
    out(
      `email: ${mails} accepted (250) in ${acceptedMs} ms = ${acceptedPerSecond.toFixed(1)}/s; all tickets in ${intakeMs} ms = ${intakePerSecond.toFixed(1)}/s; load ${load()}`,
    );
    out(`  counts ${JSON.stringify(mailCheck)}: ${mailExact ? 'every mail exactly one ticket' : 'MISMATCH'}`);
    out(`  CPU: ${formatCpu(intakeCpu)}`);
    out(`  ${perMail(intakeCpu, intakeStatementsBefore, intakeStatementsAfter, mails)}`);

    // 1b. The mail processor alone: stored mail, all due at once (before any endpoint exists).
    const storedMails = Number(values['stored-mails']);
    const storedStatementsBefore = await readStatements(stack);
    const storedStart = Date.now();
    const [storedMs, storedCpu] = await cpuOf(stack, async () => {
      await db.query(
        `INSERT INTO channels.inbound_mail (id, message_id, from_address, from_name, subject, body, state)
         SELECT gen_random_uuid(), 'stored-' || $1 || '-' || n || '@example.com', 'stored-' || $1 || '-' || n || '@example.com',
                'Stored ' || n, 'stored-' || $1 || ' mail ' || n, 'Mail ' || n || ' of the stored-mail phase.', 'PENDING'
           FROM generate_series(1, $2) AS n`,
        [run, storedMails],
      );
      return waitFor('stored mail intake', async () => {
        const { rows } = await db.query(
          `SELECT count(*) FILTER (WHERE state = 'DONE')::int AS done, max(processed_at) AS last
             FROM channels.inbound_mail WHERE subject LIKE $1`,
          [`stored-${run} %`],
        );
        return rows[0].done >= storedMails ? new Date(rows[0].last).getTime() - storedStart : null;
      });
    });
    const storedStatementsAfter = await readStatements(stack);
    const { rows: storedTickets } = await db.query(
      `SELECT count(*)::int AS tickets FROM tickets.tickets WHERE channel = 'EMAIL' AND title LIKE $1`,
      [`stored-${run} %`],
    );
    const storedPerSecond = storedMails / (storedMs / 1000);
    const storedExact = storedTickets[0].tickets === storedMails;
    out(
      `stored mail only: ${storedMails} mails into tickets in ${storedMs} ms = ${storedPerSecond.toFixed(1)}/s (${storedTickets[0].tickets} EMAIL tickets: ${storedExact ? 'exactly one each' : 'MISMATCH'}); load ${load()}`,
    );
    out(`  CPU: ${formatCpu(storedCpu)}`);
    out(`  ${perMail(storedCpu, storedStatementsBefore, storedStatementsAfter, storedMails)}`);
    // The email figures, in the last line of both the email-only and the whole run.
    const emailFigures = {
      bench: 'channels',
      mails,
      emailAcceptedPerSecond: Number(acceptedPerSecond.toFixed(1)),
      emailIntakePerSecond: Number(intakePerSecond.toFixed(1)),
      emailExactlyOnce: mailExact,
      emailCpuSeconds: intakeCpu,
      storedMailIntakePerSecond: Number(storedPerSecond.toFixed(1)),
      storedMailExactlyOnce: storedExact,
    };
    if (values['email-only']) {
      out(
        JSON.stringify({
          ...emailFigures,
          storedMailCpuSeconds: storedCpu,
          loadAverage: loadavg().map((value) => Number(value.toFixed(2))),
        }),
      );
      return;
    }

    // 2. Webhook fan-out. It starts once channels has consumed the mail tickets' own ticket.created
    // events: endpoints created while those were still queued would get deliveries for them too.
    await waitFor('channels to consume the mail tickets', async () => {
      const { rows } = await db.query(
        `SELECT count(*)::int AS known FROM channels.ticket_facts f
           JOIN channels.inbound_mail m ON m.ticket_id = f.ticket_id WHERE m.subject LIKE $1 OR m.subject LIKE $2`,
        [`bench-${run} %`, `stored-${run} %`],
      );
      return rows[0].known >= mails + storedMails ? true : null;
    });
    const admin = await testToken({ userId: 'bench-admin', roles: ['admin'] });
    const endpointIds: string[] = [];
    for (let index = 0; index < endpoints; index++) {
      const data = await graphqlOk(
        stack.gatewayUrl,
        `mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { secret endpoint { id } } }`,
        {
          input: {
            name: `bench ${index}`,
            url: `${receiverUrl}/${index}`,
            eventTypes: ['deskgraph.ticket.created.v1'],
          },
        },
        admin,
      );
      secrets[index] = data.createWebhookEndpoint.secret;
      endpointIds.push(data.createWebhookEndpoint.endpoint.id);
    }
    // All at once, so the figure is the fan-out's rate, not the rate tickets were created at.
    const expected = endpoints * tickets;
    const [fanOut, fanOutCpu] = await cpuOf(stack, async () => {
      await Promise.all(
        Array.from({ length: tickets }, (_, index) =>
          graphqlOk(
            stack.gatewayUrl,
            `mutation($input: CreateTicketInput!) { createTicket(input: $input) { id } }`,
            {
              input: {
                title: `bench-${run} ticket ${index}`,
                description: 'Webhook fan-out bench.',
                channel: 'APP',
                customer: { id: `BENCH-${index}`, name: 'Bench' },
              },
            },
            admin,
          ),
        ),
      );
      return waitFor('webhook deliveries', async () => {
        const { rows } = await db.query(
          `SELECT count(*) FILTER (WHERE state = 'SUCCEEDED')::int AS ok, count(*)::int AS total,
                min(created_at) AS first, max(delivered_at) AS last
           FROM channels.webhook_deliveries WHERE endpoint_id = ANY($1)`,
          [endpointIds],
        );
        return rows[0].ok >= expected ? rows[0] : null;
      });
    });
    // A late duplicate would arrive after the last success: give stragglers a moment.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const fanOutMs = new Date(fanOut.last).getTime() - new Date(fanOut.first).getTime();
    const deliveriesPerSecond = fanOut.ok / (Math.max(fanOutMs, 1) / 1000);
    const hookCheck = {
      succeeded: fanOut.ok,
      rows: fanOut.total,
      uniqueAtReceiver: seen.size,
      duplicates: counts.duplicates,
      badSignatures: counts.badSignatures,
    };
    const hooksExact =
      fanOut.ok === expected &&
      fanOut.total === expected &&
      seen.size === expected &&
      counts.duplicates === 0 &&
      counts.badSignatures === 0;
    out(
      `webhooks: ${fanOut.ok} deliveries (receiver saw ${counts.received} requests on ${counts.connections} connections) in ${fanOutMs} ms = ${deliveriesPerSecond.toFixed(1)}/s; load ${load()}`,
    );
    out(
      `  counts ${JSON.stringify(hookCheck)}: ${hooksExact ? 'every delivery exactly once, signed' : 'MISMATCH'}`,
    );
    out(`  CPU: ${formatCpu(fanOutCpu)}`);

    // 2b. The webhook sender alone: deliveries queued all at once, spread over the endpoints.
    const queued = Number(values['queued-deliveries']);
    const before = seen.size;
    const [queuedMs, queuedCpu] = await cpuOf(stack, async () => {
      const { rows } = await db.query(
        `INSERT INTO channels.webhook_deliveries (id, endpoint_id, event_id, event_type, body, state)
         SELECT gen_random_uuid(), ($1::uuid[])[1 + n % cardinality($1::uuid[])], gen_random_uuid()::text,
                'deskgraph.ticket.created.v1', '{"bench":"queued","n":' || n || '}', 'PENDING'
           FROM generate_series(0, $2 - 1) AS n
         RETURNING id`,
        [endpointIds, queued],
      );
      const ids = rows.map((row) => row.id as string);
      return waitFor('queued deliveries', async () => {
        const { rows: done } = await db.query(
          `SELECT count(*) FILTER (WHERE state = 'SUCCEEDED')::int AS ok, min(created_at) AS first, max(delivered_at) AS last
             FROM channels.webhook_deliveries WHERE id = ANY($1)`,
          [ids],
        );
        return done[0].ok >= queued
          ? new Date(done[0].last).getTime() - new Date(done[0].first).getTime()
          : null;
      });
    });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const queuedPerSecond = queued / (Math.max(queuedMs, 1) / 1000);
    const queuedExact = seen.size - before === queued && counts.badSignatures === 0;
    out(
      `queued deliveries only: ${queued} in ${queuedMs} ms = ${queuedPerSecond.toFixed(1)}/s (${seen.size - before} unique at the receiver, ${counts.duplicates} duplicates: ${queuedExact ? 'exactly once' : 'MISMATCH'}); load ${load()}`,
    );
    out(`  CPU: ${formatCpu(queuedCpu)}`);
    out(
      JSON.stringify({
        ...emailFigures,
        webhookDeliveries: fanOut.ok,
        webhookDeliveriesPerSecond: Number(deliveriesPerSecond.toFixed(1)),
        webhookExactlyOnce: hooksExact,
        webhookDuplicates: counts.duplicates,
        webhookBadSignatures: counts.badSignatures,
        webhookConnections: counts.connections,
        webhookCpuSeconds: fanOutCpu,
        queuedDeliveriesPerSecond: Number(queuedPerSecond.toFixed(1)),
        queuedDeliveriesExactlyOnce: queuedExact,
        loadAverage: loadavg().map((value) => Number(value.toFixed(2))),
      }),
    );
  } finally {
    await db.end();
    await stack.stop();
    receiver.close();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
