import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  buildClientSchema,
  getIntrospectionQuery,
  getNamedType,
  isInputObjectType,
  type GraphQLInputType,
  type IntrospectionQuery,
} from 'graphql';
import { Kafka, logLevel } from 'kafkajs';
import { Client as PgClient } from 'pg';
import { normaliseForDetection } from '@deskgraph/platform';
import {
  eventually,
  graphqlOk,
  repositoryRoot,
  startTestStack,
  testToken,
  type TestStack,
} from '@deskgraph/infra';

// The whole-system privacy scan: every mutation that takes free text, in all
// subgraphs, is driven through the gateway with planted ID and card
// numbers; then every table of every schema (outboxes included), every event
// on every topic of the stack and every log line must hold none of them in
// clear, while the customer's phone number stays readable.

const CARD = '6228 4804 2837 0453';
const FULL_WIDTH_CARD = '６２２８４８０４２８３７０４５３'; // the same card as an input method types it
const OTHER_CARD = '4367-4201-2345-6781';
const ID = '11010519491231002X';
const WRONG_CHECK_ID = '110105 19491231 0021'; // right region and birth date, wrong check digit
const OLD_ID = '110105491231002';
const PLANTED = `卡号 ${CARD}，${FULL_WIDTH_CARD}，card ${OTHER_CARD}，身份证 ${ID} / ${WRONG_CHECK_ID}，旧证 ${OLD_ID}`;
/** For short fields (names, tags): the full-width card and the mistyped ID. */
const SHORT = `${FULL_WIDTH_CARD} ${WRONG_CHECK_ID}`;
/** The digits that must never appear in clear, however the text is spaced. */
const SECRETS = [CARD, OTHER_CARD, ID, WRONG_CHECK_ID, OLD_ID].map((number) =>
  number.replace(/[^0-9X]/g, ''),
);
const PHONE = '+86 139-1234-5677';

/**
 * String inputs that are not free text: identifiers, codes and formats with
 * their own validation (an ID or card number there is refused, not stored).
 * Every other String input of every mutation must be driven below.
 */
const NOT_FREE_TEXT = new Set([
  'setKpiTarget.input.kpi',
  'removeKpiTarget.kpi',
  'createArticleDraft.input.locale',
  'updateArticle.input.locale',
  'upsertCompensationStandard.input.currency',
  'upsertReplyTemplate.input.locale',
  'setSlaPolicy.input.rules.priority',
  'setSlaPolicy.input.rules.ticketType',
  'setSlaPolicy.input.rules.customerType',
  'setBusinessCalendar.input.timeZone',
  'setBusinessCalendar.input.weekly.shifts.start',
  'setBusinessCalendar.input.weekly.shifts.end',
  'setBusinessCalendar.input.holidays',
  'setBusinessCalendar.input.extraWorkingDays.date',
  'setBusinessCalendar.input.extraWorkingDays.shifts.start',
  'setBusinessCalendar.input.extraWorkingDays.shifts.end',
  'createTicket.input.customer.tier',
  'createTicket.input.customer.region',
  'createTicket.input.category',
  'createTicket.input.attachments.contentType',
  'createTicket.input.attachments.url',
  'createTicket.input.tags',
  // Idempotency keys identify a request; they are compared, never shown as text.
  'createTicket.input.idempotencyKey',
  'replyToTicket.input.idempotencyKey',
  'proposeCompensation.input.idempotencyKey',
  'scheduleVisit.input.idempotencyKey',
  'reclassifyTicket.input.category',
  'proposeCompensation.input.currency',
  'setRoutingRules.rules.category',
  'setClassificationRules.rules.category',
  // Webhook addresses, robots' signing secrets and event type names: checked values, not free text.
  'createWebhookEndpoint.input.url',
  'createWebhookEndpoint.input.secret',
  'createWebhookEndpoint.input.eventTypes',
  'updateWebhookEndpoint.input.url',
  'updateWebhookEndpoint.input.secret',
  'updateWebhookEndpoint.input.eventTypes',
]);

