import { join } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { eventually, graphqlOk, repositoryRoot, startTestStack, testToken } from '@deskgraph/infra';

// Retakes docs/images/graphiql.png, the README's picture of GraphiQL running
// one query across all four subgraphs, on a throwaway test stack:
//   npm run build && DATABASE_URL=… KAFKA_BROKERS=… node gateway/dist/test/docs/readme-screenshot.js
// (or under `node infra/dist/src/cli/with-infra.js -- …`). Needs /usr/bin/chromium.

const QUERY = `# tickets, sla, knowledge and analytics in one request
query DeskOverview {
  ticketMetrics(period: { kind: WEEK }) { volume { total } }
  tickets(first: 2) {
    edges {
      node {
        number
        title
        sla { firstResponseDueAt }
        suggestedArticles(first: 1) {
          score
          article { title }
        }
      }
    }
  }
}`;

const ARTICLES = [
  ['Refund for a double card charge', 'Refund the second charge of a card payment within 3 working days.'],
  ['Delivery is late', 'Check the courier tracking number; offer a coupon when the delay is over 48 h.'],
];
// Fabricated customers.
const TICKETS = [
  ['Card charged twice for one order', 'P1', 'C-2001', 'Zhou Mingyu'],
  ['Parcel delivery is late', 'P2', 'C-2002', 'Anna Berg'],
];

async function replaceEditorText(page: Page, selector: string, text: string): Promise<void> {
  await page.locator(selector).first().click();
  await page.keyboard.press('Control+A');
  await page.keyboard.insertText(text);
}

async function waitForText(page: Page, selector: string, text: string): Promise<void> {
  await page.waitForFunction(
    `document.querySelector(${JSON.stringify(selector)})?.textContent?.includes(${JSON.stringify(text)})`,
    undefined,
    { timeout: 30_000 },
  );
}

async function main(): Promise<void> {
  const stack = await startTestStack();
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  try {
    const admin = await testToken({ userId: 'admin-1', roles: ['admin'] });
    const supervisor = await testToken({ userId: 'sup-1', roles: ['supervisor'], queueIds: ['general'] });
    const asAdmin = (document: string, variables: Record<string, unknown>) =>
      graphqlOk(stack.gatewayUrl, document, variables, admin);
    for (const [title, body] of ARTICLES) {
      const created = await asAdmin(
        `mutation($input: CreateArticleDraftInput!) { createArticleDraft(input: $input) { id } }`,
        { input: { title, body, locale: 'en', audience: 'PUBLIC' } },
      );
      const id = created.createArticleDraft.id as string;
      await asAdmin(`mutation($id: ID!) { submitArticleForReview(articleId: $id) { id } }`, { id });
      await asAdmin(`mutation($id: ID!) { publishArticle(articleId: $id) { id } }`, { id });
    }
    for (const [title, priority, id, name] of TICKETS) {
      await asAdmin(`mutation($input: CreateTicketInput!) { createTicket(input: $input) { id } }`, {
        input: {
          title,
          description: `${title}; please help.`,
          channel: 'APP',
          queueId: 'general',
          priority,
          customer: { id, name },
        },
      });
    }
    // The picture should show every subgraph's part filled: wait for the events to reach them.
    await eventually(
      async () => {
        const data = await graphqlOk(stack.gatewayUrl, QUERY, {}, supervisor);
        const nodes = data.tickets.edges.map((edge: { node: Record<string, unknown[]> }) => edge.node);
        return (
          data.ticketMetrics.volume.total === TICKETS.length &&
          nodes.every((node: Record<string, unknown[]>) => node.sla && node.suggestedArticles.length > 0)
        );
      },
      { timeoutMs: 60_000, intervalMs: 500, what: 'SLA clocks, suggestions and figures' },
    );

    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    await page.goto(stack.gatewayUrl);
    await page.waitForSelector('.graphiql-container');
    await replaceEditorText(
      page,
      '.graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror',
      JSON.stringify({ Authorization: `Bearer ${supervisor}` }, null, 2),
    );
    await replaceEditorText(page, '.graphiql-query-editor .CodeMirror', QUERY);
    await waitForText(page, '.graphiql-tab-button', 'DeskOverview');
    await page.click('.graphiql-execute-button');
    await waitForText(page, '.graphiql-response', TICKETS[0][0]);
    const path = join(repositoryRoot, 'docs', 'images', 'graphiql.png');
    await page.screenshot({ path });
    process.stdout.write(`wrote ${path}\n`);
  } finally {
    await browser.close();
    await stack.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
