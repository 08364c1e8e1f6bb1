import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Kind, parse, type DocumentNode, type OperationDefinitionNode } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import {
  eventually,
  graphqlOk,
  repositoryRoot,
  startTestStack,
  testToken,
  type TestStack,
} from '@deskgraph/infra';
import type { Role } from '@deskgraph/platform';

/*
 * Every GraphQL example of every Markdown file in the repository runs here,
 * as printed, against a whole test stack, so the READMEs and the graph cannot
 * drift apart. A block fails on any GraphQL error it does not announce.
 *
 * Which blocks run:
 * - every ```graphql block: each operation of it in document order, with its
 *   operationName and the whole block as the document (as GraphiQL or a client
 *   would send it). Queries and mutations go over HTTP POST; a subscription
 *   over graphql-ws, while tickets are created in queue `general` until the
 *   first push arrives.
 * - a ```js block marked `node-example`: saved under .deskgraph/ and run with
 *   `node`, with TOKEN and GATEWAY_URL set, while tickets are created in queue
 *   `general` until its output shows `expectOutput`.
 *
 * The marker is an HTML comment (invisible on GitHub) on the last non-blank
 * line before the fence, holding one JSON object:
 *
 *   <!-- graphql-example {"role": "supervisor", "variables": {"id": "{{ticketId}}"}, "expect": ["FORBIDDEN"]} -->
 *   <!-- node-example {"role": "supervisor", "expectOutput": "SLA_STARTED"} -->
 *
 * - role: whose token (customer, agent, supervisor, admin, analyst, editor);
 *   default admin. Staff tokens hold queue `general` (`queues` overrides);
 *   customers are customer C-README.
 * - variables: merged over a `# variables: {…}` comment line inside the block
 *   (the one readers see). A string "{{ticketId}}" or "{{ticketNumber}}" is
 *   replaced by a ticket of C-README in queue `general` that the test creates.
 * - expect: the `extensions.code`s the block must give (each at least once,
 *   and no other); absent: none.
 * An unmarked ```graphql block runs with an admin token and no variables.
 */

const CUSTOMER_ID = 'C-README';
const SKIPPED_DIRECTORIES = new Set(['node_modules', 'dist', '.git', '.deskgraph']);
const ROLES: Role[] = ['customer', 'agent', 'supervisor', 'admin', 'analyst', 'editor'];

interface ExampleMarker {
  role?: Role;
  queues?: string[];
  variables?: Record<string, unknown>;
  expect?: string[];
  expectOutput?: string;
}

interface Example {
  /** file:line of the opening fence, relative to the repository. */
  where: string;
  kind: 'graphql' | 'node';
  text: string;
  marker: ExampleMarker;
}

function markdownFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return SKIPPED_DIRECTORIES.has(entry.name) ? [] : markdownFiles(path);
    return entry.name.endsWith('.md') ? [path] : [];
  });
}

function readMarker(line: string | undefined, name: string, where: string): ExampleMarker | null {
  const match = new RegExp(`^<!--\\s*${name}\\s+(\\{.*\\})\\s*-->$`).exec(line?.trim() ?? '');
  if (!match) return null;
  let marker: ExampleMarker;
  try {
    marker = JSON.parse(match[1]) as ExampleMarker;
  } catch (error) {
    throw new Error(`${where}: the ${name} marker is not one JSON object: ${(error as Error).message}`);
  }
  if (marker.role && !ROLES.includes(marker.role)) {
    throw new Error(`${where}: unknown role "${marker.role}" (use one of ${ROLES.join(', ')})`);
  }
  return marker;
}

function extractExamples(file: string): Example[] {
  const lines = readFileSync(file, 'utf8').split('\n');
  const examples: Example[] = [];
  for (let index = 0; index < lines.length; index += 1) {
    const fence = /^```(\w+)\s*$/.exec(lines[index]);
    if (!fence) continue;
    const close = lines.findIndex((line, at) => at > index && /^```\s*$/.test(line));
    if (close < 0) break;
    const where = `${relative(repositoryRoot, file)}:${index + 1}`;
    let previous = index - 1;
    while (previous >= 0 && lines[previous].trim() === '') previous -= 1;
    const text = lines.slice(index + 1, close).join('\n');
    if (fence[1] === 'graphql') {
      const marker = readMarker(lines[previous], 'graphql-example', where) ?? {};
      examples.push({ where, kind: 'graphql', text, marker });
    } else {
      const marker = readMarker(lines[previous], 'node-example', where);
      if (marker) examples.push({ where, kind: 'node', text, marker });
    }
    index = close;
  }
  return examples;
}