function stringInputs(type: GraphQLInputType, path: string, seen: Set<string> = new Set()): string[] {
  const named = getNamedType(type);
  if (named.name === 'String') return [path];
  if (!isInputObjectType(named) || seen.has(named.name)) return [];
  return Object.values(named.getFields()).flatMap((field) =>
    stringInputs(field.type, `${path}.${field.name}`, new Set([...seen, named.name])),
  );
}

/** Digits of a text with every separator and mask removed, full-width folded. */
const digitsOf = (text: string) =>
  normaliseForDetection(text)
    .replace(/[^0-9X]/gi, '')
    .toUpperCase();
const leaks = (text: string) => SECRETS.filter((secret) => digitsOf(text).includes(secret));

describe('privacy: no ID or card number anywhere in the system', () => {
  let stack: TestStack;
  let database: PgClient;
  let admin: string;
  let agent: string;
  let customer: string;
  const driven = new Set<string>();
  /** Runs a mutation and records which of its String inputs carried planted text. */
  const drive = async (
    name: string,
    paths: string[],
    query: string,
    variables: Record<string, unknown>,
    token: string,
  ) => {
    for (const path of paths) driven.add(`${name}.${path}`);
    return (await graphqlOk(stack.gatewayUrl, query, variables, token))[name];
  };

  beforeAll(async () => {
    stack = await startTestStack();
    database = new PgClient({ connectionString: stack.databaseUrl });
    await database.connect();
    admin = await testToken({ roles: ['admin'], userId: 'admin-1' });
    agent = await testToken({ roles: ['agent'], userId: 'p1', queueIds: ['privacy'] });
    customer = await testToken({ roles: ['customer'], userId: 'u-p', customerId: 'C-P' });
  }, 180_000);

  afterAll(async () => {
    await database?.end();
    await stack?.stop();
  }, 60_000);

  it('should mask every free-text input of every mutation and keep the phone number', async () => {
    // Desk set-up, with planted numbers in every name.
    await drive(
      'upsertQueue',
      ['input.name'],
      `mutation($name: String!) { upsertQueue(input: { id: "privacy", name: $name }) { id } }`,
      { name: `Privacy ${PLANTED}` },
      admin,
    );
    await drive(
      'upsertAgent',
      ['input.displayName'],
      `mutation($name: String!) { upsertAgent(input: { id: "p1", displayName: $name, queueIds: ["privacy"], available: true }) { id } }`,
      { name: `Agent ${PLANTED}` },
      admin,
    );
    await drive(
      'setRoutingRules',
      [],
      `mutation { setRoutingRules(rules: [{ id: "privacy", type: COMPLAINT, queueId: "privacy" }]) { id } }`,
      {},
      admin,
    );
    await drive(
      'setClassificationRules',
      ['rules.keywords'],
      `mutation($keywords: [String!]!) { setClassificationRules(rules: [{ id: "privacy", keywords: $keywords, type: COMPLAINT, priority: P2 }]) { id } }`,
      { keywords: ['投诉', `keyword ${CARD}`] },
      admin,
    );

    // A ticket with planted numbers in every free-text field, and a phone number as contact.
    const ticket = await drive(
      'createTicket',
      [
        'input.title',
        'input.description',
        'input.customer.name',
        'input.customer.contact',
        'input.expectedOutcome',
        'input.attachments.name',
      ],
      `mutation($input: CreateTicketInput!) { createTicket(input: $input) { id queueId title description customer { contact } } }`,
      {
        input: {
          channel: 'PHONE',
          title: `投诉 回电 ${PHONE} ${PLANTED}`,
          description: `请回电 ${PHONE} 或 8613912345677。${PLANTED}`,
          customer: { id: 'C-P', name: `王 ${PLANTED}`, contact: PHONE },
          expectedOutcome: `退款到 ${PLANTED}`,
          attachments: [
            {
              name: `statement-${CARD}.pdf`,
              contentType: 'application/pdf',
              sizeBytes: 10,
              url: 'https://files.example.com/s.pdf',
            },
          ],
        },
      },
      admin,
    );
    expect(ticket.queueId).toBe('privacy');
    expect(ticket.customer.contact).toBe(PHONE);
    expect(ticket.title).toContain(PHONE);
    expect(ticket.description).toContain(`请回电 ${PHONE} 或 8613912345677。`);
    expect(ticket.description).toContain('**** **** **** 0453');
    expect(ticket.description).toContain('************０４５３');
    const id = ticket.id;

    await drive(
      'reclassifyTicket',
      ['input.reason'],
      `mutation($id: ID!, $reason: String!) { reclassifyTicket(input: { ticketId: $id, priority: P2, reason: $reason }) { id } }`,
      { id, reason: `reclassify ${PLANTED}` },
      admin,
    );
    await graphqlOk(
      stack.gatewayUrl,
      `mutation($id: ID!) { assignTicket(input: { ticketId: $id, agentId: "p1" }) { id } }`,
      { id },
      admin,
    );
    const REPLY = `mutation($id: ID!, $body: String!, $visibility: MessageVisibility) {
      replyToTicket(input: { ticketId: $id, body: $body, visibility: $visibility }) { message { id } } }`;
    await drive('replyToTicket', ['input.body'], REPLY, { id, body: `您好 ${PLANTED}` }, agent);
    await drive(
      'replyToTicket',
      ['input.body'],
      REPLY,
      { id, body: `note ${PLANTED}`, visibility: 'INTERNAL' },
      agent,
    );
    const CHANGE_STATUS = `mutation($id: ID!, $status: TicketStatus!, $reason: String) {
      changeTicketStatus(input: { ticketId: $id, status: $status, reason: $reason }) { status } }`;
    await drive(
      'changeTicketStatus',
      ['input.reason'],
      CHANGE_STATUS,
      { id, status: 'PENDING_CUSTOMER', reason: `waiting ${PLANTED}` },
      agent,
    );
    await drive('replyToTicket', ['input.body'], REPLY, { id, body: `customer ${PLANTED}` }, customer);
    const proposal = await drive(
      'proposeCompensation',
      ['input.reason'],
      `mutation($id: ID!, $reason: String!) { proposeCompensation(input: { ticketId: $id, kind: REFUND, amount: 10, currency: "CNY", reason: $reason }) { id } }`,
      { id, reason: `refund ${PLANTED}` },
      agent,
    );
    await drive(
      'decideCompensation',
      ['input.note'],
      `mutation($p: ID!, $note: String) { decideCompensation(input: { proposalId: $p, approve: true, note: $note }) { id } }`,
      { p: proposal.id, note: `approved ${PLANTED}` },
      admin,
    );
    await drive(
      'carryOutCompensation',
      ['note'],
      `mutation($p: ID!, $note: String) { carryOutCompensation(proposalId: $p, note: $note) { id } }`,
      { p: proposal.id, note: `paid ${PLANTED}` },
      agent,
    );
    await drive(
      'escalateTicket',
      ['input.reason'],
      `mutation($id: ID!, $reason: String!) { escalateTicket(input: { ticketId: $id, direction: VERTICAL, tier: EXPERT, reason: $reason }) { id } }`,
      { id, reason: `escalate ${PLANTED}` },
      agent,
    );
    await drive('replyToTicket', ['input.body'], REPLY, { id, body: `专家答复 ${PLANTED}` }, agent);
    await drive('changeTicketStatus', ['input.reason'], CHANGE_STATUS, { id, status: 'RESOLVED' }, agent);
    await drive(
      'confirmResolution',
      ['input.comment'],
      `mutation($id: ID!, $comment: String) { confirmResolution(input: { ticketId: $id, satisfaction: UNSATISFIED, comment: $comment }) { id } }`,
      { id, comment: `unhappy ${PLANTED}` },
      customer,
    );
    const visit = await drive(
      'scheduleVisit',
      [],
      `mutation($id: ID!, $dueAt: DateTime!) { scheduleVisit(input: { ticketId: $id, kind: FOLLOW_UP, dueAt: $dueAt }) { id } }`,
      { id, dueAt: new Date(Date.now() + 86_400_000).toISOString() },
      admin,
    );
    await drive(
      'completeVisit',
      ['input.note'],
      `mutation($v: ID!, $note: String) { completeVisit(input: { visitId: $v, reached: true, satisfied: false, note: $note }) { id } }`,
      { v: visit.id, note: `visited ${PLANTED}` },
      admin,
    );
    await drive(
      'createHandover',
      ['input.note', 'input.nextSteps.nextStep'],
      `mutation($input: CreateHandoverInput!) { createHandover(input: $input) { id } }`,
      {
        input: {
          queueId: 'privacy',
          toQueue: true,
          note: `handover ${PLANTED}`,
          nextSteps: [{ ticketId: id, nextStep: `call back ${PLANTED}` }],
        },
      },
      agent,
    );
    await drive(
      'transferTicket',
      ['input.reason'],
      `mutation($id: ID!, $reason: String!) { transferTicket(input: { ticketId: $id, queueId: "general", reason: $reason }) { id } }`,
      { id, reason: `transfer ${PLANTED}` },
      admin,
    );
    await drive(
      'setServiceLanguageRules',
      ['rules.phrase', 'rules.suggestion'],
      `mutation($phrase: String!, $suggestion: String) { setServiceLanguageRules(rules: [{ kind: FORBIDDEN, language: ZH, phrase: $phrase, suggestion: $suggestion }]) { phrase } }`,
      { phrase: `禁用 ${CARD}`, suggestion: `建议 ${PLANTED}` },
      admin,
    );

    // A consultation's expert answer is captured by knowledge as a draft article (a consumer path).
    const consultation = await drive(
      'createTicket',
      ['input.title', 'input.description'],
      `mutation($input: CreateTicketInput!) { createTicket(input: $input) { id } }`,
      {
        input: {
          channel: 'CHAT',
          type: 'CONSULTATION',
          queueId: 'privacy',
          title: `如何绑定银行卡 ${PLANTED}`,
          description: `咨询 ${PLANTED}`,
          customer: { id: 'C-P', name: '咨询客户' },
        },
      },
      admin,
    );
    await graphqlOk(
      stack.gatewayUrl,
      `mutation($id: ID!) { assignTicket(input: { ticketId: $id, agentId: "p1" }) { id } }`,
      { id: consultation.id },
      admin,
    );
    await drive(
      'escalateTicket',
      ['input.reason'],
      `mutation($id: ID!, $reason: String!) { escalateTicket(input: { ticketId: $id, direction: VERTICAL, tier: EXPERT, reason: $reason }) { id } }`,
      { id: consultation.id, reason: `expert ${PLANTED}` },
      agent,
    );
    await drive(
      'replyToTicket',
      ['input.body'],
      REPLY,
      { id: consultation.id, body: `专家答复 ${PLANTED}` },
      agent,
    );
    await drive('changeTicketStatus', [], CHANGE_STATUS, { id: consultation.id, status: 'RESOLVED' }, agent);

    // Knowledge: articles, versions, votes, categories, standards, templates, searches.
    await drive(
      'upsertCategory',
      ['input.name'],
      `mutation($name: String!) { upsertCategory(input: { id: "privacy", name: $name }) { id } }`,
      { name: `隐私 ${SHORT}` },
      admin,
    );
    const article = await drive(
      'createArticleDraft',
      ['input.title', 'input.body', 'input.summary', 'input.tags'],
      `mutation($input: CreateArticleDraftInput!) { createArticleDraft(input: $input) { id title body } }`,
      {
        input: {
          title: `退款到卡 ${FULL_WIDTH_CARD} 的处理`,
          body: `案例：客户卡号 ${CARD}，已退款。${PLANTED}`,
          summary: `summary ${PLANTED}`,
          tags: ['退款', `tag ${FULL_WIDTH_CARD}`],
          categoryId: 'privacy',
        },
      },
      admin,
    );
    expect(article.title).toBe('退款到卡 ************０４５３ 的处理');
    await drive(
      'updateArticle',
      ['input.title', 'input.summary', 'input.body', 'input.tags', 'input.reason'],
      `mutation($input: UpdateArticleInput!) { updateArticle(input: $input) { id } }`,
      {
        input: {
          articleId: article.id,
          title: `更新 ${SHORT}`,
          summary: `summary 2 ${PLANTED}`,
          body: `body 2 ${PLANTED}`,
          tags: [`tag2 ${ID}`],
          reason: `edit ${PLANTED}`,
        },
      },
      admin,
    );
    const { article: versions } = await graphqlOk(
      stack.gatewayUrl,
      `query($id: ID!) { article(id: $id) { versions { id version } } }`,
      { id: article.id },
      admin,
    );
    await drive(
      'restoreArticleVersion',
      ['input.reason'],
      `mutation($a: ID!, $v: ID!, $reason: String) { restoreArticleVersion(input: { articleId: $a, versionId: $v, reason: $reason }) { id } }`,
      { a: article.id, v: versions.versions[0].id, reason: `restore ${PLANTED}` },
      admin,
    );
    for (const step of ['submitArticleForReview', 'publishArticle']) {
      await drive(step, [], `mutation($a: ID!) { ${step}(articleId: $a) { id } }`, { a: article.id }, admin);
    }
    await drive(
      'voteArticle',
      ['input.comment'],
      `mutation($a: ID!, $comment: String) { voteArticle(input: { articleId: $a, helpful: false, comment: $comment }) { id } }`,
      { a: article.id, comment: `not helpful ${PLANTED}` },
      agent,
    );
    await drive(
      'upsertCompensationStandard',
      ['input.note'],
      `mutation($note: String) { upsertCompensationStandard(input: { categoryId: "privacy", kind: REFUND, maxAmount: 100, currency: "CNY", note: $note }) { note } }`,
      { note: `standard ${PLANTED}` },
      admin,
    );
    await drive(
      'upsertReplyTemplate',
      ['input.name', 'input.body'],
      `mutation($name: String!, $body: String!) { upsertReplyTemplate(input: { name: $name, locale: "zh-CN", body: $body }) { id } }`,
      { name: `模板 ${SHORT}`, body: `您好 ${PLANTED}` },
      admin,
    );
    const endpoint = await drive(
      'createWebhookEndpoint',
      ['input.name'],
      `mutation($name: String!) { createWebhookEndpoint(input: { name: $name, url: "https://hooks.example.com/p" }) { endpoint { id } } }`,
      { name: `钩子 ${SHORT}` },
      admin,
    );
    await drive(
      'updateWebhookEndpoint',
      ['input.name'],
      `mutation($id: ID!, $name: String) { updateWebhookEndpoint(input: { id: $id, name: $name }) { id } }`,
      { id: endpoint.endpoint.id, name: `钩子2 ${SHORT}` },
      admin,
    );
    // Searches that find nothing are recorded as content gaps.
    await graphqlOk(
      stack.gatewayUrl,
      `query($q: String!) { searchArticles(query: $q) { totalCount } }`,
      { q: `找不到 ${CARD} ${ID}` },
      agent,
    );

    // Every String input of every mutation was either driven or is documented as not free text.
    const { data } = (await (
      await fetch(stack.gatewayUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` },
        body: JSON.stringify({ query: getIntrospectionQuery() }),
      })
    ).json()) as { data: IntrospectionQuery };
    const schema = buildClientSchema(data);
    const inputs = Object.values(schema.getMutationType()!.getFields()).flatMap((field) =>
      field.args.flatMap((argument) => stringInputs(argument.type, `${field.name}.${argument.name}`)),
    );
    expect(inputs.filter((input) => !driven.has(input) && !NOT_FREE_TEXT.has(input))).toEqual([]);

    // Wait for the events to reach every consumer: the knowledge draft captured from the expert answer,
    // and the analytics projection of the ticket.
    // (Analytics projects into generation schemas: analytics_g1, analytics_g2 …)
    const analyticsTickets = await eventually(
      async () => {
        const { rows } = await database.query(
          `SELECT table_schema FROM information_schema.tables WHERE table_name = 'tickets' AND table_schema LIKE 'analytics_g%'`,
        );
        return rows.length > 0 ? `"${rows[0].table_schema}".tickets` : undefined;
      },
      { timeoutMs: 60_000, what: 'the analytics projection schema' },
    );
    await eventually(
      async () => {
        const { rows } = await database.query(
          `SELECT (SELECT count(*) FROM knowledge.articles WHERE source_ticket_id = $1)::int AS drafts,
                  (SELECT count(*) FROM ${analyticsTickets} WHERE ticket_id = $2)::int AS projected`,
          [consultation.id, id],
        );
        return rows[0].drafts > 0 && rows[0].projected > 0;
      },
      { timeoutMs: 60_000, what: 'the knowledge draft and the analytics projection' },
    );
    await eventually(
      async () => {
        const { rows: schemas } = await database.query(
          `SELECT table_schema FROM information_schema.tables WHERE table_name = 'outbox' AND table_type = 'BASE TABLE'`,
        );
        for (const { table_schema: schemaName } of schemas as { table_schema: string }[]) {
          const { rows } = await database.query(
            `SELECT count(*)::int AS pending FROM "${schemaName}".outbox WHERE published_at IS NULL`,
          );
          if (rows[0].pending > 0) return false;
        }
        return true;
      },
      { timeoutMs: 60_000, what: 'every outbox to be published' },
    );

    // 1. Every table of every schema, outboxes included.
    const { rows: tables } = await database.query(
      `SELECT table_schema, table_name FROM information_schema.tables
        WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')`,
    );
    expect([...new Set(tables.map((row: { table_schema: string }) => row.table_schema))]).toEqual(
      expect.arrayContaining(['tickets', 'sla', 'knowledge', 'analytics']),
    );
    const leakedTables: string[] = [];
    let storedText = '';
    for (const { table_schema: schemaName, table_name: table } of tables as {
      table_schema: string;
      table_name: string;
    }[]) {
      const { rows } = await database.query(
        `SELECT row_to_json(t)::text AS row FROM "${schemaName}"."${table}" t`,
      );
      for (const { row } of rows as { row: string }[]) {
        storedText += `${row}\n`;
        if (leaks(row).length > 0) leakedTables.push(`${schemaName}.${table}: ${row.slice(0, 300)}`);
      }
    }
    expect(leakedTables).toEqual([]);
    // The planted text did arrive (masked) in each service that stores free text.
    for (const where of ['tickets.tickets', 'knowledge.articles', analyticsTickets]) {
      const { rows } = await database.query(
        `SELECT count(*)::int AS masked FROM ${where} t WHERE row_to_json(t)::text LIKE '%****%0453%'`,
      );
      expect({ where, masked: rows[0].masked > 0 }).toEqual({ where, masked: true });
    }
    const { rows: contacts } = await database.query(
      `SELECT customer_contact FROM tickets.tickets WHERE id = $1`,
      [id],
    );
    expect(contacts[0].customer_contact).toBe(PHONE);
    expect(storedText).toContain('8613912345677');

    // 2. Every event on every topic of this stack's namespace.
    const kafka = new Kafka({ brokers: stack.kafkaBrokers.split(','), logLevel: logLevel.NOTHING });
    const kafkaAdmin = kafka.admin();
    await kafkaAdmin.connect();
    const topics = (await kafkaAdmin.listTopics()).filter((topic) => topic.startsWith(`${stack.namespace}.`));
    let expected = 0;
    for (const topic of topics) {
      for (const partition of await kafkaAdmin.fetchTopicOffsets(topic)) {
        expected += Number(partition.high) - Number(partition.low);
      }
    }
    await kafkaAdmin.disconnect();
    expect(expected).toBeGreaterThan(20);
    const consumer = kafka.consumer({ groupId: `${stack.namespace}-privacy-scan` });
    const events: string[] = [];
    await consumer.connect();
    await consumer.subscribe({ topics, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => void events.push(message.value?.toString() ?? ''),
    });
    await eventually(async () => events.length >= expected, {
      timeoutMs: 60_000,
      what: 'every event to be read',
    });
    await consumer.disconnect();
    expect(events.filter((event) => leaks(event).length > 0)).toEqual([]);
    expect(events.some((event) => event.includes('****'))).toBe(true);

    // 3. Every log line of every process of the stack.
    const logDirectory = join(repositoryRoot, '.deskgraph', 'test-logs', stack.namespace);
    const logFiles = readdirSync(logDirectory);
    expect(logFiles.length).toBeGreaterThanOrEqual(5);
    const leakedLines = logFiles.flatMap((file) =>
      readFileSync(join(logDirectory, file), 'utf8')
        .split('\n')
        .filter((line) => leaks(line).length > 0)
        .map((line) => `${file}: ${line.slice(0, 300)}`),
    );
    expect(leakedLines).toEqual([]);
  }, 240_000);
});
