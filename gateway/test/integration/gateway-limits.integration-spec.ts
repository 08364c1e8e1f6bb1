import { createHash } from 'node:crypto';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { getIntrospectionQuery, type FormattedExecutionResult } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import {
  eventually,
  graphqlRequest,
  startTestStack,
  TEST_JWT_SECRET,
  TEST_SHARED_SECRET,
  testToken,
  type TestStack,
} from '@deskgraph/infra';
import { parseEnvironment } from '@deskgraph/platform';
import { GATEWAY_ENVIRONMENT } from '../../src/environment';
import { CLOSE_CODES, startGateway, type RunningGateway } from '../../src/server';

// Every refusal of the gateway, over real HTTP and a real WebSocket, with the
// code a client can act on. Limits are set low for this stack only.

const ALLOWED_ORIGIN = 'https://desk.example';
const LIMITS = {
  MAX_QUERY_DEPTH: '6',
  MAX_ALIASES: '3',
  MAX_QUERY_COST: '60',
  MAX_QUERY_TOKENS: '200',
  MAX_REQUEST_BYTES: '4096',
  RATE_LIMIT_PER_SECOND: '5',
  RATE_LIMIT_BURST: '20',
  MAX_SUBSCRIPTIONS_PER_CONNECTION: '2',
  ALLOWED_ORIGINS: ALLOWED_ORIGIN,
};

interface ErrorBody {
  data?: unknown;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

async function post(
  url: string,
  body: unknown,
  token?: string,
): Promise<{ status: number; headers: Headers; body: ErrorBody }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as ErrorBody };
}

/** A raw HTTP exchange as a browser sends it: fetch would not let a test set every header. */
function browserRequest(
  url: string,
  method: 'OPTIONS' | 'POST',
  headers: Record<string, string>,
  body = '',
): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { method, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.once('end', () =>
        resolve({
          status: response.statusCode ?? 0,
          headers: response.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
    });
    request.once('error', reject);
    request.end(body);
  });
}

function wsClient(
  url: string,
  token: string | undefined,
  origin?: string,
  onClose?: (code: number, reason: string) => void,
): Client {
  class OriginWebSocket extends WebSocket {
    constructor(address: string, protocols?: string | string[]) {
      super(address, protocols, origin ? { headers: { origin } } : {});
    }
  }
  return createClient({
    url,
    webSocketImpl: OriginWebSocket,
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
    retryAttempts: 0,
    lazy: false,
    // Refusals are asserted through on.closed; the default handler would only log them.
    onNonLazyError: () => undefined,
    on: {
      closed: (event) => {
        const { code, reason } = event as { code: number; reason: string };
        onClose?.(code, reason);
      },
    },
  });
}

/** Subscribes and resolves with the first result, error or close. */
function firstOutcome(
  client: Client,
  query: string,
): Promise<{ result?: FormattedExecutionResult<Record<string, unknown>, unknown>; errors?: unknown }> {
  return new Promise((resolve) => {
    client.subscribe(
      { query },
      {
        next: (result) => resolve({ result }),
        error: (errors) => resolve({ errors }),
        complete: () => resolve({}),
      },
    );
  });
}

