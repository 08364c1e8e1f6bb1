import { getIntrospectionQuery, type IntrospectionQuery } from 'graphql';
import {
  eventually,
  graphqlOk,
  graphqlRequest,
  startTestStack,
  testToken,
  type TestStack,
} from '@deskgraph/infra';
import type { Role } from '@deskgraph/platform';

// Every role on every mutation of the supergraph, through the gateway: the
// subgraphs enforce authorization on the identity the gateway signs.

type Caller = 'anonymous' | Role;
const CALLERS: Caller[] = ['anonymous', 'customer', 'editor', 'analyst', 'agent', 'supervisor', 'admin'];
const CUSTOMER_ID = 'C-AUTH';

interface Fixture {
  admin: string;
  ticket(): Promise<string>;
  proposal(): Promise<string>;
  /** An open follow-up visit on a fresh ticket. */
  visit(): Promise<string>;
  /** A fresh handover to the general queue, by the fixture admin. */
  handover(): Promise<string>;
  /** A fresh public article, moved on to the given status. */
  article(status: 'DRAFT' | 'IN_REVIEW' | 'PUBLISHED'): Promise<string>;
  versionOf(articleId: string): Promise<string>;
  /** Makes sure billing has a REFUND standard to remove. */
  refundStandard(): Promise<void>;
  /** Makes sure queue general has its own satisfaction target to remove. */
  queueSatisfactionTarget(): Promise<void>;
  /** A fresh webhook endpoint (channels). */
  webhookEndpoint(): Promise<string>;
  /** A webhook delivery of a fresh ticket's created event. */
  webhookDelivery(): Promise<string>;
}

interface MutationCase {
  document: string;
  allowed: Caller[];
  /** Fresh variables per call, so one caller's success does not change the next caller's answer. */
  variables(fixture: Fixture, caller: Caller): Promise<Record<string, unknown>>;
  /**
   * Refusal a caller gets when it is not the usual one (UNAUTHENTICATED for
   * anonymous, FORBIDDEN or NOT_FOUND for a ticket the caller cannot see).
   */
  refusal?: Partial<Record<Caller, string>>;
}

const AUTHORS: Caller[] = ['editor', 'agent', 'supervisor', 'admin'];
const EDITORS: Caller[] = ['editor', 'admin'];
const SIGNED_IN: Caller[] = ['customer', 'editor', 'analyst', 'agent', 'supervisor', 'admin'];
const ticketInput = (fixture: Fixture) => fixture.ticket().then((ticketId) => ({ ticketId }));
const WORKERS: Caller[] = ['agent', 'supervisor', 'admin'];

