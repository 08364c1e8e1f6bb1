import { Client as PgClient } from 'pg';
import {
  eventually,
  graphqlErrorCode,
  graphqlOk,
  startTestStack,
  TEST_JWT_SECRET,
  type TestStack,
} from '@deskgraph/infra';
import { SEED_TIME_HEADER } from '../../src/auth/seed-clock';
import { seedDesk, type SeedReport } from '../../src/seed/seed-desk';
import { planTickets } from '../../src/seed/ticket-plan';

// `npm run seed` against a whole stack: the demo desk is built through the
// gateway, its history lands at its real (past) times, every subgraph's
// figures fill, the printed tokens work, and a second run changes nothing.

const TICKETS = 48;
const SEED = 7;
const AUTH = { secret: TEST_JWT_SECRET, issuer: 'deskgraph', audience: 'deskgraph' };

/**
 * Rows only the seed's own calls write. Background work the history sets off
 * later (SLA timers of still-open tickets firing, the escalations they cause,
 * projections) is the desk running, not the seed, and is left out.
 */
const SEED_WRITTEN: Record<string, string> = {
  tickets: 'SELECT count(*) FROM tickets.tickets',
  timeline: `SELECT count(*) FROM tickets.timeline WHERE actor_id <> 'system'`,
  ticketEvents: `SELECT count(*) FROM tickets.outbox WHERE payload::jsonb #>> '{data,actor,id}' IS DISTINCT FROM 'system'`,
  messages: 'SELECT count(*) FROM tickets.messages',
  compensations: 'SELECT count(*) FROM tickets.compensations',
  visits: 'SELECT count(*) FROM tickets.visits',
  handovers: 'SELECT count(*) FROM tickets.handovers',
  links: 'SELECT count(*) FROM tickets.ticket_links',
  queues: 'SELECT count(*) FROM tickets.queues',
  agents: 'SELECT count(*) FROM tickets.agents',
  rules: `SELECT (SELECT count(*) FROM tickets.classification_rules) + (SELECT count(*) FROM tickets.routing_rules)
            + (SELECT count(*) FROM tickets.service_language_rules)`,
  articleVersions: 'SELECT count(*) FROM knowledge.article_versions',
  articleUse: `SELECT (SELECT count(*) FROM knowledge.article_ticket_links) + (SELECT count(*) FROM knowledge.article_votes)`,
  knowledgeEvents: 'SELECT count(*) FROM knowledge.outbox',
  searchMisses: 'SELECT coalesce(sum(count), 0) FROM knowledge.search_misses',
  standards: `SELECT (SELECT count(*) FROM knowledge.compensation_standards) + (SELECT count(*) FROM knowledge.reply_templates)
            + (SELECT count(*) FROM knowledge.categories)`,
  slaVersions: 'SELECT (SELECT count(*) FROM sla.policies) + (SELECT count(*) FROM sla.calendars)',
  kpiTargets: 'SELECT count(*), max(updated_at)::text FROM analytics.kpi_targets',
};

