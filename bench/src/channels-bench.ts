import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import nodemailer from 'nodemailer';
import { Client as PgClient } from 'pg';
import { graphqlOk, startTestStack, testToken } from '@deskgraph/infra';

// Channels throughput: (1) email intake — mails sent over SMTP to the
// listener, counted until each is a ticket (inbound_mail DONE); (2) webhook
// fan-out — endpoints × ticket.created events delivered, signed, to a local
// HTTP receiver. Prints figures, asserts nothing; the last line is one JSON
// object. `npm run bench:channels -- --mails 500 --endpoints 50 --tickets 40`.
const { values } = parseArgs({
  options: {
    mails: { type: 'string', default: '500' },
    'smtp-connections': { type: 'string', default: '8' },
    endpoints: { type: 'string', default: '50' },
    tickets: { type: 'string', default: '40' },
    'timeout-seconds': { type: 'string', default: '600' },
  },
});
const mails = Number(values.mails);
const endpoints = Number(values.endpoints);
const tickets = Number(values.tickets);
const timeoutMs = Number(values['timeout-seconds']) * 1000;
const out = (line = '') => process.stdout.write(`${line}\n`);

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
  let received = 0;
  const receiver = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      received++;
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', () => resolve()));
  const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  const stack = await startTestStack({
    processEnv: {
      channels: {
        WEBHOOK_ALLOWED_NETWORKS: '127.0.0.1/32',
        WEBHOOK_CONCURRENCY: '64',
        WORK_POLL_INTERVAL_MS: '100',
        LOG_LEVEL: 'warn',
      },
    },
    env: { LOG_LEVEL: 'warn', RATE_LIMIT_PER_SECOND: '100000', RATE_LIMIT_BURST: '100000' },
  });
  const db = new PgClient({ connectionString: stack.databaseUrl });
  await db.connect();
  const run = randomUUID().slice(0, 8);
  try {
    out(
      `channels bench ${run}: ${mails} mails, ${endpoints} endpoints × ${tickets} tickets; load ${loadavg()
        .map((v) => v.toFixed(1))
        .join(' ')}`,
    );

    // 1. Email intake.
    const transport = nodemailer.createTransport({
      host: '127.0.0.1',
      port: stack.smtpPort,
      pool: true,
      maxConnections: Number(values['smtp-connections']),
      maxMessages: Infinity,
      ignoreTLS: true,
    });
    const started = Date.now();
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
    const acceptedMs = Date.now() - started;
    transport.close();
    const intakeMs = await waitFor('mail intake', async () => {
      const { rows } = await db.query(
        `SELECT count(*)::int AS done, max(processed_at) AS last FROM channels.inbound_mail
          WHERE subject LIKE $1 AND state = 'DONE'`,
        [`bench-${run} %`],
      );
      return rows[0].done >= mails ? new Date(rows[0].last).getTime() - started : null;
    });
    const acceptedPerSecond = mails / (acceptedMs / 1000);
    const intakePerSecond = mails / (intakeMs / 1000);
    out(
      `email: ${mails} accepted (250) in ${acceptedMs} ms = ${acceptedPerSecond.toFixed(1)}/s; all tickets in ${intakeMs} ms = ${intakePerSecond.toFixed(1)}/s`,
    );

    // 2. Webhook fan-out.
    const admin = await testToken({ userId: 'bench-admin', roles: ['admin'] });
    const endpointIds: string[] = [];
    for (let index = 0; index < endpoints; index++) {
      const data = await graphqlOk(
        stack.gatewayUrl,
        `mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { endpoint { id } } }`,
        { input: { name: `bench ${index}`, url: receiverUrl, eventTypes: ['deskgraph.ticket.created.v1'] } },
        admin,
      );
      endpointIds.push(data.createWebhookEndpoint.endpoint.id);
    }
    // All at once, so the figure is the fan-out's rate, not the rate tickets were created at.
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
    const expected = endpoints * tickets;
    const fanOut = await waitFor('webhook deliveries', async () => {
      const { rows } = await db.query(
        `SELECT count(*) FILTER (WHERE state = 'SUCCEEDED')::int AS ok, count(*)::int AS total,
                min(created_at) AS first, max(delivered_at) AS last
           FROM channels.webhook_deliveries WHERE endpoint_id = ANY($1)`,
        [endpointIds],
      );
      return rows[0].ok >= expected ? rows[0] : null;
    });
    const fanOutMs = new Date(fanOut.last).getTime() - new Date(fanOut.first).getTime();
    const deliveriesPerSecond = fanOut.ok / (Math.max(fanOutMs, 1) / 1000);
    out(
      `webhooks: ${fanOut.ok} deliveries (receiver saw ${received}) in ${fanOutMs} ms = ${deliveriesPerSecond.toFixed(1)}/s`,
    );
    out(
      JSON.stringify({
        bench: 'channels',
        mails,
        emailAcceptedPerSecond: Number(acceptedPerSecond.toFixed(1)),
        emailIntakePerSecond: Number(intakePerSecond.toFixed(1)),
        webhookDeliveries: fanOut.ok,
        webhookDeliveriesPerSecond: Number(deliveriesPerSecond.toFixed(1)),
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
