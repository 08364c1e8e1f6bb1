import { Client as PgClient } from 'pg';
import { graphqlOk, graphqlRequest, startTestStack, testToken, type TestStack } from '@deskgraph/infra';

// Intake under load: ticket numbers taken without serialising creations.

const CREATE = `mutation($input: CreateTicketInput!) { createTicket(input: $input) { id number } }`;

describe('tickets: intake', () => {
  let stack: TestStack;
  let database: PgClient;
  let agent: string;

  beforeAll(async () => {
    // Hundreds of requests from one test user must not meet the per-user rate limit.
    stack = await startTestStack({
      env: { RATE_LIMIT_PER_SECOND: '100000', RATE_LIMIT_BURST: '100000', LIFECYCLE_SWEEP_SECONDS: '1' },
    });
    database = new PgClient({ connectionString: stack.databaseUrl });
    await database.connect();
    agent = await testToken({ roles: ['agent'], userId: 'a1', queueIds: ['general'] });
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
});
