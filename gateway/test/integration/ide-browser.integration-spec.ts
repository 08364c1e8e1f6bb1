import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import {
  graphqlOk,
  repositoryRoot,
  startTestStack,
  testToken,
  TEST_JWT_SECRET,
  TEST_SHARED_SECRET,
  type TestStack,
} from '@deskgraph/infra';
import { parseEnvironment } from '@deskgraph/platform';
import { GATEWAY_ENVIRONMENT } from '../../src/environment';
import { startGateway } from '../../src/server';

// The offline GraphiQL page and the live-queue example in a real headless
// browser (Debian's chromium), against a whole test stack: token, query,
// subscription, a ticket created through the graph, and the push on screen.

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(repositoryRoot, '.deskgraph', 'test-artifacts');

async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    // Never skipped: CI installs it in .ci/run, a developer installs it once.
    throw new Error(
      `Chromium is not installed at ${CHROMIUM}: install Debian's package with ` +
        '`sudo apt-get update && sudo apt-get install -y chromium` (.ci/run does this in CI).',
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

/** graphql-ws subscribes after the socket opens: give the gateway a moment to hold the subscription. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 1_500));

async function waitForText(page: Page, selector: string, text: string): Promise<void> {
  try {
    // A string runs in the page (this file is compiled without DOM types).
    await page.waitForFunction(
      `document.querySelector(${JSON.stringify(selector)})?.textContent?.includes(${JSON.stringify(text)})`,
      undefined,
      { timeout: 30_000 },
    );
  } catch (error) {
    const path = join(ARTIFACTS, `failure-${Date.now()}.png`);
    await page.screenshot({ path });
    throw new Error(
      `"${text}" did not appear in ${selector} (screenshot: ${path}): ${(error as Error).message}`,
    );
  }
}

/** Errors the page logs or throws. */
function watchConsole(page: Page): string[] {
  const messages: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') messages.push(message.text());
  });
  page.on('pageerror', (error) => messages.push(error.message));
  return messages;
}

/** Replaces a CodeMirror editor's content as a paste would (no auto-closed brackets). */
async function replaceEditorText(page: Page, selector: string, text: string): Promise<void> {
  await page.locator(selector).first().click();
  await page.keyboard.press('Control+A');
  await page.keyboard.insertText(text);
}

