import type { Role } from '@deskgraph/platform';
import { signDevelopmentToken } from '../auth/jwt';
import { SEED_TIME_HEADER } from '../auth/seed-clock';
import * as desk from './desk-data';
import { planTickets, type Step, type TicketPlan } from './ticket-plan';

// `npm run seed`: the demo desk, created through the gateway like any client
// would: real mutations, real events, every projection filled as in
// production. History gets its real times from the seeding clock
// (X-Deskgraph-Seed-Time), which the gateway honours only for the token
// minted here and never in production. Everything is found before it is
// created (natural keys: ids, titles, the ticket's `demo-<seed>-<n>` tag), so
// a second run changes nothing.

export interface SeedOptions {
  /** Gateway GraphQL URL, e.g. http://localhost:4000/graphql. */
  url: string;
  /** How tokens are signed: the gateway's JWT_SECRET, issuer and audience. */
  auth: { secret: string; issuer: string; audience: string };
  /** Number of tickets over the last four weeks. */
  tickets: number;
  /** Seed number of the generated history: the same number gives the same desk. */
  seed: number;
  log?: (line: string) => void;
  now?: Date;
}

export interface SeedReport {
  created: { tickets: number; articles: number; configuration: number; handovers: number };
  existing: { tickets: number };
  tokens: { agent: string; supervisor: string; customer: string };
  /** Whose the customer token is: the customer with the most demo tickets. */
  customer: { id: string; name: string };
}

interface Caller {
  userId: string;
  roles: Role[];
  queueIds?: string[];
  customerId?: string;
}

const ALL_QUEUES = [...desk.QUEUES.map((queue) => queue.id), 'general'];
const ADMIN: Caller = { userId: 'seed-admin', roles: ['admin'] };
const DISPATCHER: Caller = { userId: 'sup-zhou-mingyuan', roles: ['supervisor'], queueIds: ALL_QUEUES };
const MAX_ATTEMPTS = 8;

class GraphQLFailure extends Error {
  constructor(
    readonly code: string | undefined,
    message: string,
  ) {
    super(message);
  }
}