const MUTATIONS: Record<string, MutationCase> = {
  createTicket: {
    document: `mutation($input: CreateTicketInput!) { createTicket(input: $input) { id } }`,
    allowed: ['customer', ...WORKERS],
    variables: async () => ({
      input: {
        title: 'Cannot log in',
        description: 'The login page hangs.',
        channel: 'APP',
        type: 'COMPLAINT',
        queueId: 'general',
        customer: { id: CUSTOMER_ID, name: 'Auth Customer' },
      },
    }),
  },
  reclassifyTicket: {
    document: `mutation($input: ReclassifyTicketInput!) { reclassifyTicket(input: $input) { id } }`,
    allowed: WORKERS,
    variables: async (fixture) => ({
      input: { ...(await ticketInput(fixture)), priority: 'P1', reason: 'VIP' },
    }),
  },
  assignTicket: {
    document: `mutation($input: AssignTicketInput!) { assignTicket(input: $input) { id } }`,
    allowed: WORKERS,
    variables: async (fixture) => ({ input: await ticketInput(fixture) }),
  },
  transferTicket: {
    document: `mutation($input: TransferTicketInput!) { transferTicket(input: $input) { id } }`,
    allowed: WORKERS,
    variables: async (fixture) => ({
      input: { ...(await ticketInput(fixture)), queueId: 'second', reason: 'Billing question' },
    }),
  },
  changeTicketStatus: {
    document: `mutation($input: ChangeTicketStatusInput!) { changeTicketStatus(input: $input) { id } }`,
    allowed: WORKERS,
    variables: async (fixture) => ({ input: { ...(await ticketInput(fixture)), status: 'IN_PROGRESS' } }),
  },
  replyToTicket: {
    document: `mutation($input: ReplyInput!) { replyToTicket(input: $input) { ticket { id } } }`,
    allowed: ['customer', ...WORKERS],
    variables: async (fixture) => ({ input: { ...(await ticketInput(fixture)), body: 'Any news?' } }),
  },
  escalateTicket: {
    document: `mutation($input: EscalateTicketInput!) { escalateTicket(input: $input) { id } }`,
    allowed: WORKERS,
    variables: async (fixture) => ({
      input: { ...(await ticketInput(fixture)), direction: 'VERTICAL', tier: 'SUPERVISOR', reason: 'Angry' },
    }),
  },
  proposeCompensation: {
    document: `mutation($input: ProposeCompensationInput!) { proposeCompensation(input: $input) { id } }`,
    allowed: WORKERS,
    variables: async (fixture) => ({
      input: {
        ...(await ticketInput(fixture)),
        kind: 'COUPON',
        amount: 10,
        currency: 'CNY',
        reason: 'Delay',
      },
    }),
  },
  decideCompensation: {
    document: `mutation($input: DecideCompensationInput!) { decideCompensation(input: $input) { id } }`,
    allowed: ['supervisor', 'admin'],
    variables: async (fixture) => ({ input: { proposalId: await fixture.proposal(), approve: true } }),
  },
  carryOutCompensation: {
    document: `mutation($id: ID!) { carryOutCompensation(proposalId: $id) { id } }`,
    allowed: WORKERS,
    variables: async (fixture) => ({ id: await fixture.proposal() }),
  },
  confirmResolution: {
    document: `mutation($input: ConfirmResolutionInput!) { confirmResolution(input: $input) { id } }`,
    allowed: ['customer', ...WORKERS],
    variables: async (fixture) => ({ input: { ...(await ticketInput(fixture)), satisfaction: 'SATISFIED' } }),
  },
  mergeTickets: {
    document: `mutation($a: ID!, $b: ID!) { mergeTickets(duplicateId: $a, primaryId: $b) { id } }`,
    allowed: WORKERS,
    variables: async (fixture) => ({ a: await fixture.ticket(), b: await fixture.ticket() }),
  },
  linkTickets: {
    document: `mutation($a: ID!, $b: ID!) { linkTickets(ticketId: $a, relatedTicketId: $b) { id } }`,
    allowed: WORKERS,
    variables: async (fixture) => ({ a: await fixture.ticket(), b: await fixture.ticket() }),
  },
  setServiceLanguageRules: {
    document: `mutation($rules: [ServiceLanguageRuleInput!]!) { setServiceLanguageRules(rules: $rules) { phrase } }`,
    allowed: ['admin'],
    variables: async () => ({
      rules: [{ kind: 'FORBIDDEN', language: 'EN', phrase: 'calm down', suggestion: 'I understand' }],
    }),
  },
  scheduleVisit: {
    document: `mutation($input: ScheduleVisitInput!) { scheduleVisit(input: $input) { id } }`,
    allowed: WORKERS,
    variables: async (fixture) => ({
      input: { ...(await ticketInput(fixture)), kind: 'FOLLOW_UP', dueAt: '2030-01-01T00:00:00.000Z' },
    }),
  },
  completeVisit: {
    document: `mutation($input: CompleteVisitInput!) { completeVisit(input: $input) { id } }`,
    allowed: WORKERS,
    variables: async (fixture) => ({ input: { visitId: await fixture.visit(), reached: true } }),
  },
  createHandover: {
    document: `mutation($input: CreateHandoverInput!) { createHandover(input: $input) { id } }`,
    allowed: WORKERS,
    variables: async () => ({ input: { queueId: 'general', toQueue: true, note: 'End of shift' } }),
  },
  acknowledgeHandover: {
    document: `mutation($id: ID!) { acknowledgeHandover(id: $id) { id } }`,
    // A queue handover: any agent of the queue (other than its sender) acknowledges it.
    allowed: WORKERS,
    variables: async (fixture) => ({ id: await fixture.handover() }),
  },
  upsertQueue: {
    document: `mutation($input: QueueInput!) { upsertQueue(input: $input) { id } }`,
    allowed: ['admin'],
    variables: async () => ({ input: { id: 'third', name: 'Third' } }),
  },
  upsertAgent: {
    document: `mutation($input: AgentInput!) { upsertAgent(input: $input) { id } }`,
    allowed: ['admin'],
    variables: async () => ({ input: { id: 'agent-2', displayName: 'Second Agent', queueIds: ['general'] } }),
  },
  setAgentAvailability: {
    document: `mutation($id: ID!) { setAgentAvailability(agentId: $id, available: false) { id } }`,
    // An agent for themselves (agent-1 is the agent caller's own id), a supervisor of one of the
    // agent's queues (supervisor-1 and agent-1 share general), an admin for anyone.
    allowed: ['agent', 'supervisor', 'admin'],
    variables: async () => ({ id: 'agent-1' }),
  },
  setRoutingRules: {
    document: `mutation($rules: [RoutingRuleInput!]!) { setRoutingRules(rules: $rules) { id } }`,
    allowed: ['admin'],
    variables: async () => ({ rules: [{ id: 'billing', category: 'billing', queueId: 'second' }] }),
  },
  setClassificationRules: {
    document: `mutation($rules: [ClassificationRuleInput!]!) { setClassificationRules(rules: $rules) { id } }`,
    allowed: ['admin'],
    variables: async () => ({ rules: [{ id: 'refund', keywords: ['refund'], category: 'billing' }] }),
  },
  setKpiTarget: {
    document: `mutation($input: KpiTargetInput!) { setKpiTarget(input: $input) { kpi } }`,
    allowed: ['admin'],
    variables: async () => ({ input: { kpi: 'satisfactionRate', queueId: 'general', target: 0.92 } }),
  },
  removeKpiTarget: {
    document: `mutation { removeKpiTarget(kpi: "satisfactionRate", queueId: "general") { kpi } }`,
    allowed: ['admin'],
    variables: async (fixture) => {
      await fixture.queueSatisfactionTarget();
      return {};
    },
  },
  setSlaPolicy: {
    document: `mutation($input: SlaPolicyInput!) { setSlaPolicy(input: $input) { version } }`,
    allowed: ['admin'],
    variables: async () => ({
      input: {
        calendarId: 'default',
        rules: [
          { target: 'FIRST_RESPONSE', minutes: 60, businessTime: false },
          { target: 'RESOLUTION', minutes: 1440, businessTime: false },
        ],
      },
    }),
  },
  setBusinessCalendar: {
    document: `mutation($input: BusinessCalendarInput!) { setBusinessCalendar(input: $input) { version } }`,
    allowed: ['admin'],
    variables: async () => ({
      input: {
        id: 'auth-test',
        timeZone: 'Asia/Shanghai',
        weekly: [{ weekday: 1, shifts: [{ start: '09:00', end: '18:00' }] }],
      },
    }),
  },
  createArticleDraft: {
    document: `mutation($input: CreateArticleDraftInput!) { createArticleDraft(input: $input) { id } }`,
    allowed: AUTHORS,
    variables: async () => ({ input: { title: 'Resetting a password', body: 'Open settings, then…' } }),
  },
  updateArticle: {
    document: `mutation($input: UpdateArticleInput!) { updateArticle(input: $input) { id } }`,
    allowed: AUTHORS,
    variables: async (fixture) => ({
      input: { articleId: await fixture.article('DRAFT'), body: 'Clearer steps.', reason: 'Clarify' },
    }),
  },
  restoreArticleVersion: {
    document: `mutation($input: RestoreArticleVersionInput!) { restoreArticleVersion(input: $input) { id } }`,
    allowed: AUTHORS,
    variables: async (fixture) => {
      const articleId = await fixture.article('DRAFT');
      return { input: { articleId, versionId: await fixture.versionOf(articleId), reason: 'Undo' } };
    },
  },
  submitArticleForReview: {
    document: `mutation($id: ID!) { submitArticleForReview(articleId: $id) { id } }`,
    allowed: AUTHORS,
    variables: async (fixture) => ({ id: await fixture.article('DRAFT') }),
  },
  publishArticle: {
    document: `mutation($id: ID!) { publishArticle(articleId: $id) { id } }`,
    allowed: EDITORS,
    variables: async (fixture) => ({ id: await fixture.article('IN_REVIEW') }),
  },
  archiveArticle: {
    document: `mutation($id: ID!) { archiveArticle(articleId: $id) { id } }`,
    allowed: EDITORS,
    variables: async (fixture) => ({ id: await fixture.article('PUBLISHED') }),
  },
  useArticleOnTicket: {
    document: `mutation($id: ID!, $ticketId: ID!) { useArticleOnTicket(articleId: $id, ticketId: $ticketId) { id } }`,
    allowed: AUTHORS,
    variables: async (fixture) => ({
      id: await fixture.article('PUBLISHED'),
      ticketId: await fixture.ticket(),
    }),
  },
  voteArticle: {
    document: `mutation($input: VoteArticleInput!) { voteArticle(input: $input) { id } }`,
    allowed: SIGNED_IN,
    variables: async (fixture) => ({
      input: { articleId: await fixture.article('PUBLISHED'), helpful: true },
    }),
  },
  recordArticleView: {
    document: `mutation($id: ID!) { recordArticleView(articleId: $id) { id } }`,
    // Anyone who can see a published public article, signed in or not.
    allowed: CALLERS,
    variables: async (fixture) => ({ id: await fixture.article('PUBLISHED') }),
  },
  upsertCategory: {
    document: `mutation($input: UpsertCategoryInput!) { upsertCategory(input: $input) { id } }`,
    allowed: ['admin'],
    variables: async () => ({ input: { id: 'accounts', name: 'Accounts' } }),
  },
  upsertCompensationStandard: {
    document: `mutation($input: CompensationStandardInput!) { upsertCompensationStandard(input: $input) { kind } }`,
    allowed: ['admin'],
    variables: async () => ({
      input: { categoryId: 'billing', kind: 'COUPON', maxAmount: 50, currency: 'CNY' },
    }),
  },
  removeCompensationStandard: {
    document: `mutation { removeCompensationStandard(category: "billing", kind: REFUND) }`,
    allowed: ['admin'],
    variables: async (fixture) => {
      await fixture.refundStandard();
      return {};
    },
  },
  upsertReplyTemplate: {
    document: `mutation($input: UpsertReplyTemplateInput!) { upsertReplyTemplate(input: $input) { id } }`,
    allowed: EDITORS,
    variables: async () => ({ input: { name: 'Greeting', locale: 'en', body: 'Hello {{customerName}},' } }),
  },
  createWebhookEndpoint: {
    document: `mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { endpoint { id } } }`,
    allowed: ['admin'],
    variables: async () => ({ input: { name: 'CRM', url: 'https://hooks.example.com/deskgraph' } }),
  },
  updateWebhookEndpoint: {
    document: `mutation($input: UpdateWebhookEndpointInput!) { updateWebhookEndpoint(input: $input) { id } }`,
    allowed: ['admin'],
    variables: async (fixture) => ({ input: { id: await fixture.webhookEndpoint(), enabled: false } }),
  },
  deleteWebhookEndpoint: {
    document: `mutation($id: ID!) { deleteWebhookEndpoint(id: $id) }`,
    allowed: ['admin'],
    variables: async (fixture) => ({ id: await fixture.webhookEndpoint() }),
  },
  replayWebhookDelivery: {
    document: `mutation($id: ID!) { replayWebhookDelivery(id: $id) { id } }`,
    allowed: ['admin'],
    variables: async (fixture) => ({ id: await fixture.webhookDelivery() }),
  },
};