describe('offline IDE and live-queue example in a real browser', () => {
  let stack: TestStack;
  let browser: Browser;
  let admin: string;
  let supervisor: string;
  let exampleServer: ChildProcess | undefined;

  async function createTicket(title: string): Promise<string> {
    const data = await graphqlOk(
      stack.gatewayUrl,
      `mutation($input: CreateTicketInput!) { createTicket(input: $input) { id } }`,
      {
        input: {
          title,
          description: `${title}, please help.`,
          channel: 'APP',
          queueId: 'general',
          priority: 'P2',
          customer: { id: 'C-ide', name: 'Lin Xiaoyu' },
        },
      },
      admin,
    );
    return data.createTicket.id as string;
  }

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    browser = await launchChromium();
    stack = await startTestStack();
    admin = await testToken({ userId: 'admin-1', roles: ['admin'] });
    supervisor = await testToken({ userId: 'sup-1', roles: ['supervisor'], queueIds: ['general'] });
  }, 180_000);

  afterAll(async () => {
    exampleServer?.kill();
    await browser?.close();
    await stack?.stop();
  }, 60_000);

  it('should run a query and show a queueUpdates push in GraphiQL when everything loads from the gateway alone', async () => {
    const origin = new URL(stack.gatewayUrl).origin;
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    const consoleMessages = watchConsole(page);
    // Offline proof: any request to another origin (a CDN) is refused and recorded.
    const foreign: string[] = [];
    await page.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith(origin)) return route.continue();
      foreign.push(url);
      return route.abort();
    });
    await createTicket('Printer jammed');

    await page.goto(stack.gatewayUrl);
    await page.waitForSelector('.graphiql-container');
    await replaceEditorText(
      page,
      '.graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror',
      JSON.stringify({ Authorization: `Bearer ${supervisor}` }, null, 2),
    );
    await replaceEditorText(
      page,
      '.graphiql-query-editor .CodeMirror',
      [
        '# tickets, sla and knowledge subgraphs in one query',
        'query OpenTickets {',
        '  tickets(first: 5) {',
        '    totalCount',
        '    edges {',
        '      node {',
        '        number',
        '        title',
        '        status',
        '        sla { firstResponseDueAt }',
        '        suggestedArticles(first: 1) { score }',
        '      }',
        '    }',
        '  }',
        '}',
      ].join('\n'),
    );
    // GraphiQL picks up the operation name after a debounce; the tab title shows it.
    await waitForText(page, '.graphiql-tab-button', 'OpenTickets');
    await page.click('.graphiql-execute-button');
    await waitForText(page, '.graphiql-response', 'Printer jammed');
    await waitForText(page, '.graphiql-response', 'firstResponseDueAt');
    await page.screenshot({ path: join(ARTIFACTS, 'graphiql-query.png') });

    await replaceEditorText(
      page,
      '.graphiql-query-editor .CodeMirror',
      'subscription Queue {\n  queueUpdates(queueIds: ["general"]) { kind at ticketId ticket { number title } }\n}',
    );
    await waitForText(page, '.graphiql-tab-button', 'Queue');
    // The subscribe frame leaves only after the socket is acknowledged.
    const subscribeSent = new Promise<void>((resolve) =>
      page.on('websocket', (socket) =>
        socket.on('framesent', (frame) => {
          if (String(frame.payload).includes('"type":"subscribe"')) resolve();
        }),
      ),
    );
    await page.click('.graphiql-execute-button');
    await subscribeSent;
    await settle();
    await createTicket('Refund never arrived');
    // The pane shows the latest push (CREATED, then SLA_STARTED …) for the new ticket.
    await waitForText(page, '.graphiql-response', 'Refund never arrived');
    await page.screenshot({ path: join(ARTIFACTS, 'graphiql-subscription.png') });

    expect(foreign).toEqual([]);
    expect(consoleMessages).toEqual([]);
    await page.close();
  }, 120_000);

  it('should show the queue, then a pushed ticket, and catch up with since after a dropped socket in the example page', async () => {
    exampleServer = spawn(
      process.execPath,
      [
        join(repositoryRoot, 'examples', 'dist', 'src', 'web-queue-server.js'),
        '--gateway',
        stack.gatewayUrl,
        '--port',
        '0',
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const exampleUrl = await new Promise<string>((resolve, reject) => {
      exampleServer!.once('exit', (code) => reject(new Error(`example server exited with ${code}`)));
      exampleServer!.stdout!.on('data', (chunk: Buffer) => {
        const match = /at (http:\/\/\S+)/.exec(chunk.toString());
        if (match) resolve(match[1]);
      });
    });
    await createTicket('Router blinking red');

    const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
    // Lets the test drop the page's socket the way a flaky network would.
    await page.addInitScript({
      content: `window.testSockets = [];
        window.WebSocket = class extends window.WebSocket {
          constructor(...args) { super(...args); window.testSockets.push(this); }
        };`,
    });
    await page.goto(exampleUrl);
    await page.fill('#token', supervisor);
    await page.fill('#queues', 'general');
    await page.click('button[type=submit]');
    await waitForText(page, '#tickets', 'Router blinking red');
    await waitForText(page, '#status', 'live');
    await settle();

    await createTicket('Invoice missing');
    await waitForText(page, '#tickets', 'Invoice missing');

    await page.evaluate(`window.testSockets.forEach((socket) => socket.close(3000, 'dropped by the test'))`);
    await waitForText(page, '#status', 'reconnecting');
    await createTicket('Parcel lost in transit');
    await waitForText(page, '#log', 'reconnecting with since=');
    await waitForText(page, '#tickets', 'Parcel lost in transit');
    await waitForText(page, '#status', 'live');
    await page.screenshot({ path: join(ARTIFACTS, 'web-queue.png') });

    // Replayed and live copies of one event are applied once (deduplicated by eventId).
    expect(await page.locator('#tickets tr', { hasText: 'Parcel lost in transit' }).count()).toBe(1);
    expect(await page.locator('#tickets tr', { hasText: 'Router blinking red' }).count()).toBe(1);
    await page.close();
  }, 120_000);

  it('should serve neither the page nor the bundle when NODE_ENV is production unless GRAPHIQL=true', async () => {
    const served: Record<string, { page: boolean; bundle: number }> = {};
    for (const graphiql of [undefined, 'true']) {
      const gateway = await startGateway(
        parseEnvironment(GATEWAY_ENVIRONMENT, {
          NODE_ENV: 'production',
          ...(graphiql ? { GRAPHIQL: graphiql } : {}),
          PORT: '0',
          HOST: '127.0.0.1',
          LOG_LEVEL: 'warn',
          KAFKA_BROKERS: stack.kafkaBrokers,
          KAFKA_NAMESPACE: stack.namespace,
          JWT_SECRET: TEST_JWT_SECRET,
          GATEWAY_SHARED_SECRET: TEST_SHARED_SECRET,
        }),
      );
      try {
        const page = await fetch(gateway.url, { headers: { accept: 'text/html' } });
        const bundle = await fetch(gateway.url.replace(/\/graphql$/, '/ide/graphiql.js'));
        served[graphiql ?? 'unset'] = {
          page: (await page.text()).includes('/ide/graphiql.js'),
          bundle: bundle.status,
        };
      } finally {
        await gateway.stop();
      }
    }
    expect(served).toEqual({ unset: { page: false, bundle: 404 }, true: { page: true, bundle: 200 } });
  }, 120_000);
});