export async function seedDesk(options: SeedOptions): Promise<SeedReport> {
  const log = options.log ?? (() => {});
  const now = options.now ?? new Date();
  const historyStart = new Date(now.getTime() - 28 * 86_400_000);
  const tokens = new Map<string, Promise<string>>();
  const report: SeedReport['created'] = { tickets: 0, articles: 0, configuration: 0, handovers: 0 };
  let autoClosedWhilePlaying = 0;

  const token = (caller: Caller, seedClock: boolean, expiresIn: string | number = '2h') => {
    const key = `${caller.userId}:${seedClock}:${expiresIn}`;
    if (!tokens.has(key)) {
      tokens.set(
        key,
        signDevelopmentToken({
          ...options.auth,
          userId: caller.userId,
          roles: caller.roles,
          queueIds: caller.queueIds ?? [],
          customerId: caller.customerId ?? null,
          expiresIn,
          seedClock,
        }),
      );
    }
    return tokens.get(key)!;
  };

  /** One operation as `caller`, at the seeding clock's `at` when given; rate limits are waited out. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the seed reads response shapes it asked for
  async function gql<T = any>(caller: Caller, query: string, variables: object = {}, at?: Date): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const response = await fetch(options.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${await token(caller, at !== undefined)}`,
          ...(at ? { [SEED_TIME_HEADER]: at.toISOString() } : {}),
        },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await response.json().catch(() => ({}))) as {
        data?: T;
        errors?: { message: string; extensions?: { code?: string } }[];
      };
      const error = body.errors?.[0];
      const code = error?.extensions?.code;
      if ((response.status === 429 || code === 'SERVICE_UNAVAILABLE') && attempt < MAX_ATTEMPTS) {
        await new Promise((resolve) => setTimeout(resolve, 250 * 2 ** attempt));
        continue;
      }
      if (error) throw new GraphQLFailure(code, `${error.message} (${code ?? 'no code'})`);
      return body.data as T;
    }
  }

  const agentCaller = (agentId: string): Caller => {
    const agent = desk.AGENTS.find((candidate) => candidate.id === agentId)!;
    return { userId: agent.id, roles: ['agent'], queueIds: agent.queueIds };
  };
  const supervisorOf = (queueId: string): Caller => {
    const supervisor = desk.SUPERVISORS.find((candidate) => candidate.queueIds.includes(queueId))!;
    return { userId: supervisor.id, roles: ['supervisor'], queueIds: supervisor.queueIds };
  };
  const customerCaller = (customer: desk.SeedCustomer): Caller => ({
    userId: `customer-${customer.id}`,
    roles: ['customer'],
    customerId: customer.id,
  });

  await configure();
  const ticketCounts = await seedTickets();
  await seedHandovers();
  const printed = {
    agent: await token(agentCaller('agent-lin-xiaoyu'), false, '8h'),
    supervisor: await token(
      { userId: 'sup-zhou-mingyuan', roles: ['supervisor'], queueIds: ALL_QUEUES },
      false,
      '8h',
    ),
    customer: await token(customerCaller(ticketCounts.busiestCustomer), false, '8h'),
  };
  const { id, name } = ticketCounts.busiestCustomer;
  return {
    created: report,
    existing: { tickets: ticketCounts.existing },
    tokens: printed,
    customer: { id, name },
  };

  async function configure(): Promise<void> {
    log('configuring queues, agents, rules, SLA, KPI targets and knowledge');
    const { queues, agents, classificationRules, routingRules, serviceLanguageRules } = await gql(
      ADMIN,
      `{ queues { id name dutyManagerId } agents { id displayName available queueIds }
         classificationRules { id keywords type category priority weight }
         routingRules { id type category queueId }
         serviceLanguageRules { kind language phrase suggestion } }`,
    );
    for (const queue of desk.QUEUES) {
      const current = queues.find((candidate: desk.SeedQueue) => candidate.id === queue.id);
      if (current?.name === queue.name && current.dutyManagerId === queue.dutyManagerId) continue;
      await gql(
        ADMIN,
        `mutation($input: QueueInput!) { upsertQueue(input: $input) { id } }`,
        { input: queue },
        historyStart,
      );
      report.configuration++;
    }
    for (const agent of desk.AGENTS) {
      const current = agents.find((candidate: { id: string }) => candidate.id === agent.id);
      const input = {
        id: agent.id,
        displayName: agent.displayName,
        queueIds: agent.queueIds,
        available: agent.available,
      };
      const same =
        current?.displayName === agent.displayName &&
        current.available === agent.available &&
        [...current.queueIds].sort().join() === [...agent.queueIds].sort().join();
      if (same) continue;
      await gql(
        ADMIN,
        `mutation($input: AgentInput!) { upsertAgent(input: $input) { id } }`,
        { input },
        historyStart,
      );
      report.configuration++;
    }
    // Rules are replaced as whole lists: the desk's own rules stay, the seed's are added (or refreshed by id).
    const byId = <T extends { id: string }>(existing: T[], wanted: T[]) => [
      ...existing.filter((rule) => !wanted.some((seed) => seed.id === rule.id)),
      ...wanted,
    ];
    const clean = (rule: object) =>
      Object.fromEntries(Object.entries(rule).filter(([, value]) => value != null));
    const classification = byId(
      classificationRules.map(clean),
      desk.CLASSIFICATION_RULES.map((rule) => ({ weight: 1, ...rule })),
    );
    if (!sameList(classificationRules.map(clean), classification)) {
      await gql(
        ADMIN,
        `mutation($rules: [ClassificationRuleInput!]!) { setClassificationRules(rules: $rules) { id } }`,
        { rules: classification },
        historyStart,
      );
      report.configuration++;
    }
    const routing = [
      ...desk.ROUTING_RULES,
      ...routingRules
        .map(clean)
        .filter((rule: { id: string }) => !desk.ROUTING_RULES.some((seed) => seed.id === rule.id)),
    ];
    if (!sameList(routingRules.map(clean), routing)) {
      await gql(
        ADMIN,
        `mutation($rules: [RoutingRuleInput!]!) { setRoutingRules(rules: $rules) { id } }`,
        { rules: routing },
        historyStart,
      );
      report.configuration++;
    }
    const phraseKey = (rule: { kind: string; language: string; phrase: string }) =>
      `${rule.kind}:${rule.language}:${rule.phrase}`;
    const missingPhrases = desk.SERVICE_LANGUAGE_RULES.filter(
      (rule) => !serviceLanguageRules.some((current: typeof rule) => phraseKey(current) === phraseKey(rule)),
    );
    if (missingPhrases.length) {
      await gql(
        ADMIN,
        `mutation($rules: [ServiceLanguageRuleInput!]!) { setServiceLanguageRules(rules: $rules) { phrase } }`,
        { rules: [...serviceLanguageRules.map(clean), ...missingPhrases.map(clean)] },
        historyStart,
      );
      report.configuration++;
    }
    await configureSla();
    await configureKpiTargets();
    await configureKnowledge();
  }

  async function configureSla(): Promise<void> {
    const { businessCalendarVersions, slaPolicyVersions } = await gql(
      ADMIN,
      `{ businessCalendarVersions(id: "default") { version effectiveFrom createdBy } slaPolicyVersions { version effectiveFrom createdBy } }`,
    );
    // Set at the start of the history, so the holidays and targets measure it; set again now when a
    // later version (e.g. a migration's) would otherwise govern new tickets.
    const inForce = (versions: { effectiveFrom: string; createdBy: string; version: number }[]) =>
      [...versions]
        .filter((version) => Date.parse(version.effectiveFrom) <= now.getTime())
        .sort(
          (a, b) => Date.parse(b.effectiveFrom) - Date.parse(a.effectiveFrom) || b.version - a.version,
        )[0];
    if (inForce(businessCalendarVersions)?.createdBy !== ADMIN.userId) {
      const seeded = businessCalendarVersions.some(
        (version: { createdBy: string }) => version.createdBy === ADMIN.userId,
      );
      await gql(
        ADMIN,
        `mutation($input: BusinessCalendarInput!) { setBusinessCalendar(input: $input) { version } }`,
        { input: desk.BUSINESS_CALENDAR },
        seeded ? undefined : historyStart,
      );
      report.configuration++;
    }
    for (let pass = 0; pass < 2; pass++) {
      const { slaPolicyVersions: versions } =
        pass === 0
          ? { slaPolicyVersions }
          : await gql(ADMIN, `{ slaPolicyVersions { version effectiveFrom createdBy } }`);
      if (inForce(versions)?.createdBy === ADMIN.userId) break;
      const seeded = versions.some((version: { createdBy: string }) => version.createdBy === ADMIN.userId);
      await gql(
        ADMIN,
        `mutation($input: SlaPolicyInput!) { setSlaPolicy(input: $input) { version } }`,
        { input: desk.SLA_POLICY },
        seeded ? undefined : historyStart,
      );
      report.configuration++;
    }
  }

  async function configureKpiTargets(): Promise<void> {
    const { kpiTargets } = await gql(
      ADMIN,
      `query($queues: [ID!]) { kpiTargets(queueIds: $queues) { kpi queueId target } }`,
      { queues: ALL_QUEUES },
    );
    for (const target of desk.KPI_TARGETS) {
      const current = kpiTargets.find(
        (candidate: typeof target) =>
          candidate.kpi === target.kpi && (candidate.queueId ?? null) === target.queueId,
      );
      if (current && Math.abs(current.target - target.target) < 1e-9) continue;
      await gql(ADMIN, `mutation($input: KpiTargetInput!) { setKpiTarget(input: $input) { kpi } }`, {
        input: target,
      });
      report.configuration++;
    }
  }

  async function configureKnowledge(): Promise<void> {
    const { categories, replyTemplates, compensationStandards, articles } = await gql(
      ADMIN,
      `{ categories { id name } replyTemplates { id name locale body }
         compensationStandards { category { id } kind maxAmount currency note }
         articles(first: 100) { id title status } }`,
    );
    for (const category of desk.KNOWLEDGE_CATEGORIES) {
      if (
        categories.some(
          (current: typeof category) => current.id === category.id && current.name === category.name,
        )
      )
        continue;
      await gql(ADMIN, `mutation($input: UpsertCategoryInput!) { upsertCategory(input: $input) { id } }`, {
        input: category,
      });
      report.configuration++;
    }
    for (const template of desk.REPLY_TEMPLATES) {
      const current = replyTemplates.find((candidate: typeof template) => candidate.name === template.name);
      if (current?.body === template.body && current.locale === template.locale) continue;
      await gql(
        ADMIN,
        `mutation($input: UpsertReplyTemplateInput!) { upsertReplyTemplate(input: $input) { id } }`,
        { input: { ...template, id: current?.id } },
      );
      report.configuration++;
    }
    for (const standard of desk.COMPENSATION_STANDARDS) {
      const current = compensationStandards.find(
        (candidate: { category: { id: string }; kind: string }) =>
          candidate.category.id === standard.categoryId && candidate.kind === standard.kind,
      );
      if (
        current &&
        current.note === standard.note &&
        current.maxAmount === standard.maxAmount &&
        current.currency === standard.currency
      )
        continue;
      await gql(
        ADMIN,
        `mutation($input: CompensationStandardInput!) { upsertCompensationStandard(input: $input) { id } }`,
        { input: standard },
      );
      report.configuration++;
    }
    for (const article of desk.ARTICLES) {
      const current = articles.find((candidate: { title: string }) => candidate.title === article.title);
      if (current?.status === 'PUBLISHED') continue;
      const id: string =
        current?.id ??
        (
          await gql(
            ADMIN,
            `mutation($input: CreateArticleDraftInput!) { createArticleDraft(input: $input) { id } }`,
            { input: article },
          )
        ).createArticleDraft.id;
      if (!current || current.status === 'DRAFT') {
        await gql(ADMIN, `mutation($id: ID!) { submitArticleForReview(articleId: $id) { id } }`, { id });
      }
      await gql(ADMIN, `mutation($id: ID!) { publishArticle(articleId: $id) { id } }`, { id });
      report.articles++;
    }
  }

  async function existingTicketKeys(): Promise<Set<string>> {
    const keys = new Set<string>();
    for (let after: string | null = null; ;) {
      const { tickets }: { tickets: TagPage } = await gql(
        ADMIN,
        `query($after: String) { tickets(filter: { tags: ["demo"], includeMerged: true }, first: 100, after: $after) {
           edges { node { tags } } pageInfo { endCursor hasNextPage } } }`,
        { after },
      );
      for (const edge of tickets.edges) for (const tag of edge.node.tags) keys.add(tag);
      if (!tickets.pageInfo.hasNextPage) return keys;
      after = tickets.pageInfo.endCursor;
    }
  }

  async function seedTickets(): Promise<{ existing: number; busiestCustomer: desk.SeedCustomer }> {
    const plans = planTickets({ seed: options.seed, tickets: options.tickets, now }).sort(
      (a, b) => b.createdMinutesAgo - a.createdMinutesAgo,
    );
    const existing = await existingTicketKeys();
    const missing = plans.filter((plan) => !existing.has(plan.key));
    log(`tickets: ${plans.length - missing.length} already there, creating ${missing.length}`);
    for (const [index, plan] of missing.entries()) {
      await playTicket(plan);
      report.tickets++;
      if ((index + 1) % 25 === 0) log(`tickets: ${index + 1}/${missing.length}`);
    }
    if (autoClosedWhilePlaying > 0) {
      log(`tickets: ${autoClosedWhilePlaying} auto-closed by the desk before their customer confirmed`);
    }
    if (missing.length > 0) {
      // Searches that found nothing show the content gaps; only when this run added history.
      for (const query of ['发票红冲', 'eSIM activation', '积分兑换']) {
        await gql(
          agentCaller('agent-tang-ruoxi'),
          `query($q: String!) { searchArticles(query: $q) { totalCount } }`,
          { q: query },
        );
      }
    }
    const ticketsOf = (customer: desk.SeedCustomer) =>
      plans.filter((plan) => plan.customer === customer).length;
    const busiestCustomer = desk.CUSTOMERS.reduce((best, customer) =>
      ticketsOf(customer) > ticketsOf(best) ? customer : best,
    );
    return { existing: plans.length - missing.length, busiestCustomer };
  }

  /** Whether the desk's lifecycle sweep closed the ticket (it was resolved and nobody confirmed in time). */
  async function wasAutoClosed(ticketId: string): Promise<boolean> {
    const { ticket } = await gql(DISPATCHER, `query($id: ID!) { ticket(id: $id) { autoClosed } }`, {
      id: ticketId,
    });
    return ticket?.autoClosed === true;
  }

  async function playTicket(plan: TicketPlan): Promise<void> {
    const created = new Date(now.getTime() - plan.createdMinutesAgo * 60_000);
    const at = (minutes: number) => new Date(created.getTime() + minutes * 60_000);
    const customer = customerCaller(plan.customer);
    const input = {
      title: plan.title,
      description: plan.description,
      channel: plan.channel,
      customer: {
        id: plan.customer.id,
        name: plan.customer.name,
        type: plan.customer.type,
        contact: plan.customer.contact,
        ...(plan.createdBy === 'staff' ? { tier: plan.customer.tier } : {}),
        region: plan.customer.region,
      },
      tags: ['demo', plan.key],
      ...(plan.mood ? { customerMood: plan.mood } : {}),
      ...(plan.createdBy === 'staff'
        ? { type: plan.type, category: plan.category, priority: plan.priority, queueId: plan.queueId }
        : {}),
    };
    // Customers cannot tag their own tickets: the desk's dispatcher records the app and chat ones too,
    // on the customer's behalf, so every demo ticket carries its natural key.
    const { createTicket: ticket } = await gql(
      plan.createdBy === 'staff' ? agentCaller(firstAgentOf(plan.queueId)) : DISPATCHER,
      `mutation($input: CreateTicketInput!) { createTicket(input: $input) { id queueId type category priority } }`,
      { input: plan.createdBy === 'staff' ? input : { ...input, queueId: undefined } },
      created,
    );
    if (ticket.type !== plan.type || ticket.priority !== plan.priority || ticket.category !== plan.category) {
      await gql(
        DISPATCHER,
        `mutation($input: ReclassifyTicketInput!) { reclassifyTicket(input: $input) { id } }`,
        {
          input: {
            ticketId: ticket.id,
            type: plan.type,
            category: plan.category,
            priority: plan.priority,
            reason: '人工复核分类 / checked by the dispatcher',
          },
        },
        at(1),
      );
    }
    if (ticket.queueId !== plan.queueId) {
      await gql(
        DISPATCHER,
        `mutation($input: TransferTicketInput!) { transferTicket(input: $input) { id } }`,
        {
          input: {
            ticketId: ticket.id,
            queueId: plan.queueId,
            reason: '转派至负责队列 / routed to the owning queue',
          },
        },
        at(1),
      );
    }
    let agent = agentCaller(firstAgentOf(plan.queueId));
    for (const step of plan.steps) {
      try {
        await playStep(step, at(step.minutes));
      } catch (error) {
        // History is replayed in minutes but auto-close runs on the wall clock: a ticket resolved
        // more than AUTO_CLOSE_AFTER_SECONDS of history ago may close between two steps. That is
        // the desk's answer to a customer who replies too late, so the rest of its story is dropped.
        if (!(error instanceof GraphQLFailure) || !(await wasAutoClosed(ticket.id))) throw error;
        autoClosedWhilePlaying++;
        return;
      }
    }

    async function playStep(step: Step, when: Date): Promise<void> {
      switch (step.kind) {
        case 'assign':
          agent = agentCaller(step.agentId);
          await gql(
            DISPATCHER,
            `mutation($input: AssignTicketInput!) { assignTicket(input: $input) { id } }`,
            { input: { ticketId: ticket.id, agentId: step.agentId } },
            when,
          );
          return;
        case 'reply':
          await gql(
            step.author === 'agent' ? agent : customer,
            `mutation($input: ReplyInput!) { replyToTicket(input: $input) { message { id } } }`,
            {
              input: {
                ticketId: ticket.id,
                body: step.body,
                visibility: step.internal ? 'INTERNAL' : 'PUBLIC',
              },
            },
            when,
          );
          return;
        case 'status':
          await gql(
            agent,
            `mutation($input: ChangeTicketStatusInput!) { changeTicketStatus(input: $input) { id } }`,
            { input: { ticketId: ticket.id, status: step.to, reason: step.reason } },
            when,
          );
          return;
        case 'escalate':
          await gql(
            agent,
            `mutation($input: EscalateTicketInput!) { escalateTicket(input: $input) { id } }`,
            {
              input:
                step.direction === 'VERTICAL'
                  ? { ticketId: ticket.id, direction: 'VERTICAL', tier: step.tier, reason: step.reason }
                  : {
                      ticketId: ticket.id,
                      direction: 'HORIZONTAL',
                      helperQueueIds: step.helperQueueIds,
                      reason: step.reason,
                    },
            },
            when,
          );
          return;
        case 'compensate': {
          const { proposeCompensation } = await gql(
            agent,
            `mutation($input: ProposeCompensationInput!) { proposeCompensation(input: $input) { id } }`,
            {
              input: {
                ticketId: ticket.id,
                kind: step.compensation,
                amount: step.amount,
                currency: step.amount ? 'CNY' : null,
                reason: '按补偿标准 / per the compensation standard',
              },
            },
            when,
          );
          const supervisor = supervisorOf(plan.queueId);
          await gql(
            supervisor,
            `mutation($input: DecideCompensationInput!) { decideCompensation(input: $input) { id } }`,
            {
              input: {
                proposalId: proposeCompensation.id,
                approve: step.approve,
                note: step.approve ? '同意 / approved' : '超出标准 / above the standard',
              },
            },
            new Date(when.getTime() + 30 * 60_000),
          );
          if (step.approve) {
            await gql(
              agent,
              `mutation($id: ID!) { carryOutCompensation(proposalId: $id, note: "已发放 / done") { id } }`,
              { id: proposeCompensation.id },
              new Date(when.getTime() + 60 * 60_000),
            );
          }
          return;
        }
        case 'confirm':
          await gql(
            customer,
            `mutation($input: ConfirmResolutionInput!) { confirmResolution(input: $input) { id } }`,
            { input: { ticketId: ticket.id, satisfaction: step.satisfaction, comment: step.comment } },
            when,
          );
          return;
        case 'useArticle': {
          const { ticket: suggested } = await gql(
            agent,
            `query($id: ID!) { ticket(id: $id) { suggestedArticles(first: 1) { article { id } } } }`,
            { id: ticket.id },
          );
          const articleId = suggested?.suggestedArticles[0]?.article.id;
          if (!articleId) return;
          await gql(
            agent,
            `mutation($a: ID!, $t: ID!) { useArticleOnTicket(articleId: $a, ticketId: $t) { id } }`,
            { a: articleId, t: ticket.id },
          );
          await gql(agent, `mutation($input: VoteArticleInput!) { voteArticle(input: $input) { id } }`, {
            input: { articleId, helpful: true },
          });
          return;
        }
        case 'completeVisit': {
          const { ticket: current } = await gql(
            agent,
            `query($id: ID!) { ticket(id: $id) { visits { id kind completedAt } } }`,
            { id: ticket.id },
          );
          const visit = current?.visits.find(
            (candidate: { kind: string; completedAt: string | null }) =>
              candidate.kind === 'FOLLOW_UP' && !candidate.completedAt,
          );
          if (!visit) return;
          await gql(
            agent,
            `mutation($input: CompleteVisitInput!) { completeVisit(input: $input) { id } }`,
            {
              input: {
                visitId: visit.id,
                reached: true,
                satisfied: step.satisfied,
                note: step.satisfied ? '客户认可处理结果' : '客户仍有意见，已记录',
              },
            },
            when,
          );
          return;
        }
        case 'duplicate': {
          const { createTicket: duplicate } = await gql(
            DISPATCHER,
            `mutation($input: CreateTicketInput!) { createTicket(input: $input) { id } }`,
            {
              input: {
                ...input,
                queueId: plan.queueId,
                type: plan.type,
                category: plan.category,
                priority: plan.priority,
                tags: ['demo', `${plan.key}-dup`],
                channel: 'EMAIL',
              },
            },
            when,
          );
          await gql(
            DISPATCHER,
            `mutation($d: ID!, $p: ID!) { mergeTickets(duplicateId: $d, primaryId: $p) { id } }`,
            { d: duplicate.id, p: ticket.id },
            new Date(when.getTime() + 60_000),
          );
          return;
        }
      }
    }
  }

  /** Shift handovers (交接班): each early-shift agent hands their open tickets to the late shift. */
  async function seedHandovers(): Promise<void> {
    // At the latest shift change: after every step of the history, so the tickets handed over are as they are now.
    const handoverAt = new Date(Date.now() - 5 * 60_000);
    for (const queue of desk.QUEUES) {
      const from = desk.AGENTS.find(
        (agent) => agent.queueIds[0] === queue.id && agent.shift === 'early' && agent.available,
      );
      const to = desk.AGENTS.find(
        (agent) => agent.queueIds.includes(queue.id) && agent.shift === 'late' && agent.available,
      );
      if (!from || !to) continue;
      const { handovers } = await gql(
        ADMIN,
        `query($q: [ID!], $a: ID) { handovers(queueIds: $q, agentId: $a, first: 1) { edges { node { id } } } }`,
        { q: [queue.id], a: from.id },
      );
      if (handovers.edges.length > 0) continue;
      const { myOpenTickets } = await gql(
        agentCaller(from.id),
        `{ myOpenTickets(first: 20) { edges { node { id queueId } } } }`,
      );
      const open = myOpenTickets.edges.filter(
        (edge: { node: { queueId: string } }) => edge.node.queueId === queue.id,
      );
      if (open.length === 0) continue;
      const { createHandover } = await gql(
        agentCaller(from.id),
        `mutation($input: CreateHandoverInput!) { createHandover(input: $input) { id } }`,
        {
          input: {
            queueId: queue.id,
            toAgentId: to.id,
            note: '早班交接：以下工单请继续跟进。',
            nextSteps: open.slice(0, 3).map((edge: { node: { id: string } }) => ({
              ticketId: edge.node.id,
              nextStep: '跟进客户回复 / follow up on the reply',
            })),
          },
        },
        handoverAt,
      );
      await gql(
        agentCaller(to.id),
        `mutation($id: ID!) { acknowledgeHandover(id: $id) { id } }`,
        { id: createHandover.id },
        new Date(handoverAt.getTime() + 3 * 60_000),
      );
      report.handovers++;
    }
  }
}

interface TagPage {
  edges: { node: { tags: string[] } }[];
  pageInfo: { endCursor: string | null; hasNextPage: boolean };
}

function firstAgentOf(queueId: string): string {
  return desk.AGENTS.find((agent) => agent.queueIds.includes(queueId) && agent.available)!.id;
}

function sameList(current: object[], wanted: object[]): boolean {
  const normalize = (rules: object[]) => rules.map((rule) => JSON.stringify(rule, Object.keys(rule).sort()));
  return JSON.stringify(normalize(current)) === JSON.stringify(normalize(wanted));
}
