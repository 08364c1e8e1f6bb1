import { randomUUID } from 'node:crypto';
import { Client as PgClient } from 'pg';
import {
  eventually,
  graphqlOk,
  graphqlRequest,
  startTestStack,
  testToken,
  type GraphQLResponse,
  type TestStack,
} from '@deskgraph/infra';

// Intake under load and retries: ticket numbers taken without serialising
// creations, and idempotency keys that make a retried mutation safe.

/** POSTs to the gateway with an Idempotency-Key header, as an HTTP client retrying a request would. */
async function postWithKey<TData = Record<string, unknown>>(
  url: string,
  query: string,
  variables: Record<string, unknown>,
  token: string,
  idempotencyKey: string,
): Promise<GraphQLResponse<TData>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${token}`,
      'idempotency-key': idempotencyKey,
    },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as GraphQLResponse<TData>;
}

const CREATE = `mutation($input: CreateTicketInput!) { createTicket(input: $input) { id number } }`;

describe('tickets: intake', () => {
  let stack: TestStack;
  let database: PgClient;
  let agent: string;
  let otherAgent: string;

  beforeAll(async () => {
    // Hundreds of requests from one test user must not meet the per-user rate limit.
    stack = await startTestStack({
      env: {
        RATE_LIMIT_PER_SECOND: '100000',
        RATE_LIMIT_BURST: '100000',
        LIFECYCLE_SWEEP_SECONDS: '1',
        RETENTION_SWEEP_SECONDS: '1',
      },
    });
    database = new PgClient({ connectionString: stack.databaseUrl });
    await database.connect();
    agent = await testToken({ roles: ['agent'], userId: 'a1', queueIds: ['general'] });
    otherAgent = await testToken({ roles: ['agent'], userId: 'a2', queueIds: ['general'] });
  }, 180_000);

  afterAll(async () => {
    await database?.end();
    await stack?.stop();
  }, 60_000);

  const ticketInput = (title: string) => ({
    title,
    description: 'The app shows error 500 at checkout',
    channel: 'APP',
    customer: { id: 'C-7', name: 'Han Mei' },
    queueId: 'general',
  });

  it('should give 500 parallel creations 500 unique, gap-free numbers of the month', async () => {
    const results = await Promise.all(
      Array.from({ length: 500 }, (_, index) =>
        graphqlRequest<{ createTicket: { id: string; number: string } }>(
          stack.gatewayUrl,
          CREATE,
          { input: ticketInput(`Parallel ${index}`) },
          agent,
        ),
      ),
    );

    const failures = results.filter((result) => result.errors?.length);
    expect(failures).toEqual([]);
    const numbers = results.map((result) => result.data!.createTicket.number);
    expect(new Set(numbers).size).toBe(500);
    const months = new Set(numbers.map((number) => number.split('-')[0]));
    expect(months.size).toBe(1);
    const sequences = numbers.map((number) => Number(number.split('-')[1])).sort((a, b) => a - b);
    expect(sequences[499] - sequences[0]).toBe(499);
    const { rows } = await database.query(
      `SELECT count(*)::int AS tickets, count(DISTINCT number)::int AS numbers FROM tickets.tickets`,
    );
    expect(rows[0]).toEqual({ tickets: 500, numbers: 500 });
  }, 120_000);

  it('should continue the month after the last number when tickets are created one after another', async () => {
    const first = await graphqlOk(stack.gatewayUrl, CREATE, { input: ticketInput('Next one') }, agent);
    const second = await graphqlOk(stack.gatewayUrl, CREATE, { input: ticketInput('And the next') }, agent);
    const [month, sequence] = first.createTicket.number.split('-');
    expect(Number(sequence)).toBeGreaterThan(500);
    expect(second.createTicket.number).toBe(`${month}-${String(Number(sequence) + 1).padStart(3, '0')}`);
  });

  /** Rows a ticket has: itself (by title), CREATED timeline entries and created events in the outbox. */
  async function createdTrail(title: string) {
    const { rows } = await database.query(
      `SELECT
         (SELECT count(*)::int FROM tickets.tickets WHERE title = $1) AS tickets,
         (SELECT count(*)::int FROM tickets.timeline l JOIN tickets.tickets t ON t.id = l.ticket_id
           WHERE t.title = $1 AND l.action = 'CREATED') AS timeline,
         (SELECT count(*)::int FROM tickets.outbox o JOIN tickets.tickets t ON o.message_key = t.id::text
           WHERE t.title = $1 AND o.event_type = 'deskgraph.ticket.created.v1') AS events`,
      [title],
    );
    return rows[0];
  }

  describe('idempotent creation', () => {
    it('should return the first ticket when a request is retried with the same Idempotency-Key header', async () => {
      const key = randomUUID();
      const input = ticketInput('Header retry');
      const first = await postWithKey(stack.gatewayUrl, CREATE, { input }, agent, key);
      const retry = await postWithKey(stack.gatewayUrl, CREATE, { input }, agent, key);

      expect(first.errors).toBeUndefined();
      expect(retry).toEqual(first);
      expect(await createdTrail('Header retry')).toEqual({ tickets: 1, timeline: 1, events: 1 });
    });

    it('should create one ticket when 10 retries with the same key run at once', async () => {
      const input = { ...ticketInput('Concurrent retries'), idempotencyKey: randomUUID() };
      const results = await Promise.all(
        Array.from({ length: 10 }, () => graphqlRequest(stack.gatewayUrl, CREATE, { input }, agent)),
      );

      expect(results.flatMap((result) => result.errors ?? [])).toEqual([]);
      expect(new Set(results.map((result) => JSON.stringify(result.data))).size).toBe(1);
      expect(await createdTrail('Concurrent retries')).toEqual({ tickets: 1, timeline: 1, events: 1 });
    });

    it('should refuse the same key with different input as IDEMPOTENCY_KEY_REUSED', async () => {
      const key = randomUUID();
      await graphqlOk(
        stack.gatewayUrl,
        CREATE,
        { input: { ...ticketInput('Reused key'), idempotencyKey: key } },
        agent,
      );
      const reused = await graphqlRequest(
        stack.gatewayUrl,
        CREATE,
        { input: { ...ticketInput('Another ticket'), idempotencyKey: key } },
        agent,
      );

      expect(reused.data).toBeNull();
      expect(reused.errors![0].extensions).toMatchObject({
        code: 'CONFLICT',
        reason: 'IDEMPOTENCY_KEY_REUSED',
        operation: 'createTicket',
      });
      expect(reused.errors![0].message).toContain('new key');
      expect(await createdTrail('Another ticket')).toEqual({ tickets: 0, timeline: 0, events: 0 });
    });

    it('should keep keys apart per caller when two callers use the same key', async () => {
      const input = { ...ticketInput('Same key, two callers'), idempotencyKey: 'shared-key-1' };
      const mine = await graphqlOk(stack.gatewayUrl, CREATE, { input }, agent);
      const theirs = await graphqlOk(stack.gatewayUrl, CREATE, { input }, otherAgent);

      expect(theirs.createTicket.id).not.toBe(mine.createTicket.id);
      expect(await createdTrail('Same key, two callers')).toEqual({ tickets: 2, timeline: 2, events: 2 });
    });

    it('should run a failed attempt again when it is retried, since nothing of it was kept', async () => {
      const key = randomUUID();
      const input = { ...ticketInput('Failed first'), queueId: 'no-such-queue', idempotencyKey: key };
      const failed = await graphqlRequest(stack.gatewayUrl, CREATE, { input }, agent);
      const failedAgain = await graphqlRequest(stack.gatewayUrl, CREATE, { input }, agent);
      const corrected = await graphqlOk(
        stack.gatewayUrl,
        CREATE,
        { input: { ...input, queueId: 'general' } },
        agent,
      );

      expect(failed.errors![0].extensions?.code).toBe('NOT_FOUND');
      expect(failedAgain.errors![0].extensions?.code).toBe('NOT_FOUND');
      expect(corrected.createTicket.number).toMatch(/^\d{6}-\d{3,}$/);
    });

    it('should refuse a header and an input key that differ, and keys that are not printable ASCII', async () => {
      const both = await postWithKey(
        stack.gatewayUrl,
        CREATE,
        { input: { ...ticketInput('Two keys'), idempotencyKey: 'one' } },
        agent,
        'two',
      );
      const blank = await graphqlRequest(
        stack.gatewayUrl,
        CREATE,
        { input: { ...ticketInput('Blank key'), idempotencyKey: 'with space' } },
        agent,
      );

      expect(both.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
      expect(blank.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
      expect(await createdTrail('Two keys')).toEqual({ tickets: 0, timeline: 0, events: 0 });
    });

    it('should return the first ticket when the retry reaches a restarted tickets process', async () => {
      const key = randomUUID();
      const input = ticketInput('Across a restart');
      const first = await postWithKey<{ createTicket: { id: string; number: string } }>(
        stack.gatewayUrl,
        CREATE,
        { input },
        agent,
        key,
      );
      expect(first.errors).toBeUndefined();

      await stack.processes.tickets.kill();
      await stack.processes.tickets.start();
      // The client retries until the desk answers again, as one would after a timeout.
      const retry = await eventually(
        async () => {
          const response = await postWithKey(stack.gatewayUrl, CREATE, { input }, agent, key);
          return response.errors ? undefined : response;
        },
        { what: 'the retry to be answered' },
      );

      expect(retry).toEqual(first);
      expect(await createdTrail('Across a restart')).toEqual({ tickets: 1, timeline: 1, events: 1 });
    }, 120_000);
  });

  describe('idempotent replies, compensation proposals and visits', () => {
    let complaintId: string;

    beforeAll(async () => {
      const { createTicket } = await graphqlOk(
        stack.gatewayUrl,
        CREATE,
        { input: { ...ticketInput('Complaint for retries'), type: 'COMPLAINT' } },
        agent,
      );
      complaintId = createTicket.id;
    });

    const count = async (sql: string) => (await database.query(sql, [complaintId])).rows[0].count as number;

    it('should send a reply once when 5 retries with the same key run at once', async () => {
      const input = {
        ticketId: complaintId,
        body: '您好，我们正在处理您的问题，谢谢',
        idempotencyKey: randomUUID(),
      };
      const results = await Promise.all(
        Array.from({ length: 5 }, () =>
          graphqlRequest(
            stack.gatewayUrl,
            `mutation($input: ReplyInput!) { replyToTicket(input: $input) { message { id } ticket { id } } }`,
            { input },
            agent,
          ),
        ),
      );

      expect(results.flatMap((result) => result.errors ?? [])).toEqual([]);
      expect(new Set(results.map((result) => JSON.stringify(result.data))).size).toBe(1);
      expect(await count(`SELECT count(*)::int FROM tickets.messages WHERE ticket_id = $1`)).toBe(1);
      expect(
        await count(`SELECT count(*)::int FROM tickets.timeline WHERE ticket_id = $1 AND action = 'REPLIED'`),
      ).toBe(1);
      expect(
        await count(
          `SELECT count(*)::int FROM tickets.outbox WHERE message_key = $1::text AND event_type = 'deskgraph.ticket.replied.v1'`,
        ),
      ).toBe(1);
    });

    it('should propose compensation once when the proposal is retried with the same header', async () => {
      const key = randomUUID();
      const propose = `mutation($input: ProposeCompensationInput!) { proposeCompensation(input: $input) { id status } }`;
      const input = {
        ticketId: complaintId,
        kind: 'COUPON',
        amount: 20,
        currency: 'CNY',
        reason: 'late delivery',
      };
      const first = await postWithKey(stack.gatewayUrl, propose, { input }, agent, key);
      const retry = await postWithKey(stack.gatewayUrl, propose, { input }, agent, key);
      const changed = await postWithKey(
        stack.gatewayUrl,
        propose,
        { input: { ...input, amount: 50 } },
        agent,
        key,
      );

      expect(first.errors).toBeUndefined();
      expect(retry).toEqual(first);
      expect(changed.errors![0].extensions).toMatchObject({
        code: 'CONFLICT',
        reason: 'IDEMPOTENCY_KEY_REUSED',
      });
      expect(await count(`SELECT count(*)::int FROM tickets.compensations WHERE ticket_id = $1`)).toBe(1);
      expect(
        await count(
          `SELECT count(*)::int FROM tickets.timeline WHERE ticket_id = $1 AND action = 'COMPENSATION_PROPOSED'`,
        ),
      ).toBe(1);
    });

    it('should return the scheduled visit on a retry instead of refusing it as already open', async () => {
      const schedule = `mutation($input: ScheduleVisitInput!) { scheduleVisit(input: $input) { id kind dueAt } }`;
      const input = {
        ticketId: complaintId,
        kind: 'FOLLOW_UP',
        dueAt: new Date(Date.now() + 86_400_000).toISOString(),
        idempotencyKey: randomUUID(),
      };
      const first = await graphqlRequest(stack.gatewayUrl, schedule, { input }, agent);
      const retry = await graphqlRequest(stack.gatewayUrl, schedule, { input }, agent);
      const unkeyed = await graphqlRequest(
        stack.gatewayUrl,
        schedule,
        { input: { ...input, idempotencyKey: undefined } },
        agent,
      );

      expect(first.errors).toBeUndefined();
      expect(retry).toEqual(first);
      expect(unkeyed.errors![0].extensions?.code).toBe('CONFLICT');
      expect(
        await count(
          `SELECT count(*)::int FROM tickets.timeline WHERE ticket_id = $1 AND action = 'VISIT_SCHEDULED'`,
        ),
      ).toBe(1);
    });

    it('should refuse a key first used on another mutation', async () => {
      const key = randomUUID();
      await postWithKey(
        stack.gatewayUrl,
        CREATE,
        { input: ticketInput('Key used for creation') },
        agent,
        key,
      );
      const reply = await postWithKey(
        stack.gatewayUrl,
        `mutation($input: ReplyInput!) { replyToTicket(input: $input) { message { id } } }`,
        { input: { ticketId: complaintId, body: 'internal', visibility: 'INTERNAL' } },
        agent,
        key,
      );

      expect(reply.errors![0].extensions).toMatchObject({
        code: 'CONFLICT',
        reason: 'IDEMPOTENCY_KEY_REUSED',
        operation: 'createTicket',
      });
    });
  });

  it('should forget keys older than the retention period', async () => {
    await database.query(
      `INSERT INTO tickets.idempotency_keys (caller_id, key, operation, fingerprint, result, created_at)
       VALUES ('a1', 'old-key', 'createTicket', 'x', '{}', now() - interval '25 hours'),
              ('a1', 'young-key', 'createTicket', 'x', '{}', now() - interval '23 hours')`,
    );

    await eventually(
      async () =>
        (await database.query(`SELECT 1 FROM tickets.idempotency_keys WHERE key = 'old-key'`)).rowCount === 0,
      { what: 'the old key to be purged' },
    );
    const { rowCount } = await database.query(
      `SELECT 1 FROM tickets.idempotency_keys WHERE key = 'young-key'`,
    );
    expect(rowCount).toBe(1);
  });
});