describe('demo seed', () => {
  let stack: TestStack;
  let db: PgClient;
  let first: SeedReport;

  async function counts(): Promise<Record<string, string>> {
    const result: Record<string, string> = {};
    for (const [name, sql] of Object.entries(SEED_WRITTEN)) {
      const { rows } = await db.query(sql);
      result[name] = Object.values(rows[0]).join('/');
    }
    return result;
  }

  /** Every event the seed wrote is published and its consequences applied. */
  async function settled(): Promise<void> {
    await eventually(
      async () => {
        const { rows } = await db.query(
          `SELECT (SELECT count(*) FROM tickets.outbox WHERE published_at IS NULL)
                + (SELECT count(*) FROM knowledge.outbox WHERE published_at IS NULL)
                + (SELECT count(*) FROM sla.outbox WHERE published_at IS NULL) AS waiting,
                  (SELECT count(*) FROM tickets.outbox) AS sent,
                  (SELECT count(*) FROM tickets.outbox) + (SELECT count(*) FROM sla.outbox)
                    <= (SELECT count(*) FROM analytics.processed_events) AS counted,
                  (SELECT count(*) FROM sla.tracked_tickets) AS tracked,
                  (SELECT count(*) FROM knowledge.ticket_facts) AS facts`,
        );
        const { waiting, sent, counted, tracked, facts } = rows[0];
        const tickets = (await db.query('SELECT count(*) FROM tickets.tickets')).rows[0].count;
        return (
          Number(waiting) === 0 && Number(sent) > 0 && counted && tracked === tickets && facts === tickets
        );
      },
      { timeoutMs: 120_000, intervalMs: 500, what: 'the seeded events to be applied everywhere' },
    );
  }

  beforeAll(async () => {
    // No lifecycle sweep during the test: auto-close and overdue visits are the desk's work, not the seed's.
    stack = await startTestStack({ env: { LIFECYCLE_SWEEP_SECONDS: '86400' } });
    db = new PgClient({ connectionString: stack.databaseUrl });
    await db.connect();
  }, 180_000);

  afterAll(async () => {
    await db?.end();
    await stack?.stop();
  }, 60_000);

  it('should build the desk through the gateway when run on an empty desk', async () => {
    first = await seedDesk({ url: stack.gatewayUrl, auth: AUTH, tickets: TICKETS, seed: SEED });
    expect(first.created.tickets).toBe(TICKETS);
    expect(first.existing.tickets).toBe(0);
    expect(first.created.articles).toBe(40);
    expect(first.created.configuration).toBeGreaterThan(20);
    await settled();
  }, 900_000);

  it('should record the history at its real times when the seeding clock is used', async () => {
    const { rows } = await db.query(
      `SELECT min(created_at) AS oldest, max(created_at) AS newest, count(DISTINCT created_at::date) AS days FROM tickets.tickets`,
    );
    const plans = planTickets({ seed: SEED, tickets: TICKETS, now: new Date() });
    const oldestPlanned = Math.max(...plans.map((plan) => plan.createdMinutesAgo));
    expect(Date.now() - rows[0].oldest.getTime()).toBeGreaterThan((oldestPlanned - 60) * 60_000);
    expect(Number(rows[0].days)).toBeGreaterThan(14);
    // SLA clocks ran on the same history: started when the ticket was created, not when it was seeded.
    const { rows: clocks } = await db.query(
      `SELECT count(*) FILTER (WHERE c.started_at = t.created_at) AS aligned, count(*) AS total
         FROM sla.clocks c JOIN tickets.tickets t ON t.id = c.ticket_id WHERE c.target = 'FIRST_RESPONSE'`,
    );
    expect(Number(clocks[0].aligned)).toBe(Number(clocks[0].total));
  });

  it('should fill every figure when the supervisor asks for the last four weeks', async () => {
    const to = new Date();
    const from = new Date(to.getTime() - 29 * 86_400_000);
    const { ticketMetrics, weeklyReview } = await graphqlOk(
      stack.gatewayUrl,
      `query($period: PeriodInput!, $week: DateTime) {
         ticketMetrics(period: $period) {
           volume { total } sla { target achieved breached rate }
           satisfactionRate { value } reopenRate { value } firstResponse { calendar { count medianMs } }
           targets { kpi value target met }
         }
         weeklyReview(weekOf: $week) { metrics { volume { total } } topIssues { key count } targets { kpi met } markdown }
       }`,
      {
        period: { kind: 'CUSTOM', from: from.toISOString(), to: to.toISOString() },
        week: new Date(to.getTime() - 10 * 86_400_000).toISOString(),
      },
      first.tokens.supervisor,
    );
    // Merged duplicates do not count as volume.
    expect(ticketMetrics.volume.total).toBe(TICKETS);
    const firstResponse = ticketMetrics.sla.find(
      (row: { target: string }) => row.target === 'FIRST_RESPONSE',
    );
    expect(firstResponse.achieved).toBeGreaterThan(firstResponse.breached);
    expect(firstResponse.breached).toBeGreaterThan(0);
    expect(firstResponse.rate).toBeGreaterThan(0.5);
    expect(firstResponse.rate).toBeLessThan(1);
    expect(ticketMetrics.satisfactionRate.value).toBeGreaterThan(0.5);
    expect(ticketMetrics.satisfactionRate.value).toBeLessThan(1);
    expect(ticketMetrics.firstResponse.calendar.count).toBeGreaterThan(TICKETS / 2);
    expect(ticketMetrics.firstResponse.calendar.medianMs).toBeGreaterThan(60_000);
    const satisfactionTarget = ticketMetrics.targets.find(
      (row: { kpi: string }) => row.kpi === 'satisfactionRate',
    );
    expect(satisfactionTarget).toMatchObject({ target: 0.9 });
    expect(typeof satisfactionTarget.met).toBe('boolean');
    expect(weeklyReview.metrics.volume.total).toBeGreaterThan(0);
    expect(weeklyReview.topIssues.length).toBeGreaterThan(0);
    expect(weeklyReview.targets.length).toBeGreaterThan(0);
    expect(weeklyReview.markdown).toContain('Targets');
  });

  it('should find and suggest articles in both languages when searched by customer and agent', async () => {
    const search = `query($q: String!) { searchArticles(query: $q, first: 3) { totalCount edges { node { title locale } } } }`;
    const zh = await graphqlOk(stack.gatewayUrl, search, { q: '退款' }, first.tokens.customer);
    const en = await graphqlOk(stack.gatewayUrl, search, { q: 'refund' }, first.tokens.customer);
    expect(zh.searchArticles.edges[0].node).toMatchObject({ title: '如何申请退款', locale: 'zh-CN' });
    expect(en.searchArticles.edges[0].node).toMatchObject({ title: 'How to request a refund', locale: 'en' });
    const { tickets } = await graphqlOk(
      stack.gatewayUrl,
      `{ tickets(first: 5) { edges { node { id queueId suggestedArticles(first: 2) { score article { title } } } } } }`,
      {},
      first.tokens.agent,
    );
    expect(tickets.edges.length).toBeGreaterThan(0);
    for (const { node } of tickets.edges) {
      expect(node.queueId).toBe('presales');
      expect(node.suggestedArticles.length).toBeGreaterThan(0);
    }
  });

  it('should let the customer token see only its own tickets and refuse the seeding clock to others', async () => {
    const { tickets } = await graphqlOk(
      stack.gatewayUrl,
      `{ tickets(first: 50) { edges { node { customer { id } } } } }`,
      {},
      first.tokens.customer,
    );
    expect(tickets.edges.length).toBeGreaterThan(0);
    expect(
      new Set(tickets.edges.map((edge: { node: { customer: { id: string } } }) => edge.node.customer.id)),
    ).toEqual(new Set([first.customer.id]));
    const response = await fetch(stack.gatewayUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${first.tokens.agent}`,
        [SEED_TIME_HEADER]: new Date(Date.now() - 86_400_000).toISOString(),
      },
      body: JSON.stringify({ query: '{ queues { id } }' }),
    });
    const body = (await response.json()) as {
      errors?: { extensions?: { code?: string; reason?: string } }[];
    };
    expect(body.errors?.[0]?.extensions).toMatchObject({
      code: 'FORBIDDEN',
      reason: 'SEED_CLOCK_NOT_ALLOWED',
    });
    expect(await graphqlErrorCode(stack.gatewayUrl, '{ queues { id } }', {}, 'not-a-token')).toMatchObject({
      code: 'UNAUTHENTICATED',
    });
  });

  it('should change nothing when run a second time', async () => {
    const before = await counts();
    const second = await seedDesk({ url: stack.gatewayUrl, auth: AUTH, tickets: TICKETS, seed: SEED });
    await settled();
    const after = await counts();
    expect(second.created).toEqual({ tickets: 0, articles: 0, configuration: 0, handovers: 0 });
    expect(second.existing.tickets).toBe(TICKETS);
    expect(after).toEqual(before);
    expect(Number(before.tickets)).toBeGreaterThan(TICKETS);
  }, 300_000);
});
