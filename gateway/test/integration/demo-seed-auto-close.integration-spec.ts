import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client as PgClient } from 'pg';
import { eventually, startTestStack, TEST_JWT_SECRET, type TestStack } from '@deskgraph/infra';
import { SEED_TIME_HEADER } from '../../src/auth/seed-clock';
import { seedDesk } from '../../src/seed/seed-desk';

// The seed replays four weeks in minutes while the desk's auto-close runs on
// the wall clock, so a ticket resolved weeks ago in the history is closed by
// the lifecycle sweep as soon as it is resolved, possibly before the seed
// plays its customer's confirmation. `npm start -- --demo` used to stop there
// ("Only a RESOLVED ticket can be confirmed"). A proxy in front of the gateway
// holds the seed's first confirmation until the sweep has closed that ticket,
// so the race is lost every time.

const TICKETS = 6;
const SEED = 7;
const AUTH = { secret: TEST_JWT_SECRET, issuer: 'deskgraph', audience: 'deskgraph' };

describe('demo seed while the desk auto-closes', () => {
  let stack: TestStack;
  let db: PgClient;
  let proxy: Server;
  let heldTicketId: string | null = null;

  beforeAll(async () => {
    stack = await startTestStack({ env: { LIFECYCLE_SWEEP_SECONDS: '1' } });
    db = new PgClient({ connectionString: stack.databaseUrl });
    await db.connect();
    proxy = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', async () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const { query, variables } = JSON.parse(body) as {
          query: string;
          variables?: { input?: { ticketId?: string } };
        };
        if (heldTicketId === null && query.includes('confirmResolution')) {
          heldTicketId = variables!.input!.ticketId!;
          await eventually(
            async () =>
              (await db.query(`SELECT auto_closed FROM tickets.tickets WHERE id = $1`, [heldTicketId]))
                .rows[0]?.auto_closed === true,
            { timeoutMs: 60_000, intervalMs: 200, what: 'the sweep to auto-close the resolved ticket' },
          );
        }
        const forwarded = await fetch(stack.gatewayUrl, {
          method: 'POST',
          headers: Object.fromEntries(
            ['content-type', 'authorization', SEED_TIME_HEADER]
              .filter((name) => request.headers[name] !== undefined)
              .map((name) => [name, String(request.headers[name])]),
          ),
          body,
        });
        response.writeHead(forwarded.status, { 'content-type': 'application/json' });
        response.end(await forwarded.text());
      });
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  }, 180_000);

  afterAll(async () => {
    await new Promise((resolve) => proxy?.close(resolve));
    await db?.end();
    await stack?.stop();
  }, 60_000);

  it('should finish the desk and leave the ticket closed when auto-close beats the customer', async () => {
    const url = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/graphql`;
    const lines: string[] = [];
    const report = await seedDesk({
      url,
      auth: AUTH,
      tickets: TICKETS,
      seed: SEED,
      log: (line) => lines.push(line),
    });

    expect(heldTicketId).not.toBeNull();
    expect(report.created.tickets).toBe(TICKETS);
    const { rows } = await db.query(
      `SELECT status, auto_closed, satisfaction FROM tickets.tickets WHERE id = $1`,
      [heldTicketId],
    );
    expect(rows[0]).toMatchObject({ status: 'CLOSED', auto_closed: true, satisfaction: null });
    expect(lines.some((line) => /auto-closed by the desk before their customer confirmed/.test(line))).toBe(
      true,
    );
  }, 900_000);
});