describe('gateway limits and refusals', () => {
  let stack: TestStack;
  let token: string;

  beforeAll(async () => {
    stack = await startTestStack({ env: LIMITS });
    token = await testToken({ userId: 'limits-agent', roles: ['agent'], queueIds: ['general'] });
  }, 180_000);

  afterAll(async () => {
    await stack?.stop();
  }, 60_000);

  it('should refuse a query deeper than the depth limit with BAD_USER_INPUT naming the limit', async () => {
    const deep = `{ queues { id } myOpenTickets { edges { node { mergedInto { mergedInto { mergedInto { id } } } } } } }`;

    const { status, body } = await post(stack.gatewayUrl, { query: deep }, token);

    expect(status).toBe(400);
    expect(body.errors?.[0]).toMatchObject({
      message: expect.stringContaining('depth limit of 6'),
      extensions: { code: 'BAD_USER_INPUT', limit: 'maxDepth' },
    });
  });

  it('should refuse more aliases than allowed with BAD_USER_INPUT naming the limit', async () => {
    const { body } = await post(
      stack.gatewayUrl,
      { query: '{ a: queues { id } b: queues { id } c: queues { id } d: queues { id } }' },
      token,
    );

    expect(body.errors?.[0]).toMatchObject({
      message: expect.stringContaining('Aliases limit of 3'),
      extensions: { code: 'BAD_USER_INPUT', limit: 'maxAliases' },
    });
  });

  it('should refuse a query above the cost limit with BAD_USER_INPUT naming the limit', async () => {
    const expensive = `{ queues { ${Array.from({ length: 60 }, () => 'id').join(' ')} } }`;

    const { body } = await post(stack.gatewayUrl, { query: expensive }, token);

    expect(body.errors?.[0]).toMatchObject({
      message: expect.stringContaining('Cost limit of 60'),
      extensions: { code: 'BAD_USER_INPUT', limit: 'maxCost' },
    });
  });

  it('should accept a query inside every limit', async () => {
    const { status, body } = await post(stack.gatewayUrl, { query: '{ queues { id name } }' }, token);

    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
  });

  it('should refuse a document with more tokens than allowed with BAD_USER_INPUT naming the limit', async () => {
    const fields = Array.from({ length: 300 }, () => 'id').join(' ');

    const { body } = await post(stack.gatewayUrl, { query: `{ queues { ${fields} } }` }, token);

    expect(body.errors?.[0]).toMatchObject({
      message: expect.stringContaining('Token limit of 200'),
      extensions: { code: 'BAD_USER_INPUT' },
    });
  });

  it.each([
    ['maxDepth', '{ myOpenTickets { edges { node { mergedInto { mergedInto { mergedInto { id } } } } } } }'],
    ['maxAliases', '{ a: __typename b: __typename c: __typename d: __typename }'],
    ['maxCost', `{ queues { ${Array.from({ length: 60 }, () => 'id').join(' ')} } }`],
    ['maxTokens', `{ ${Array.from({ length: 100 }, (_, index) => `a${index}: __typename`).join(' ')} }`],
  ])('should answer HTTP 400 with BAD_USER_INPUT, never 500, when %s refuses', async (limit, query) => {
    const { status, body } = await post(stack.gatewayUrl, { query }, token);

    expect(status).toBe(400);
    expect(body.errors?.[0].extensions).toEqual({ code: 'BAD_USER_INPUT', limit });
  });

  it('should refuse an introspection query nested 40 ofType levels deep with HTTP 400', async () => {
    const ofTypes = Array.from({ length: 40 }).reduce<string>((inner) => `ofType { ${inner} }`, 'name');

    const { status, body } = await post(
      stack.gatewayUrl,
      { query: `{ __schema { types { ${ofTypes} } } }` },
      token,
    );

    expect(status).toBe(400);
    expect(body.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          message: expect.stringContaining('Introspection: Query depth limit of 24 exceeded'),
          extensions: { code: 'BAD_USER_INPUT', limit: 'maxIntrospectionDepth' },
        }),
      ]),
    );
  });

  it('should still answer the standard introspection query of GraphiQL and codegen', async () => {
    const { status, body } = await post(stack.gatewayUrl, { query: getIntrospectionQuery() }, token);

    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
  });

  it('should refuse a subscription document above the token limit with BAD_USER_INPUT', async () => {
    const client = wsClient(stack.wsUrl, token);
    const outcome = await firstOutcome(
      client,
      `subscription { queueUpdates(queueIds: ["general"]) { ${Array.from({ length: 300 }, () => 'kind').join(' ')} } }`,
    );
    await client.dispose();

    expect(outcome.errors).toEqual([
      expect.objectContaining({
        message: expect.stringContaining('Token limit of 200 exceeded'),
        extensions: { code: 'BAD_USER_INPUT', limit: 'maxTokens' },
      }),
    ]);
  });

  it('should answer 413 PAYLOAD_TOO_LARGE with the limit when the body exceeds it', async () => {
    const { status, body } = await post(
      stack.gatewayUrl,
      { query: '{ queues { id } }', variables: { padding: 'x'.repeat(5_000) } },
      token,
    );

    expect(status).toBe(413);
    expect(body.errors?.[0]).toMatchObject({
      message: expect.stringContaining('4096 bytes'),
      extensions: { code: 'PAYLOAD_TOO_LARGE', maxRequestBytes: 4096 },
    });
  });

  it('should answer 400 BAD_REQUEST, not a stack trace, when the body is not JSON', async () => {
    const { status, body } = await post(stack.gatewayUrl, '{"query": ', token);

    expect(status).toBe(400);
    expect(body.errors?.[0].extensions).toEqual({ code: 'BAD_REQUEST' });
  });

  describe('malformed input', () => {
    const DATE_TIME_FORMAT = 'an ISO 8601 date-time with a UTC offset';
    let supervisor: string;

    beforeAll(async () => {
      supervisor = await testToken({
        userId: 'input-supervisor',
        roles: ['supervisor'],
        queueIds: ['general'],
      });
    });

    it('should refuse a malformed DateTime literal with BAD_USER_INPUT naming the argument and the format', async () => {
      const metrics = await post(
        stack.gatewayUrl,
        {
          query: '{ ticketMetrics(period:{from:"yesterday", to:"2026-12-01T00:00:00Z"}){ volume{ total } } }',
        },
        supervisor,
      );
      const tickets = await post(
        stack.gatewayUrl,
        {
          query:
            '{ tickets(filter:{queueIds:["general"], createdFrom:"2026-13-45"}, first:1){ totalCount } }',
        },
        supervisor,
      );

      expect(metrics.status).toBe(400);
      expect(metrics.body.errors).toEqual([
        {
          message: expect.stringMatching(
            /^Argument "period.from" of "ticketMetrics" \("yesterday"\) is not a DateTime/,
          ),
          extensions: { code: 'BAD_USER_INPUT' },
        },
      ]);
      expect(metrics.body.errors?.[0].message).toContain(DATE_TIME_FORMAT);
      expect(tickets.body.errors?.[0]).toMatchObject({
        message: expect.stringContaining('Argument "filter.createdFrom" of "tickets"'),
        extensions: { code: 'BAD_USER_INPUT' },
      });
    });

    it('should refuse a malformed DateTime variable with BAD_USER_INPUT naming the variable path', async () => {
      const { status, body } = await post(
        stack.gatewayUrl,
        {
          query: 'query($filter: TicketFilter){ tickets(filter:$filter, first:1){ totalCount } }',
          variables: { filter: { queueIds: ['general'], createdFrom: '2026-13-45' } },
        },
        supervisor,
      );

      expect(status).toBe(400);
      expect(body.errors?.[0]).toMatchObject({
        message: expect.stringContaining(
          `Variable "$filter.createdFrom" ("2026-13-45") is not a DateTime; it must be ${DATE_TIME_FORMAT}`,
        ),
        extensions: { code: 'BAD_USER_INPUT' },
      });
    });

    it('should refuse a NUL character with BAD_USER_INPUT before a ticket number is taken', async () => {
      const create = (description: string) =>
        post(
          stack.gatewayUrl,
          {
            query: 'mutation($input: CreateTicketInput!){ createTicket(input:$input){ number } }',
            variables: {
              input: {
                title: 'Printer jam',
                description,
                channel: 'APP',
                type: 'FAULT_REPORT',
                queueId: 'general',
                customer: { id: 'C-NUL', name: 'Nul Customer' },
              },
            },
          },
          supervisor,
        );
      const sequence = (response: Awaited<ReturnType<typeof create>>) =>
        Number(
          (response.body.data as { createTicket: { number: string } }).createTicket.number.split('-')[1],
        );

      const before = await create('Paper stuck');
      const refused = await create('x\u0000y');
      const after = await create('Paper stuck again');

      expect(refused.status).toBe(400);
      expect(refused.body.errors).toEqual([
        {
          message:
            'Variable "$input.description" contains a NUL character (U+0000), which text may not contain.',
          extensions: { code: 'BAD_USER_INPUT' },
        },
      ]);
      expect(sequence(after)).toBe(sequence(before) + 1);
    });
  });

  it('should rate-limit one user with 429 RATE_LIMITED while another user is still served', async () => {
    const busy = await testToken({ userId: 'busy-agent', roles: ['agent'], queueIds: ['general'] });
    const calm = await testToken({ userId: 'calm-agent', roles: ['agent'], queueIds: ['general'] });

    const responses = await Promise.all(
      Array.from({ length: 40 }, () => post(stack.gatewayUrl, { query: '{ __typename }' }, busy)),
    );
    const refused = responses.filter((response) => response.status === 429);

    expect(refused.length).toBeGreaterThan(0);
    expect(refused[0].body.errors?.[0]).toMatchObject({
      message: expect.stringContaining('at most 5/s'),
      extensions: { code: 'RATE_LIMITED' },
    });
    expect(Number(refused[0].headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const other = await post(stack.gatewayUrl, { query: '{ __typename }' }, calm);
    expect(other.status).toBe(200);
  });

  it('should run an automatic persisted query by hash once the gateway has seen it', async () => {
    const query = '{ queues { id name } }';
    const sha256Hash = createHash('sha256').update(query).digest('hex');
    const persistedQuery = { version: 1, sha256Hash };

    const unknown = await post(stack.gatewayUrl, { extensions: { persistedQuery } }, token);
    expect(unknown.body.errors?.[0].extensions?.code).toBe('PERSISTED_QUERY_NOT_FOUND');

    const registered = await post(stack.gatewayUrl, { query, extensions: { persistedQuery } }, token);
    expect(registered.body.errors).toBeUndefined();

    const byHash = await post(stack.gatewayUrl, { extensions: { persistedQuery } }, token);
    expect(byHash.body).toEqual(registered.body);
  });

  it('should refuse a persisted query whose hash does not match its text', async () => {
    const persistedQuery = { version: 1, sha256Hash: createHash('sha256').update('{ other }').digest('hex') };

    const { body } = await post(
      stack.gatewayUrl,
      { query: '{ queues { id } }', extensions: { persistedQuery } },
      token,
    );

    expect(body.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('should refuse a subscription above the depth limit over graphql-ws', async () => {
    const client = wsClient(stack.wsUrl, token);
    const outcome = await firstOutcome(
      client,
      'subscription { queueUpdates(queueIds: ["general"]) { ticket { mergedInto { mergedInto { mergedInto { mergedInto { id } } } } } } }',
    );
    await client.dispose();

    expect(outcome.errors).toEqual([
      expect.objectContaining({
        message: expect.stringContaining('depth limit of 6'),
        extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }),
      }),
    ]);
  });

  it('should refuse a subscription beyond the per-connection maximum', async () => {
    const many = await testToken({ userId: 'many-subs', roles: ['supervisor'], queueIds: ['general'] });
    const client = wsClient(stack.wsUrl, many);
    const query = 'subscription { queueUpdates(queueIds: ["general"]) { kind } }';
    client.subscribe({ query }, { next: () => undefined, error: () => undefined, complete: () => undefined });
    client.subscribe({ query }, { next: () => undefined, error: () => undefined, complete: () => undefined });

    const third = await firstOutcome(client, query);
    await client.dispose();

    expect(third.errors).toEqual([
      expect.objectContaining({
        message: 'At most 2 subscriptions per connection.',
        extensions: expect.objectContaining({ code: 'RATE_LIMITED' }),
      }),
    ]);
  });

  it('should close the socket with 4403 when the Origin is not allowed', async () => {
    const closes: number[] = [];
    const client = wsClient(stack.wsUrl, token, 'https://evil.example', (code) => closes.push(code));
    await firstOutcome(client, 'subscription { queueUpdates(queueIds: ["general"]) { kind } }').catch(
      () => undefined,
    );
    await eventually(async () => closes.length > 0, { what: 'the socket to close' });
    await client.dispose();

    expect(closes[0]).toBe(CLOSE_CODES.forbidden);
  });

  it('should accept a socket from an allowed Origin', async () => {
    const client = wsClient(stack.wsUrl, token, ALLOWED_ORIGIN);
    const connected = new Promise<void>((resolve) => client.on('connected', () => resolve()));
    await connected;
    await client.dispose();
  });

  it('should close the socket with 4401 when the token expires while connected', async () => {
    const closes: { code: number; reason: string }[] = [];
    const shortLived = await testToken({
      userId: 'short-lived',
      roles: ['supervisor'],
      queueIds: ['general'],
      expiresIn: Math.floor(Date.now() / 1000) + 2,
    });
    const client = wsClient(stack.wsUrl, shortLived, undefined, (code, reason) =>
      closes.push({ code, reason }),
    );
    client.subscribe(
      { query: 'subscription { queueUpdates(queueIds: ["general"]) { kind } }' },
      { next: () => undefined, error: () => undefined, complete: () => undefined },
    );

    await eventually(async () => closes.length > 0, {
      timeoutMs: 15_000,
      what: 'the socket to close at expiry',
    });
    await client.dispose();

    expect(closes[0]).toEqual({ code: CLOSE_CODES.unauthorized, reason: 'Token expired' });
  });

  it('should close the socket with 4401 when the token has already expired at connection_init', async () => {
    const closes: { code: number; reason: string }[] = [];
    const expired = await testToken({
      userId: 'expired',
      roles: ['supervisor'],
      queueIds: ['general'],
      expiresIn: Math.floor(Date.now() / 1000) - 10,
    });
    const client = wsClient(stack.wsUrl, expired, undefined, (code, reason) => closes.push({ code, reason }));

    await eventually(async () => closes.length > 0, { what: 'the socket to close' });
    await client.dispose();

    expect(closes[0]).toEqual({ code: CLOSE_CODES.unauthorized, reason: 'Token expired' });
  });

  describe('CORS for browser frontends', () => {
    const preflight = (origin: string) =>
      browserRequest(stack.gatewayUrl, 'OPTIONS', {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type',
      });
    const jsonPost = (origin: string) =>
      browserRequest(
        stack.gatewayUrl,
        'POST',
        { origin, 'content-type': 'application/json', authorization: `Bearer ${token}` },
        JSON.stringify({ query: '{ __typename }' }),
      );

    it('should answer a preflight from an allowed origin with 204 and the CORS headers', async () => {
      const { status, headers } = await preflight(ALLOWED_ORIGIN);

      expect(status).toBe(204);
      expect(headers['access-control-allow-origin']).toBe(ALLOWED_ORIGIN);
      expect(headers['access-control-allow-methods']).toContain('POST');
      expect(headers['access-control-allow-headers']).toEqual(
        expect.stringMatching(/authorization.*content-type.*idempotency-key/),
      );
      expect(headers['access-control-max-age']).toBe('600');
      expect(headers.vary).toMatch(/Origin/);
    });

    it('should add Access-Control-Allow-Origin to a POST from an allowed origin', async () => {
      const { status, headers, body } = await jsonPost(ALLOWED_ORIGIN);

      expect(status).toBe(200);
      expect(JSON.parse(body)).toEqual({ data: { __typename: 'Query' } });
      expect(headers['access-control-allow-origin']).toBe(ALLOWED_ORIGIN);
      expect(headers['access-control-expose-headers']).toBe('retry-after');
    });

    it('should send no CORS headers to an origin that is not allowed', async () => {
      const [refusedPreflight, refusedPost] = await Promise.all([
        preflight('https://evil.example'),
        jsonPost('https://evil.example'),
      ]);

      expect(refusedPreflight.headers['access-control-allow-origin']).toBeUndefined();
      expect(refusedPreflight.headers['access-control-allow-headers']).toBeUndefined();
      expect(refusedPost.headers['access-control-allow-origin']).toBeUndefined();
    });

    it('should still refuse a simple cross-site request as CSRF', async () => {
      const { status, body } = await browserRequest(
        stack.gatewayUrl,
        'POST',
        { origin: ALLOWED_ORIGIN, 'content-type': 'text/plain' },
        JSON.stringify({ query: 'mutation { __typename }' }),
      );

      expect(status).toBe(400);
      expect(JSON.parse(body).errors[0]).toMatchObject({
        message: expect.stringContaining('Cross-Site Request Forgery'),
        extensions: { code: 'BAD_REQUEST' },
      });
    });

    it('should not send X-Powered-By', async () => {
      const { headers } = await jsonPost(ALLOWED_ORIGIN);

      expect(headers['x-powered-by']).toBeUndefined();
    });
  });

  it('should answer UNAUTHENTICATED with 401 when an HTTP token is invalid', async () => {
    const { status, body } = await post(stack.gatewayUrl, { query: '{ __typename }' }, 'not-a-jwt');

    expect(status).toBe(401);
    expect(body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('should never send a stack trace in an error', async () => {
    const responses = await Promise.all([
      graphqlRequest(stack.gatewayUrl, '{ ticket(id: "not-a-uuid") { id } }', {}, token),
      graphqlRequest(stack.gatewayUrl, '{ nope }', {}, token),
    ]);

    for (const response of responses) {
      expect(response.errors?.length).toBeGreaterThan(0);
      expect(JSON.stringify(response.errors)).not.toMatch(/stacktrace|\bat .+\.js:\d+/);
    }
  });

  describe('in production mode', () => {
    let production: RunningGateway;

    beforeAll(async () => {
      const environment = parseEnvironment(GATEWAY_ENVIRONMENT, {
        NODE_ENV: 'production',
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        KAFKA_BROKERS: stack.kafkaBrokers,
        KAFKA_NAMESPACE: stack.namespace,
        JWT_SECRET: TEST_JWT_SECRET,
        GATEWAY_SHARED_SECRET: TEST_SHARED_SECRET,
        SUBGRAPH_URLS: Object.entries(stack.subgraphUrls)
          .map(([name, url]) => `${name}=${url}`)
          .join(','),
      });
      production = await startGateway(environment);
    }, 60_000);

    afterAll(async () => {
      await production?.stop();
    });

    it('should refuse introspection', async () => {
      const { body } = await post(production.url, { query: '{ __schema { types { name } } }' }, token);

      expect(body.errors?.[0]).toMatchObject({ extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
      expect(body.errors?.[0].message).toMatch(/introspection/i);
    });

    it('should not suggest field names when a query misspells one', async () => {
      const { body } = await post(production.url, { query: '{ queues { nam } }' }, token);

      expect(body.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
      expect(body.errors?.[0].message).not.toMatch(/Did you mean/);
    });

    it('should still serve a valid query', async () => {
      const { body } = await post(production.url, { query: '{ queues { id } }' }, token);

      expect(body.errors).toBeUndefined();
    });
  });
});
