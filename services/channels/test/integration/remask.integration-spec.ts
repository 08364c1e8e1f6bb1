import { spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { Client } from 'pg';
import { ensureDatabase, splitDatabaseUrl } from '@deskgraph/infra';
import { databaseModel, parseEnvironment, readProcessEnvironment } from '@deskgraph/platform';

// `npm run privacy:remask` over a migrated channels schema holding numbers
// stored in clear (as an older detector would have left them): mail text,
// attachment names and the mail and delivery logs are masked; Message-IDs,
// addresses, endpoint URLs and secrets are keys and stay.

jest.setTimeout(120_000);

const root = resolve(__dirname, '../../../..');
const CARD = '6228480428370453';
const ID = '110105194912310021';
let client: Client;
let databaseUrl: string;
let databaseName: string;
let serverUrl: string;

function node(script: string): { status: number | null; output: string } {
  const result = spawnSync(process.execPath, [resolve(root, script)], {
    env: { PATH: readProcessEnvironment().PATH ?? '', DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn' },
    encoding: 'utf8',
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

beforeAll(async () => {
  const { database } = parseEnvironment({ database: databaseModel });
  serverUrl = splitDatabaseUrl(database.url).serverUrl;
  databaseName = `deskgraph_remask_${randomBytes(4).toString('hex')}`;
  databaseUrl = await ensureDatabase(serverUrl, databaseName);
  const migrated = node('services/channels/dist/src/database/migrate.js');
  expect(migrated).toMatchObject({ status: 0 });
  client = new Client({ connectionString: databaseUrl });
  await client.connect();
});

afterAll(async () => {
  await client?.end();
  const admin = new Client({ connectionString: `${serverUrl}/postgres` });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${databaseName}" WITH (FORCE)`);
  await admin.end();
});

it('should mask mail text, attachment names and the mail and delivery logs of the channels schema, and keep keys, addresses and secrets', async () => {
  const mailId = randomUUID();
  const ticketId = randomUUID();
  const endpointId = randomUUID();
  const messageId = `${CARD}.reply@example.com`;
  await client.query(
    `INSERT INTO channels.inbound_mail (id, message_id, from_address, from_name, subject, body, attachment_names, "references", state, last_error)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'DONE', $9)`,
    [
      mailId,
      messageId,
      `${CARD}@example.com`,
      `张三 ${ID}`,
      `退款到卡 ${CARD}`,
      `我的身份证 ${ID}，卡号 ${CARD}`,
      [`身份证-${ID}.jpg`, 'plain.pdf'],
      [messageId],
      `BAD_USER_INPUT: card ${CARD}`,
    ],
  );
  await client.query(
    `INSERT INTO channels.mail_threads (ticket_id, ticket_number, customer_id, address, name, subject)
     VALUES ($1, '202611-001', 'EM-1', $2, $3, $4)`,
    [ticketId, `${CARD}@example.com`, `张三 ${ID}`, `退款到卡 ${CARD}`],
  );
  await client.query(
    `INSERT INTO channels.outbound_mail (id, message_id, source_event_id, kind, ticket_id, body, to_address, subject, state, last_response)
     VALUES ($1, $2, $3, 'REPLY', $4, $5, $6, $7, 'FAILED', $8)`,
    [
      randomUUID(),
      `reply.${CARD}@deskgraph.local`,
      randomUUID(),
      ticketId,
      `已退款到卡 ${CARD}`,
      `${CARD}@example.com`,
      `Re: 退款到卡 ${CARD} [202611-001]`,
      `550 5.1.1 <${CARD}@example.com>: card ${CARD} refused`,
    ],
  );
  await client.query(
    `INSERT INTO channels.ticket_facts (ticket_id, number, title, priority, queue_id, channel, customer_id)
     VALUES ($1, '202611-001', $2, 'P1', 'general', 'EMAIL', 'EM-1')`,
    [ticketId, `退款到卡 ${CARD}`],
  );
  const url = `https://oapi.dingtalk.com/robot/send?access_token=${CARD}`;
  const secret = `SEC${CARD}`;
  await client.query(
    `INSERT INTO channels.webhook_endpoints (id, name, url, format, secret, created_by) VALUES ($1, 'Robot', $2, 'DINGTALK', $3, 'admin')`,
    [endpointId, url, secret],
  );
  await client.query(
    `INSERT INTO channels.webhook_deliveries (id, endpoint_id, event_id, event_type, ticket_id, body, state, last_error)
     VALUES ($1, $2, $3, 'deskgraph.ticket.created.v1', $4, $5, 'FAILED', $6)`,
    [
      randomUUID(),
      endpointId,
      randomUUID(),
      ticketId,
      JSON.stringify({ data: { title: `退款到卡 ${CARD}`, description: `身份证 ${ID}` } }),
      `HTTP 400: {"echo":"${CARD}"}`,
    ],
  );

  const first = node('infra/dist/src/cli/remask.js');
  expect(first.status).toBe(0);
  expect(first.output).toMatch(/channels: \d+ rows re-masked/);

  const [inbound] = (await client.query(`SELECT * FROM channels.inbound_mail`)).rows;
  expect(inbound).toMatchObject({
    message_id: messageId,
    from_address: `${CARD}@example.com`,
    references: [messageId],
    from_name: '张三 **************0021',
    subject: '退款到卡 ************0453',
    body: '我的身份证 **************0021，卡号 ************0453',
    attachment_names: ['身份证-**************0021.jpg', 'plain.pdf'],
    last_error: 'BAD_USER_INPUT: card ************0453',
  });
  const [thread] = (await client.query(`SELECT * FROM channels.mail_threads`)).rows;
  expect(thread).toMatchObject({
    address: `${CARD}@example.com`,
    name: '张三 **************0021',
    subject: '退款到卡 ************0453',
  });
  const [outbound] = (await client.query(`SELECT * FROM channels.outbound_mail`)).rows;
  expect(outbound).toMatchObject({
    message_id: `reply.${CARD}@deskgraph.local`,
    to_address: `${CARD}@example.com`,
    body: '已退款到卡 ************0453',
    subject: 'Re: 退款到卡 ************0453 [202611-001]',
  });
  expect(outbound.last_response).not.toContain(`card ${CARD}`);
  const [facts] = (await client.query(`SELECT title FROM channels.ticket_facts`)).rows;
  expect(facts.title).toBe('退款到卡 ************0453');
  const [endpoint] = (await client.query(`SELECT url, secret FROM channels.webhook_endpoints`)).rows;
  expect(endpoint).toEqual({ url, secret });
  const [delivery] = (await client.query(`SELECT body, last_error FROM channels.webhook_deliveries`)).rows;
  expect(JSON.parse(delivery.body)).toEqual({
    data: { title: '退款到卡 ************0453', description: '身份证 **************0021' },
  });
  expect(delivery.last_error).toBe('HTTP 400: {"echo":"************0453"}');

  // Idempotent: a second run finds nothing left to mask in channels.
  const second = node('infra/dist/src/cli/remask.js');
  expect(second.output).toContain('channels: 0 rows re-masked');
});
