import { namespaced, TOPICS } from '@deskgraph/events';
import { Kafka, logLevel } from 'kafkajs';
import {
  eventually,
  graphqlErrorCode,
  graphqlOk,
  startTestStack,
  testToken,
  type TestStack,
} from '@deskgraph/infra';

// The knowledge subgraph through the gateway, on real PostgreSQL and Kafka:
// bilingual search, suggestions for tickets arriving as events, the capture
// of expert answers, versions, roles and bad input.

const ARTICLE_FIELDS = `id title summary body bodyHtml status audience locale version tags category { id }
  authorId reviewerId sourceTicketId viewCount helpfulCount notHelpfulCount usedOnTicketCount`;

interface ArticleInput {
  title: string;
  body: string;
  locale?: string;
  audience?: 'INTERNAL' | 'PUBLIC';
  categoryId?: string;
  tags?: string[];
  summary?: string;
}

describe('knowledge: articles, search, suggestions and capture through the gateway', () => {
  let stack: TestStack;
  let admin: string;
  let editor: string;
  let agent: string;
  let customer: string;
  let analyst: string;
  const gql = (query: string, variables: Record<string, unknown>, token?: string) =>
    graphqlOk(stack.gatewayUrl, query, variables, token);
  const refusal = (query: string, variables: Record<string, unknown>, token?: string) =>
    graphqlErrorCode(stack.gatewayUrl, query, variables, token);

  const createDraft = async (input: ArticleInput, token = agent) =>
    (
      await gql(
        `mutation($input: CreateArticleDraftInput!) { createArticleDraft(input: $input) { ${ARTICLE_FIELDS} } }`,
        { input },
        token,
      )
    ).createArticleDraft;

  const publish = async (articleId: string) => {
    await gql(
      `mutation($id: ID!) { submitArticleForReview(articleId: $id) { status } }`,
      { id: articleId },
      agent,
    );
    return (
      await gql(
        `mutation($id: ID!) { publishArticle(articleId: $id) { status reviewerId publishedAt } }`,
        { id: articleId },
        editor,
      )
    ).publishArticle;
  };

  const search = async (query: string, token?: string, extra: Record<string, unknown> = {}) =>
    (
      await gql(
        `query($q: String!, $filter: ArticleSearchFilter, $first: Int, $after: String) {
          searchArticles(query: $q, filter: $filter, first: $first, after: $after) {
            totalCount pageInfo { hasNextPage endCursor }
            edges { cursor score snippet node { id title audience status } } } }`,
        { q: query, ...extra },
        token,
      )
    ).searchArticles;

  let refundZh: { id: string };
  let refundEn: { id: string };
  let refundInternal: { id: string };
  let refundDraft: { id: string };

  beforeAll(async () => {
    stack = await startTestStack();
    admin = await testToken({ roles: ['admin'], userId: 'admin-1' });
    editor = await testToken({ roles: ['editor'], userId: 'editor-1' });
    agent = await testToken({ roles: ['agent'], userId: 'agent-1', queueIds: ['general'] });
    customer = await testToken({ roles: ['customer'], userId: 'u-7', customerId: 'C-7' });
    analyst = await testToken({ roles: ['analyst'], userId: 'analyst-1', queueIds: ['general'] });

    refundZh = await createDraft({
      title: '如何申请退款',
      summary: '在订单详情页申请退款，三个工作日内原路退回。',
      body: '## 步骤\n\n在订单详情页点击“申请退款”，填写原因后提交。退款将在三个工作日内原路退回。',
      locale: 'zh-CN',
      audience: 'PUBLIC',
      categoryId: 'transaction',
      tags: ['refund', 'consultation'],
    });
    refundEn = await createDraft({
      title: 'How refunds are processed',
      body: 'Refunds are processed within three business days after the request is approved.',
      locale: 'en',
      audience: 'PUBLIC',
      categoryId: 'transaction',
    });
    refundInternal = await createDraft({
      title: '内部：退款审批权限',
      body: '超过五百元的退款需要主管审批。',
      audience: 'INTERNAL',
      categoryId: 'transaction',
    });
    refundDraft = await createDraft({ title: '退款草稿', body: '尚未审核的退款说明。', audience: 'PUBLIC' });
    for (const article of [refundZh, refundEn, refundInternal]) await publish(article.id);
  }, 180_000);

  afterAll(async () => {
    await stack?.stop();
  }, 60_000);

  it('should find Chinese articles by two- and three-character queries and English ones by stem when searching', async () => {
    const twoCharacters = await search('退款', customer);
    const ids = twoCharacters.edges.map((edge: { node: { id: string } }) => edge.node.id);
    expect(ids).toContain(refundZh.id);
    // Customers see published public articles only.
    expect(ids).not.toContain(refundInternal.id);
    expect(ids).not.toContain(refundDraft.id);
    const zhEdge = twoCharacters.edges.find((edge: { node: { id: string } }) => edge.node.id === refundZh.id);
    expect(zhEdge.snippet).toContain('<mark>退款</mark>');

    const threeCharacters = await search('工作日', undefined);
    expect(threeCharacters.edges.map((edge: { node: { id: string } }) => edge.node.id)).toEqual([
      refundZh.id,
    ]);

    const stemmed = await search('refunding process', customer);
    expect(stemmed.edges[0].node.id).toBe(refundEn.id);
    expect(stemmed.edges[0].snippet).toMatch(/<mark>Refunds<\/mark>/);

    // Staff also find internal articles; filters narrow the result.
    const staff = await search('退款', agent);
    expect(staff.edges.map((edge: { node: { id: string } }) => edge.node.id)).toContain(refundInternal.id);
    const internalOnly = await search('退款', agent, { filter: { audience: 'INTERNAL' } });
    expect(internalOnly.edges.map((edge: { node: { id: string } }) => edge.node.id)).toEqual([
      refundInternal.id,
    ]);
    expect((await search('退款', agent, { filter: { locale: 'en' } })).totalCount).toBe(0);
    const drafts = await search('退款', agent, { filter: { status: 'DRAFT' } });
    expect(drafts.edges.map((edge: { node: { id: string } }) => edge.node.id)).toEqual([refundDraft.id]);
    const tagged = await search('退款', agent, { filter: { tags: ['refund'] } });
    expect(tagged.edges.map((edge: { node: { id: string } }) => edge.node.id)).toEqual([refundZh.id]);
  });

  it('should page through search results with cursors and count the total when asked for one at a time', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    let total = 0;
    for (;;) {
      const page = await search('退款', agent, { first: 1, after });
      total = page.totalCount;
      seen.push(...page.edges.map((edge: { node: { id: string } }) => edge.node.id));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(total).toBe(2);
    expect(new Set(seen).size).toBe(2);
    const bad = await refusal(
      `{ searchArticles(query: "退款", after: "not-a-cursor") { totalCount } }`,
      {},
      agent,
    );
    expect(bad.code).toBe('BAD_USER_INPUT');
  });

  it('should record searches that found nothing and list them with uncovered ticket categories in contentGaps', async () => {
    expect((await search('量子纠缠', customer)).totalCount).toBe(0);
    expect((await search('量子纠缠', agent)).totalCount).toBe(0);
    const { contentGaps } = await gql(
      `{ contentGaps(first: 10) { unansweredQueries { query count } categoriesWithoutArticles { categoryId ticketCount } } }`,
      {},
      analyst,
    );
    expect(contentGaps.unansweredQueries).toContainEqual({ query: '量子纠缠', count: 2 });
    expect((await refusal(`{ contentGaps { unansweredQueries { query } } }`, {}, customer)).code).toBe(
      'FORBIDDEN',
    );
  });

  it('should suggest matching published articles for a new ticket when its created event arrives through Kafka', async () => {
    const { createTicket } = await gql(
      `mutation($input: CreateTicketInput!) { createTicket(input: $input) { id number type } }`,
      {
        input: {
          title: '请问怎么申请退款',
          description: '上周买的耳机想退款，订单详情页找不到入口。',
          channel: 'APP',
          customer: { name: '李雷' },
        },
      },
      customer,
    );
    const suggestions = await eventually(
      async () => {
        const { ticket } = await gql(
          `query($id: ID!) { ticket(id: $id) { id suggestedArticles(first: 3) { score snippet article { id title audience } } } }`,
          { id: createTicket.id },
          agent,
        );
        return ticket.suggestedArticles.length > 0 ? ticket.suggestedArticles : undefined;
      },
      { timeoutMs: 30_000, what: 'suggestions for the new ticket' },
    );
    expect(suggestions[0].article.id).toBe(refundZh.id);
    expect(suggestions.map((suggestion: { article: { id: string } }) => suggestion.article.id)).not.toContain(
      refundDraft.id,
    );
    // The customer sees suggestions too, public ones only.
    const { ticket: own } = await gql(
      `query($id: ID!) { ticket(id: $id) { suggestedArticles(first: 5) { article { id audience } } } }`,
      { id: createTicket.id },
      customer,
    );
    expect(own.suggestedArticles.length).toBeGreaterThan(0);
    expect(
      own.suggestedArticles.every(
        (suggestion: { article: { audience: string } }) => suggestion.article.audience === 'PUBLIC',
      ),
    ).toBe(true);

    // A reply template rendered for this ticket: facts from events, names from the caller.
    const { upsertReplyTemplate } = await gql(
      `mutation($input: UpsertReplyTemplateInput!) { upsertReplyTemplate(input: $input) { id placeholders } }`,
      {
        input: {
          name: 'acknowledge',
          locale: 'zh-CN',
          body: '{{customer.name}}您好，您的工单 {{ticket.number}}（{{ticket.title}}）已收到。客服 {{agent.name}}',
        },
      },
      editor,
    );
    expect(upsertReplyTemplate.placeholders).toEqual([
      'customer.name',
      'ticket.number',
      'ticket.title',
      'agent.name',
    ]);
    const render = `query($t: ID!, $id: ID!, $values: [PlaceholderValue!]) {
      renderReplyTemplate(templateId: $t, ticketId: $id, values: $values) { text missingPlaceholders unknownPlaceholders ticketKnown } }`;
    const partial = (await gql(render, { t: upsertReplyTemplate.id, id: createTicket.id }, agent))
      .renderReplyTemplate;
    expect(partial).toEqual({
      text: `{{customer.name}}您好，您的工单 ${createTicket.number}（请问怎么申请退款）已收到。客服 {{agent.name}}`,
      missingPlaceholders: ['customer.name', 'agent.name'],
      unknownPlaceholders: [],
      ticketKnown: true,
    });
    const full = (
      await gql(
        render,
        {
          t: upsertReplyTemplate.id,
          id: createTicket.id,
          values: [
            { name: 'customer.name', value: '李雷' },
            { name: 'agent.name', value: '小王' },
          ],
        },
        agent,
      )
    ).renderReplyTemplate;
    expect(full.text).toBe(`李雷您好，您的工单 ${createTicket.number}（请问怎么申请退款）已收到。客服 小王`);
    expect(full.missingPlaceholders).toEqual([]);
    const unknownPlaceholder = await refusal(
      `mutation { upsertReplyTemplate(input: { name: "x", locale: "en", body: "Hi {{customer.nickname}}" }) { id } }`,
      {},
      editor,
    );
    expect(unknownPlaceholder.code).toBe('BAD_USER_INPUT');
    expect(unknownPlaceholder.message).toContain('{{customer.nickname}}');
  });

  it('should propose a draft from a resolved consultation with an expert answer, which an editor reviews and publishes', async () => {
    const { createTicket: ticket } = await gql(
      `mutation($input: CreateTicketInput!) { createTicket(input: $input) { id number } }`,
      {
        input: {
          title: '如何开具增值税专用发票',
          description: '公司报销需要增值税专用发票，应该在哪里申请？',
          channel: 'CHAT',
          customer: { name: '韩梅梅' },
          type: 'CONSULTATION',
          category: 'transaction',
          queueId: 'general',
        },
      },
      agent,
    );
    const id = ticket.id;
    // The base has no answer: the agent escalates to the expert tier, the expert answers, the ticket is resolved.
    await gql(
      `mutation($id: ID!) { escalateTicket(input: { ticketId: $id, direction: VERTICAL, tier: EXPERT, reason: "no standard answer" }) { escalationTier } }`,
      { id },
      agent,
    );
    const answer =
      '在“发票管理”中选择“增值税专用发票”，填写税号、开户行和账号后提交，审核通过后三个工作日内寄出。';
    await gql(
      `mutation($id: ID!, $body: String!) { replyToTicket(input: { ticketId: $id, body: $body }) { message { id } } }`,
      { id, body: answer },
      agent,
    );
    await gql(
      `mutation($id: ID!) { changeTicketStatus(input: { ticketId: $id, status: RESOLVED, reason: "answered" }) { status } }`,
      { id },
      agent,
    );

    const draft = await eventually(
      async () => {
        const { articles } = await gql(`{ articles(first: 100) { ${ARTICLE_FIELDS} } }`, {}, editor);
        return articles.find((article: { sourceTicketId: string }) => article.sourceTicketId === id);
      },
      { timeoutMs: 30_000, what: 'the draft proposed from the expert answer' },
    );
    expect(draft).toMatchObject({
      title: '如何开具增值税专用发票',
      status: 'DRAFT',
      audience: 'INTERNAL',
      locale: 'zh-CN',
      category: { id: 'transaction' },
      version: 1,
    });
    expect(draft.body).toContain('公司报销需要增值税专用发票');
    expect(draft.body).toContain(answer);
    expect(draft.body).toContain(ticket.number);

    const proposed = await readKnowledgeEvents(stack, draft.id, 1);
    expect(proposed[0]).toMatchObject({
      type: 'deskgraph.knowledge.draft_proposed.v1',
      subject: draft.id,
      data: { ticketId: id, ticketNumber: ticket.number, categoryId: 'transaction' },
    });

    // Customers cannot find it yet: the search is recorded as a content gap.
    expect((await search('增值税', customer)).totalCount).toBe(0);
    const gapsBefore = await gql(`{ contentGaps(first: 100) { unansweredQueries { query } } }`, {}, editor);
    expect(gapsBefore.contentGaps.unansweredQueries).toContainEqual({ query: '增值税' });

    // Publishing needs a review first.
    const unreviewed = await refusal(
      `mutation($id: ID!) { publishArticle(articleId: $id) { status } }`,
      { id: draft.id },
      editor,
    );
    expect(unreviewed.code).toBe('BAD_USER_INPUT');
    expect(unreviewed.message).toContain('submit it for review');
    const { updateArticle } = await gql(
      `mutation($id: ID!) { updateArticle(input: { articleId: $id, audience: PUBLIC, summary: "增值税专用发票的申请方法", reason: "reviewed: fine for customers" }) { version audience } }`,
      { id: draft.id },
      editor,
    );
    expect(updateArticle).toEqual({ version: 2, audience: 'PUBLIC' });
    expect(await publish(draft.id)).toMatchObject({ status: 'PUBLISHED', reviewerId: 'editor-1' });

    const found = await search('增值税', customer);
    expect(found.edges.map((edge: { node: { id: string } }) => edge.node.id)).toEqual([draft.id]);
    // Once published, the gap is filled and drops out of contentGaps.
    const gapsAfter = await gql(`{ contentGaps(first: 100) { unansweredQueries { query } } }`, {}, editor);
    expect(gapsAfter.contentGaps.unansweredQueries).not.toContainEqual({ query: '增值税' });
    const events = await readKnowledgeEvents(stack, draft.id, 3);
    expect(events.map((event) => event.type)).toEqual([
      'deskgraph.knowledge.draft_proposed.v1',
      'deskgraph.knowledge.article_updated.v1',
      'deskgraph.knowledge.article_published.v1',
    ]);
    expect(events[2].data).toMatchObject({ version: 2, audience: 'PUBLIC', sourceTicketId: id });
  });

  it('should record use on a ticket, votes and views, and emit used and voted events', async () => {
    const { createTicket } = await gql(
      `mutation($input: CreateTicketInput!) { createTicket(input: $input) { id } }`,
      {
        input: {
          title: 'Refund status',
          description: 'Where is my refund?',
          channel: 'EMAIL',
          customer: { name: 'Ann' },
          queueId: 'general',
          type: 'CONSULTATION',
          category: 'delivery',
          priority: 'P2',
        },
      },
      agent,
    );
    const use = `mutation($a: ID!, $t: ID!) { useArticleOnTicket(articleId: $a, ticketId: $t) { usedOnTicketCount } }`;
    expect(
      (await gql(use, { a: refundEn.id, t: createTicket.id }, agent)).useArticleOnTicket.usedOnTicketCount,
    ).toBe(1);
    // Linking twice counts once.
    expect(
      (await gql(use, { a: refundEn.id, t: createTicket.id }, agent)).useArticleOnTicket.usedOnTicketCount,
    ).toBe(1);
    expect((await refusal(use, { a: refundEn.id, t: createTicket.id }, customer)).code).toBe('FORBIDDEN');
    expect((await refusal(use, { a: refundDraft.id, t: createTicket.id }, agent)).code).toBe(
      'BAD_USER_INPUT',
    );
    const { ticket } = await gql(
      `query($id: ID!) { ticket(id: $id) { usedArticles { id } } }`,
      { id: createTicket.id },
      agent,
    );
    expect(ticket.usedArticles).toEqual([{ id: refundEn.id }]);

    const vote = `mutation($input: VoteArticleInput!) { voteArticle(input: $input) { helpfulCount notHelpfulCount } }`;
    await gql(vote, { input: { articleId: refundEn.id, helpful: false, comment: 'too short' } }, customer);
    // A second vote by the same person replaces the first.
    expect(
      (await gql(vote, { input: { articleId: refundEn.id, helpful: true, comment: 'clear now' } }, customer))
        .voteArticle,
    ).toEqual({ helpfulCount: 1, notHelpfulCount: 0 });
    expect((await refusal(vote, { input: { articleId: refundEn.id, helpful: true } })).code).toBe(
      'UNAUTHENTICATED',
    );
    const { article } = await gql(
      `query($id: ID!) { article(id: $id) { votes { voterId helpful comment } } }`,
      { id: refundEn.id },
      editor,
    );
    expect(article.votes).toEqual([{ voterId: 'u-7', helpful: true, comment: 'clear now' }]);
    expect(
      (
        await refusal(
          `query($id: ID!) { article(id: $id) { votes { comment } } }`,
          { id: refundEn.id },
          customer,
        )
      ).code,
    ).toBe('FORBIDDEN');

    const view = `mutation($id: ID!) { recordArticleView(articleId: $id) { viewCount } }`;
    await gql(view, { id: refundEn.id });
    expect((await gql(view, { id: refundEn.id }, customer)).recordArticleView.viewCount).toBe(2);
    expect((await refusal(view, { id: refundInternal.id }, customer)).code).toBe('NOT_FOUND');

    const events = await readKnowledgeEvents(stack, refundEn.id, 4);
    const types = events.map((event) => event.type);
    expect(types.filter((type) => type === 'deskgraph.knowledge.article_used.v1')).toHaveLength(1);
    expect(types.filter((type) => type === 'deskgraph.knowledge.article_voted.v1')).toHaveLength(2);
    expect(events.find((event) => event.type === 'deskgraph.knowledge.article_used.v1')!.data).toMatchObject({
      ticketId: createTicket.id,
      actor: { id: 'agent-1', role: 'agent' },
    });

    // An expert answers this consultation too, but an article was used: no draft is proposed.
    const id = createTicket.id;
    await gql(
      `mutation($id: ID!) { escalateTicket(input: { ticketId: $id, direction: VERTICAL, tier: EXPERT, reason: "check" }) { escalationTier } }`,
      { id },
      agent,
    );
    await gql(
      `mutation($id: ID!) { replyToTicket(input: { ticketId: $id, body: "Refunds take three business days." }) { message { id } } }`,
      { id },
      agent,
    );
    await gql(
      `mutation($id: ID!) { changeTicketStatus(input: { ticketId: $id, status: RESOLVED }) { status } }`,
      { id },
      agent,
    );
    // A later event of the same ticket (same partition) shows knowledge has applied the resolution.
    await gql(
      `mutation($id: ID!) { reclassifyTicket(input: { ticketId: $id, priority: P3, reason: "after the fact" }) { priority } }`,
      { id },
      agent,
    );
    const { upsertReplyTemplate } = await gql(
      `mutation { upsertReplyTemplate(input: { name: "priority", locale: "en", body: "Priority {{ticket.priority}}" }) { id } }`,
      {},
      editor,
    );
    await eventually(
      async () =>
        (
          await gql(
            `query($t: ID!, $id: ID!) { renderReplyTemplate(templateId: $t, ticketId: $id) { text } }`,
            { t: upsertReplyTemplate.id, id },
            agent,
          )
        ).renderReplyTemplate.text === 'Priority P3',
      { timeoutMs: 30_000, what: 'knowledge to apply the reclassification' },
    );
    const { articles } = await gql(`{ articles(first: 100) { sourceTicketId } }`, {}, editor);
    expect(
      articles.map((article: { sourceTicketId: string | null }) => article.sourceTicketId),
    ).not.toContain(id);

    // No published article covers the delivery category this ticket is in.
    const { contentGaps } = await gql(
      `{ contentGaps(first: 10) { categoriesWithoutArticles { categoryId ticketCount category { name } } } }`,
      {},
      agent,
    );
    expect(contentGaps.categoriesWithoutArticles).toContainEqual({
      categoryId: 'delivery',
      ticketCount: 1,
      category: { name: 'Delivery / 物流配送' },
    });
    expect(
      contentGaps.categoriesWithoutArticles.map((gap: { categoryId: string }) => gap.categoryId),
    ).not.toContain('transaction');
  });

  it('should keep every edit as a version and restore one, refusing a version of another article', async () => {
    const article = await createDraft({ title: 'Password reset', body: 'Use the reset link.', locale: 'en' });
    const update = `mutation($input: UpdateArticleInput!) { updateArticle(input: $input) { version title body } }`;
    await gql(
      update,
      { input: { articleId: article.id, body: 'Use the reset link in the email.', reason: 'clearer' } },
      agent,
    );
    await gql(
      update,
      {
        input: {
          articleId: article.id,
          expectedVersion: 2,
          title: 'Resetting your password',
          reason: 'better title',
        },
      },
      agent,
    );
    const stale = await refusal(
      update,
      { input: { articleId: article.id, expectedVersion: 2, title: 'x', reason: 'late' } },
      agent,
    );
    expect(stale.code).toBe('CONFLICT');

    const { article: history } = await gql(
      `query($id: ID!) { article(id: $id) { version versions { id version title editedBy reason restoredFromVersion editedAt } } }`,
      { id: article.id },
      agent,
    );
    expect(history.version).toBe(3);
    expect(
      history.versions.map((version: { version: number; reason: string; editedBy: string }) => [
        version.version,
        version.reason,
        version.editedBy,
      ]),
    ).toEqual([
      [3, 'better title', 'agent-1'],
      [2, 'clearer', 'agent-1'],
      [1, 'created', 'agent-1'],
    ]);
    const { articleVersion } = await gql(
      `query($id: ID!) { articleVersion(articleId: $id, version: 1) { title body } }`,
      { id: article.id },
      editor,
    );
    expect(articleVersion).toEqual({ title: 'Password reset', body: 'Use the reset link.' });

    const first = history.versions.find((version: { version: number }) => version.version === 1);
    const restore = `mutation($input: RestoreArticleVersionInput!) { restoreArticleVersion(input: $input) { version title body versions { version reason restoredFromVersion } } }`;
    const { restoreArticleVersion } = await gql(
      restore,
      { input: { articleId: article.id, versionId: first.id, reason: 'back to the original' } },
      agent,
    );
    expect(restoreArticleVersion).toMatchObject({
      version: 4,
      title: 'Password reset',
      body: 'Use the reset link.',
    });
    expect(restoreArticleVersion.versions[0]).toEqual({
      version: 4,
      reason: 'back to the original',
      restoredFromVersion: 1,
    });

    const other = await gql(
      `query($id: ID!) { article(id: $id) { versions { id } } }`,
      { id: refundZh.id },
      agent,
    );
    const foreign = await refusal(
      restore,
      { input: { articleId: article.id, versionId: other.article.versions[0].id } },
      editor,
    );
    expect(foreign.code).toBe('BAD_USER_INPUT');
    expect(foreign.message).toContain('belongs to another article');
    const { article: unchanged } = await gql(
      `query($id: ID!) { article(id: $id) { version title } }`,
      { id: article.id },
      agent,
    );
    expect(unchanged).toEqual({ version: 4, title: 'Password reset' });
  });

  it('should let each role do only its part', async () => {
    const draftInput = { input: { title: 't', body: 'b' } };
    const create = `mutation($input: CreateArticleDraftInput!) { createArticleDraft(input: $input) { id } }`;
    expect((await refusal(create, draftInput)).code).toBe('UNAUTHENTICATED');
    expect((await refusal(create, draftInput, customer)).code).toBe('FORBIDDEN');
    expect((await refusal(create, draftInput, analyst)).code).toBe('FORBIDDEN');

    const article = await createDraft({ title: 'Role check', body: 'Body', audience: 'PUBLIC' });
    await gql(
      `mutation($id: ID!) { submitArticleForReview(articleId: $id) { status } }`,
      { id: article.id },
      agent,
    );
    const publishByAgent = await refusal(
      `mutation($id: ID!) { publishArticle(articleId: $id) { status } }`,
      { id: article.id },
      agent,
    );
    expect(publishByAgent.code).toBe('FORBIDDEN');
    await gql(`mutation($id: ID!) { publishArticle(articleId: $id) { status } }`, { id: article.id }, editor);
    const edit = `mutation($id: ID!) { updateArticle(input: { articleId: $id, body: "Edited", reason: "fix" }) { version } }`;
    expect((await refusal(edit, { id: article.id }, agent)).code).toBe('FORBIDDEN');
    expect((await gql(edit, { id: article.id }, editor)).updateArticle.version).toBe(2);
    expect(
      (
        await refusal(
          `mutation($id: ID!) { archiveArticle(articleId: $id) { status } }`,
          { id: article.id },
          agent,
        )
      ).code,
    ).toBe('FORBIDDEN');

    // Internal and unpublished articles do not exist for customers and anonymous callers.
    const read = `query($id: ID!) { article(id: $id) { id } }`;
    expect((await gql(read, { id: refundInternal.id }, customer)).article).toBeNull();
    expect((await gql(read, { id: refundDraft.id })).article).toBeNull();
    expect((await gql(read, { id: refundInternal.id }, analyst)).article).toEqual({ id: refundInternal.id });
    expect((await gql(read, { id: refundZh.id })).article).toEqual({ id: refundZh.id });
    expect(
      (
        await refusal(
          `{ searchArticles(query: "退款", filter: { status: DRAFT }) { totalCount } }`,
          {},
          customer,
        )
      ).code,
    ).toBe('FORBIDDEN');
    expect(
      (
        await refusal(
          `query($id: ID!) { article(id: $id) { versions { id } } }`,
          { id: refundZh.id },
          customer,
        )
      ).code,
    ).toBe('FORBIDDEN');

    // Categories: admins only.
    const category = `mutation { upsertCategory(input: { id: "invoices", name: "Invoices / 发票", parentId: "transaction" }) { id parent { id } } }`;
    expect((await refusal(category, {}, editor)).code).toBe('FORBIDDEN');
    expect((await gql(category, {}, admin)).upsertCategory).toEqual({
      id: 'invoices',
      parent: { id: 'transaction' },
    });
    // A search by a parent category includes its subcategories.
    const child = await createDraft({
      title: '电子发票下载',
      body: '在订单页下载电子发票。',
      categoryId: 'invoices',
      audience: 'PUBLIC',
    });
    await publish(child.id);
    const byParent = await search('发票', customer, { filter: { categoryId: 'transaction' } });
    expect(byParent.edges.map((edge: { node: { id: string } }) => edge.node.id)).toContain(child.id);

    // Compensation standards: admins manage, staff read, customers do not.
    const standard = `mutation($input: CompensationStandardInput!) { upsertCompensationStandard(input: $input) { kind maxAmount currency category { id } } }`;
    const input = {
      categoryId: 'delivery',
      kind: 'REFUND',
      maxAmount: 100,
      currency: 'cny',
      note: '运输损坏',
    };
    expect((await refusal(standard, { input }, editor)).code).toBe('FORBIDDEN');
    expect((await gql(standard, { input }, admin)).upsertCompensationStandard).toEqual({
      kind: 'REFUND',
      maxAmount: 100,
      currency: 'CNY',
      category: { id: 'delivery' },
    });
    await gql(
      standard,
      { input: { categoryId: 'delivery', kind: 'COUPON', maxAmount: 20, currency: 'CNY' } },
      admin,
    );
    await gql(standard, { input: { categoryId: 'product', kind: 'REPLACEMENT' } }, admin);
    const { compensationStandards } = await gql(
      `{ compensationStandards(category: "delivery") { kind maxAmount } }`,
      {},
      agent,
    );
    expect(compensationStandards).toEqual([
      { kind: 'COUPON', maxAmount: 20 },
      { kind: 'REFUND', maxAmount: 100 },
    ]);
    expect((await refusal(`{ compensationStandards { kind } }`, {}, customer)).code).toBe('FORBIDDEN');
    expect((await refusal(standard, { input: { ...input, categoryId: 'weather' } }, admin)).code).toBe(
      'BAD_USER_INPUT',
    );
  });

  it('should reject bad input with clear errors and save nothing', async () => {
    const count = async () => (await gql(`{ articles(first: 100) { id } }`, {}, agent)).articles.length;
    const before = await count();
    const create = `mutation($input: CreateArticleDraftInput!) { createArticleDraft(input: $input) { id } }`;
    const invalid = await refusal(create, { input: { title: '  ', body: 'x'.repeat(100_001) } }, agent);
    expect(invalid.code).toBe('BAD_USER_INPUT');
    expect(invalid.message).toContain('title must not be empty');
    expect(invalid.message).toContain('body must be at most 100000 characters');
    const category = await refusal(
      create,
      { input: { title: 't', body: 'b', categoryId: 'weather' } },
      agent,
    );
    expect(category.code).toBe('BAD_USER_INPUT');
    expect(category.message).toContain('category "weather" does not exist');
    const locale = await refusal(create, { input: { title: 't', body: 'b', locale: 'xx-YY' } }, agent);
    expect(locale.code).toBe('BAD_USER_INPUT');
    expect(locale.message).toContain('locale "xx-YY" is not supported');
    expect((await refusal(`{ searchArticles(query: "   ") { totalCount } }`, {})).code).toBe(
      'BAD_USER_INPUT',
    );
    expect(
      (await refusal(`{ searchArticles(query: "x", filter: { locale: "xx" }) { totalCount } }`, {})).code,
    ).toBe('BAD_USER_INPUT');
    expect(await count()).toBe(before);
    const missing = await refusal(
      `mutation { publishArticle(articleId: "00000000-0000-4000-8000-000000000000") { id } }`,
      {},
      editor,
    );
    expect(missing.code).toBe('NOT_FOUND');
  });

  it('should never return a script tag unescaped in any rendered field', async () => {
    const article = await createDraft({
      title: 'XSS <script>alert("t")</script> probe',
      summary: '<img src=x onerror=alert(1)>',
      body: 'Hello <script>alert("pwned")</script> **bold** [click](javascript:alert(1)) <a href="x" onclick="y">a</a>',
      audience: 'PUBLIC',
      locale: 'en',
    });
    expect(article.bodyHtml).not.toMatch(/<script/i);
    expect(article.bodyHtml).toContain('&lt;script&gt;');
    expect(article.bodyHtml).toContain('<strong>bold</strong>');
    expect(article.bodyHtml).not.toContain('href="javascript:');
    expect(article.bodyHtml).not.toMatch(/<a [^>]*onclick/i);
    await publish(article.id);
    const found = await search('hello bold', customer);
    expect(found.edges).toHaveLength(1);
    // The only markup a snippet carries is <mark>.
    expect(found.edges[0].snippet).not.toMatch(/<(?!\/?mark>)/);
    expect(found.edges[0].snippet).toContain('<mark>');
    const { articleVersion } = await gql(
      `query($id: ID!) { articleVersion(articleId: $id, version: 1) { bodyHtml } }`,
      { id: article.id },
      agent,
    );
    expect(articleVersion.bodyHtml).not.toMatch(/<script/i);
  });
});

async function readKnowledgeEvents(stack: TestStack, articleId: string, count: number) {
  const kafka = new Kafka({
    clientId: 'test-reader',
    brokers: stack.kafkaBrokers.split(','),
    logLevel: logLevel.NOTHING,
  });
  const consumer = kafka.consumer({ groupId: `reader-${articleId}-${count}` });
  const events: { type: string; subject: string; data: Record<string, unknown> }[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic: namespaced(stack.namespace, TOPICS.knowledge), fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      if (message.key?.toString() === articleId) events.push(JSON.parse(message.value!.toString()));
    },
  });
  try {
    await eventually(async () => events.length >= count, {
      timeoutMs: 30_000,
      what: `${count} events of the article`,
    });
  } finally {
    await consumer.disconnect();
  }
  return events;
}