describe('authorization of every mutation for every role, through the gateway', () => {
  let stack: TestStack;
  let tokens: Record<Caller, string | undefined>;
  let fixture: Fixture;
  let mutationNames: string[];

  beforeAll(async () => {
    stack = await startTestStack();
    const identity = (role: Role) => ({
      userId: `${role}-1`,
      roles: [role],
      queueIds: role === 'customer' || role === 'editor' ? [] : ['general'],
      ...(role === 'customer' ? { customerId: CUSTOMER_ID } : {}),
    });
    tokens = { anonymous: undefined } as Record<Caller, string | undefined>;
    for (const caller of CALLERS.filter((caller): caller is Role => caller !== 'anonymous')) {
      tokens[caller] = await testToken(identity(caller));
    }
    const admin = await testToken({ userId: 'fixture-admin', roles: ['admin'] });
    await graphqlOk(
      stack.gatewayUrl,
      `mutation { upsertQueue(input: { id: "second", name: "Second" }) { id } }`,
      {},
      admin,
    );
    await graphqlOk(
      stack.gatewayUrl,
      `mutation { upsertAgent(input: { id: "agent-1", displayName: "Agent One", queueIds: ["general"] }) { id } }`,
      {},
      admin,
    );
    await graphqlOk(
      stack.gatewayUrl,
      `mutation { upsertCategory(input: { id: "billing", name: "Billing" }) { id } }`,
      {},
      admin,
    );
    let deliveryEndpoint: string | undefined;
    const adminOk = async (document: string, variables: Record<string, unknown>) =>
      graphqlOk(stack.gatewayUrl, document, variables, admin);
    fixture = {
      admin,
      async article(status) {
        const created = await adminOk(
          `mutation($input: CreateArticleDraftInput!) { createArticleDraft(input: $input) { id } }`,
          {
            input: {
              title: 'Resetting a password',
              body: 'Open settings, then security.',
              audience: 'PUBLIC',
            },
          },
        );
        const id = created.createArticleDraft.id as string;
        if (status === 'DRAFT') return id;
        await adminOk(`mutation($id: ID!) { submitArticleForReview(articleId: $id) { id } }`, { id });
        if (status === 'IN_REVIEW') return id;
        await adminOk(`mutation($id: ID!) { publishArticle(articleId: $id) { id } }`, { id });
        return id;
      },
      async refundStandard() {
        await adminOk(
          `mutation { upsertCompensationStandard(input: { categoryId: "billing", kind: REFUND, maxAmount: 100, currency: "CNY" }) { kind } }`,
          {},
        );
      },
      async queueSatisfactionTarget() {
        await adminOk(
          `mutation { setKpiTarget(input: { kpi: "satisfactionRate", queueId: "general", target: 0.9 }) { kpi } }`,
          {},
        );
      },
      async webhookEndpoint() {
        const data = await adminOk(MUTATIONS.createWebhookEndpoint.document, {
          input: {
            name: 'Fixture',
            url: 'https://hooks.example.com/fixture',
            eventTypes: ['deskgraph.ticket.created.v1'],
          },
        });
        return data.createWebhookEndpoint.endpoint.id as string;
      },
      async webhookDelivery() {
        deliveryEndpoint ??= await fixture.webhookEndpoint();
        const endpointId = deliveryEndpoint;
        await fixture.ticket();
        return eventually(
          async () => {
            const data = await adminOk(
              `query($id: ID!) { webhookDeliveries(endpointId: $id, first: 1) { id } }`,
              {
                id: endpointId,
              },
            );
            return data.webhookDeliveries[0]?.id as string | undefined;
          },
          { what: 'a webhook delivery', timeoutMs: 60_000 },
        );
      },
      async versionOf(articleId) {
        const data = await adminOk(`query($id: ID!) { article(id: $id) { versions { id } } }`, {
          id: articleId,
        });
        return data.article.versions[0].id as string;
      },
      async ticket() {
        const data = await graphqlOk(
          stack.gatewayUrl,
          MUTATIONS.createTicket.document,
          await MUTATIONS.createTicket.variables(fixture, 'admin'),
          admin,
        );
        return data.createTicket.id as string;
      },
      async proposal() {
        const data = await graphqlOk(
          stack.gatewayUrl,
          MUTATIONS.proposeCompensation.document,
          await MUTATIONS.proposeCompensation.variables(fixture, 'admin'),
          admin,
        );
        return data.proposeCompensation.id as string;
      },
      async visit() {
        const data = await graphqlOk(
          stack.gatewayUrl,
          MUTATIONS.scheduleVisit.document,
          await MUTATIONS.scheduleVisit.variables(fixture, 'admin'),
          admin,
        );
        return data.scheduleVisit.id as string;
      },
      async handover() {
        const data = await graphqlOk(
          stack.gatewayUrl,
          MUTATIONS.createHandover.document,
          await MUTATIONS.createHandover.variables(fixture, 'admin'),
          admin,
        );
        return data.createHandover.id as string;
      },
    };
    const introspection = await graphqlOk<IntrospectionQuery>(
      stack.gatewayUrl,
      getIntrospectionQuery(),
      {},
      admin,
    );
    const mutationType = introspection.__schema.types.find((type) => type.name === 'Mutation');
    mutationNames =
      mutationType && 'fields' in mutationType ? mutationType.fields.map((field) => field.name) : [];
  }, 180_000);

  afterAll(async () => {
    await stack?.stop();
  }, 60_000);

  it('should have an authorization case for every mutation when the supergraph gains one', () => {
    expect(mutationNames.length).toBeGreaterThan(0);
    expect(mutationNames.filter((name) => !MUTATIONS[name])).toEqual([]);
  });

  it.each(Object.keys(MUTATIONS))('should let only the allowed roles run %s', async (name) => {
    const testCase = MUTATIONS[name];
    // Refused callers first, so an allowed caller's change never turns a refusal into a conflict.
    const ordered = [...CALLERS].sort(
      (a, b) => Number(testCase.allowed.includes(a)) - Number(testCase.allowed.includes(b)),
    );
    const outcomes: Record<string, string> = {};
    const expected: Record<string, string> = {};
    for (const caller of ordered) {
      const response = await graphqlRequest(
        stack.gatewayUrl,
        testCase.document,
        await testCase.variables(fixture, caller),
        tokens[caller],
      );
      const code = response.errors?.[0]?.extensions?.code;
      if (testCase.allowed.includes(caller)) {
        expected[caller] = 'allowed';
        // Allowed: it ran, or a business rule (not authorization) turned it down.
        outcomes[caller] =
          code === undefined || code === 'BAD_USER_INPUT' || code === 'CONFLICT'
            ? 'allowed'
            : `${code}: ${response.errors![0].message}`;
      } else {
        const refusal =
          testCase.refusal?.[caller] ?? (caller === 'anonymous' ? 'UNAUTHENTICATED' : 'FORBIDDEN');
        expected[caller] = refusal;
        // A ticket the caller cannot even see is NOT_FOUND: it does not learn that it exists.
        outcomes[caller] =
          code === 'NOT_FOUND' && refusal === 'FORBIDDEN' && caller !== 'anonymous'
            ? 'FORBIDDEN'
            : (code ?? 'allowed');
      }
    }
    expect(outcomes).toEqual(expected);
  });

  it('should refuse setAgentAvailability to anyone but staff of the agent when a user id equals the agent id', async () => {
    const setAgentOne = async (identity: { userId: string; roles: Role[]; queueIds?: string[] }) => {
      const response = await graphqlRequest(
        stack.gatewayUrl,
        `mutation { setAgentAvailability(agentId: "agent-1", available: true) { id } }`,
        {},
        await testToken({
          ...identity,
          ...(identity.roles.includes('customer') ? { customerId: 'C-X' } : {}),
        }),
      );
      return response.errors?.[0]?.extensions?.code ?? 'allowed';
    };
    expect({
      customerNamedAgentOne: await setAgentOne({ userId: 'agent-1', roles: ['customer'] }),
      analystNamedAgentOne: await setAgentOne({
        userId: 'agent-1',
        roles: ['analyst'],
        queueIds: ['general'],
      }),
      editorNamedAgentOne: await setAgentOne({ userId: 'agent-1', roles: ['editor'] }),
      supervisorOfAnotherQueue: await setAgentOne({
        userId: 'sup-2',
        roles: ['supervisor'],
        queueIds: ['second'],
      }),
      agentOfTheSameQueue: await setAgentOne({ userId: 'agent-2', roles: ['agent'], queueIds: ['general'] }),
    }).toEqual({
      customerNamedAgentOne: 'FORBIDDEN',
      analystNamedAgentOne: 'FORBIDDEN',
      editorNamedAgentOne: 'FORBIDDEN',
      supervisorOfAnotherQueue: 'FORBIDDEN',
      agentOfTheSameQueue: 'FORBIDDEN',
    });
  });

  it('should show the internal ticket fields to staff only when every role reads a ticket', async () => {
    const created = await graphqlOk(
      stack.gatewayUrl,
      `mutation($input: CreateTicketInput!) { createTicket(input: $input) { id } }`,
      {
        input: {
          ...((await MUTATIONS.createTicket.variables(fixture, 'admin')).input as Record<string, unknown>),
          customerMood: 'ANGRY',
          tags: ['vip'],
        },
      },
      fixture.admin,
    );
    const id = created.createTicket.id as string;
    await graphqlOk(
      stack.gatewayUrl,
      MUTATIONS.escalateTicket.document,
      { input: { ticketId: id, direction: 'VERTICAL', tier: 'SUPERVISOR', reason: 'Angry' } },
      fixture.admin,
    );
    const views: Record<string, unknown> = {};
    for (const caller of CALLERS) {
      const response = await graphqlRequest(
        stack.gatewayUrl,
        `query($id: ID!) { ticket(id: $id) { customerMood tags suggestion { type } escalationTier } }`,
        { id },
        tokens[caller],
      );
      views[caller] = response.errors?.[0]?.extensions?.code ?? response.data?.ticket;
    }
    const internal = {
      customerMood: 'ANGRY',
      tags: ['vip'],
      suggestion: expect.any(Object),
      escalationTier: 'SUPERVISOR',
    };
    expect(views).toEqual({
      anonymous: 'UNAUTHENTICATED',
      customer: { customerMood: null, tags: [], suggestion: null, escalationTier: null },
      // Editors work on articles and see no queue's tickets.
      editor: null,
      analyst: internal,
      agent: internal,
      supervisor: internal,
      admin: internal,
    });
  });
});