const EXAMPLES = markdownFiles(repositoryRoot)
  .sort()
  .flatMap((file) => extractExamples(file));

/** The variables a reader sees in the block (`# variables: {…}`), then the marker's. */
function variablesOf(example: Example, fixtures: Record<string, string>): Record<string, unknown> {
  const line = /^#\s*variables:\s*(\{.*\})\s*$/m.exec(example.text);
  const printed = line ? (JSON.parse(line[1]) as Record<string, unknown>) : {};
  const merged = { ...printed, ...example.marker.variables };
  return JSON.parse(JSON.stringify(merged), (_key, value: unknown) =>
    typeof value === 'string'
      ? value.replace(/\{\{(\w+)\}\}/g, (_, name: string) => fixtures[name] ?? _)
      : value,
  ) as Record<string, unknown>;
}

interface ReportedError {
  operation: string;
  code: string;
  message: string;
}

type ErrorList = { message: string; extensions?: { code?: unknown } }[];

function reported(operation: string, errors: ErrorList | undefined): ReportedError[] {
  return (errors ?? []).map((error) => ({
    operation,
    code: typeof error.extensions?.code === 'string' ? error.extensions.code : 'NO_CODE',
    message: error.message,
  }));
}

describe('README examples, run as printed against a whole test stack', () => {
  let stack: TestStack;
  let admin: string;
  const fixtures: Record<string, string> = {};
  const clients: Client[] = [];
  const children: ChildProcess[] = [];

  const tokenFor = (marker: ExampleMarker) => {
    const role = marker.role ?? 'admin';
    const staff = role !== 'customer' && role !== 'editor';
    return testToken({
      userId: `readme-${role}`,
      roles: [role],
      queueIds: marker.queues ?? (staff ? ['general'] : []),
      ...(role === 'customer' ? { customerId: CUSTOMER_ID } : {}),
    });
  };

  async function createTicket(title: string): Promise<{ id: string; number: string }> {
    const data = await graphqlOk(
      stack.gatewayUrl,
      `mutation($input: CreateTicketInput!) { createTicket(input: $input) { id number } }`,
      {
        input: {
          title,
          description: `${title}: the card was charged twice.`,
          channel: 'APP',
          queueId: 'general',
          priority: 'P1',
          customer: { id: CUSTOMER_ID, name: 'Readme Customer' },
        },
      },
      admin,
    );
    return data.createTicket as { id: string; number: string };
  }

  async function runOperation(
    example: Example,
    operation: OperationDefinitionNode | null,
    variables: Record<string, unknown>,
    token: string,
  ): Promise<ReportedError[]> {
    const name = operation?.name?.value ?? '(anonymous)';
    const declared = new Set(
      operation?.variableDefinitions?.map((definition) => definition.variable.name.value),
    );
    const own = Object.fromEntries(Object.entries(variables).filter(([key]) => declared.has(key)));
    if (operation?.operation === 'subscription') return runSubscription(example, operation, own, token);
    const response = await fetch(stack.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: example.text, operationName: operation?.name?.value, variables: own }),
    });
    const body = (await response.json()) as { errors?: ErrorList };
    return reported(name, body.errors);
  }

  async function runSubscription(
    example: Example,
    operation: OperationDefinitionNode,
    variables: Record<string, unknown>,
    token: string,
  ): Promise<ReportedError[]> {
    const name = operation.name?.value ?? '(anonymous)';
    const client = createClient({
      url: stack.wsUrl,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${token}` },
      retryAttempts: 0,
    });
    clients.push(client);
    const errors: ReportedError[] = [];
    let pushes = 0;
    let ended = false;
    const unsubscribe = client.subscribe(
      { query: example.text, operationName: operation.name?.value, variables },
      {
        next: (result) => {
          pushes += 1;
          errors.push(...reported(name, result.errors as ErrorList | undefined));
        },
        error: (error: unknown) => {
          ended = true;
          if (Array.isArray(error)) errors.push(...reported(name, error as ErrorList));
          else errors.push({ operation: name, code: 'SOCKET_CLOSED', message: String(error) });
        },
        complete: () => {
          ended = true;
        },
      },
    );
    // A subscription holds from the moment the gateway has it: keep creating tickets until one is pushed.
    await eventually(
      async () => {
        if (pushes > 0 || ended) return true;
        await createTicket(`Subscription example ${example.where}`);
        return false;
      },
      { intervalMs: 2_000, timeoutMs: 60_000, what: `a push for ${example.where}` },
    );
    unsubscribe();
    return errors;
  }

  beforeAll(async () => {
    stack = await startTestStack();
    admin = await testToken({ userId: 'readme-fixtures', roles: ['admin'] });
    const ticket = await createTicket('Refund for a double charge');
    fixtures.ticketId = ticket.id;
    fixtures.ticketNumber = ticket.number;
  }, 180_000);

  afterAll(async () => {
    for (const child of children) child.kill();
    await Promise.all(clients.map((client) => client.dispose()));
    await stack?.stop();
  }, 60_000);

  it('should find the GraphQL examples of the root, service and gateway READMEs', () => {
    const files = new Set(EXAMPLES.map((example) => example.where.split(':')[0]));

    expect([...files].sort()).toEqual(
      expect.arrayContaining(['README.md', 'services/analytics/README.md', 'services/sla/README.md']),
    );
    expect(EXAMPLES.filter((example) => example.kind === 'node').length).toBeGreaterThan(0);
  });

  const graphqlExamples = EXAMPLES.filter((example) => example.kind === 'graphql');
  it.each(graphqlExamples.map((example) => [example.where, example] as const))(
    'should run the example at %s with no error it does not announce',
    async (_where, example) => {
      const token = await tokenFor(example.marker);
      const variables = variablesOf(example, fixtures);
      let document: DocumentNode | null = null;
      try {
        document = parse(example.text);
      } catch {
        // Sent as printed all the same: the gateway's answer (GRAPHQL_PARSE_FAILED) is what readers get.
      }
      const operations = document
        ? document.definitions.filter(
            (definition): definition is OperationDefinitionNode =>
              definition.kind === Kind.OPERATION_DEFINITION,
          )
        : [null];
      const errors: ReportedError[] = [];
      for (const operation of operations) {
        errors.push(...(await runOperation(example, operation, variables, token)));
      }

      const expected = example.marker.expect ?? [];
      expect(errors.filter((error) => !expected.includes(error.code))).toEqual([]);
      expect(expected.filter((code) => !errors.some((error) => error.code === code))).toEqual([]);
    },
    90_000,
  );

  const nodeExamples = EXAMPLES.filter((example) => example.kind === 'node');
  it.each(nodeExamples.map((example) => [example.where, example] as const))(
    'should run the Node script at %s and see what its marker expects in its output',
    async (where, example) => {
      const directory = join(repositoryRoot, '.deskgraph', 'readme-examples');
      mkdirSync(directory, { recursive: true });
      // Inside the repository, so the script resolves graphql-ws and ws from its node_modules.
      const script = join(directory, `${where.replace(/[^\w]+/g, '-')}.mjs`);
      writeFileSync(script, example.text);
      const child = spawn(process.execPath, [script], {
        // Only what the README tells the reader to set.
        env: { TOKEN: await tokenFor(example.marker), GATEWAY_URL: stack.gatewayUrl },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      children.push(child);
      let output = '';
      child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const wanted = example.marker.expectOutput ?? '';

      await eventually(
        async () => {
          if (output.includes(wanted)) return true;
          if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode}: ${output}`);
          await createTicket(`Node example ${where}`);
          return false;
        },
        { intervalMs: 2_000, timeoutMs: 60_000, what: `"${wanted}" in the output of ${where}` },
      ).catch((error: Error) => {
        throw new Error(`${error.message}\noutput so far:\n${output}`);
      });
      child.kill();

      expect(output).toContain(wanted);
      expect(output).not.toMatch(/"errors"|Error:/);
    },
    90_000,
  );
});
