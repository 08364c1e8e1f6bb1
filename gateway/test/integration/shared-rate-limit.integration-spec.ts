import { randomBytes } from 'node:crypto';
import { createServer, Socket, type Server } from 'node:net';
import { createLogger } from '@deskgraph/platform';
import { freePort, testRedisUrl } from '@deskgraph/infra';
import { redisRateLimiter, type RateLimiter, type Taken } from '../../src/limits/rate-limiter';

// Per-user limits shared by gateway replicas through Redis, and what happens
// when Redis cannot be reached: each replica falls back to its own limit.

const logger = createLogger('rate-limit-test', 'silent');
const LIMIT = { perSecond: 0.1, burst: 5 }; // 5 per 50 s window: nothing refills during a test

/** A TCP proxy in front of Redis that the test can cut, as a network partition would. */
async function redisProxy(target: URL): Promise<{ url: string; cut(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = new Socket();
    upstream.connect(Number(target.port || 6379), target.hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => sockets.delete(socket));
    }
    client.pipe(upstream).pipe(client);
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `redis://127.0.0.1:${port}`,
    cut: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
    },
  };
}

async function takeMany(limiter: RateLimiter, key: string, count: number): Promise<Taken[]> {
  const taken: Taken[] = [];
  for (let index = 0; index < count; index++) taken.push(await limiter.take(key));
  return taken;
}

async function waitUntilShared(...limiters: RateLimiter[]): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!limiters.every((limiter) => limiter.shared())) {
    if (Date.now() > deadline) throw new Error('Redis never became ready');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('per-user rate limits shared through Redis', () => {
  const limiters: RateLimiter[] = [];
  const replica = (redisUrl: string, keyPrefix: string, onFallback?: () => void) => {
    const limiter = redisRateLimiter(LIMIT, { redisUrl, keyPrefix, logger, onFallback });
    limiters.push(limiter);
    return limiter;
  };

  afterAll(async () => {
    for (const limiter of limiters) await limiter.close();
  });

  it('should give a user one budget across two replicas when both use the same Redis', async () => {
    const prefix = `t${randomBytes(4).toString('hex')}`;
    const [first, second] = [replica(testRedisUrl(), prefix), replica(testRedisUrl(), prefix)];
    await waitUntilShared(first, second);

    const taken = [
      ...(await takeMany(first, 'user:u1', 3)),
      ...(await takeMany(second, 'user:u1', 2)),
      ...(await takeMany(second, 'user:u1', 1)),
      ...(await takeMany(first, 'user:u1', 1)),
    ];

    expect(taken.map((result) => result.allowed)).toEqual([true, true, true, true, true, false, false]);
    const refusal = taken[5] as { retryAfterMs: number };
    expect(refusal.retryAfterMs).toBeGreaterThan(0);
    expect(refusal.retryAfterMs).toBeLessThanOrEqual(50_000);
    // Another user has a budget of their own.
    expect((await second.take('user:u2')).allowed).toBe(true);
  }, 30_000);

  it('should keep separate budgets when the key prefixes differ', async () => {
    const [first, second] = [
      replica(testRedisUrl(), `t${randomBytes(4).toString('hex')}`),
      replica(testRedisUrl(), `t${randomBytes(4).toString('hex')}`),
    ];
    await waitUntilShared(first, second);

    expect((await takeMany(first, 'user:u1', 5)).every((result) => result.allowed)).toBe(true);
    expect((await takeMany(second, 'user:u1', 5)).every((result) => result.allowed)).toBe(true);
  }, 30_000);

  it('should fall back to each replica enforcing its own limit when Redis cannot be reached', async () => {
    let fallbacks = 0;
    const unreachable = `redis://127.0.0.1:${await freePort()}`;
    const [first, second] = [
      replica(unreachable, 'down', () => fallbacks++),
      replica(unreachable, 'down', () => fallbacks++),
    ];

    const taken = [...(await takeMany(first, 'user:u1', 6)), ...(await takeMany(second, 'user:u1', 6))];

    expect(first.shared() || second.shared()).toBe(false);
    // Open, not unlimited: each replica still refuses past the budget.
    expect(taken.map((result) => result.allowed)).toEqual([
      ...[true, true, true, true, true, false],
      ...[true, true, true, true, true, false],
    ]);
    expect(fallbacks).toBe(12);
  }, 30_000);

  it('should go on limiting per replica when Redis drops away mid-way, keeping what Redis had counted', async () => {
    let fallbacks = 0;
    const proxy = await redisProxy(new URL(testRedisUrl()));
    const prefix = `t${randomBytes(4).toString('hex')}`;
    const limiter = replica(proxy.url, prefix, () => fallbacks++);
    await waitUntilShared(limiter);
    expect((await takeMany(limiter, 'user:u1', 2)).every((result) => result.allowed)).toBe(true);
    expect(fallbacks).toBe(0);

    await proxy.cut();
    while (limiter.shared()) await new Promise((resolve) => setTimeout(resolve, 50));
    const duringOutage = await takeMany(limiter, 'user:u1', 6);

    expect(duringOutage.map((result) => result.allowed)).toEqual([true, true, true, true, true, false]);
    expect(fallbacks).toBe(6);
    // What was counted in Redis before the outage is still there for the other replicas.
    const other = replica(testRedisUrl(), prefix);
    await waitUntilShared(other);
    expect((await takeMany(other, 'user:u1', 4)).map((result) => result.allowed)).toEqual([
      true,
      true,
      true,
      false,
    ]);
  }, 30_000);
});
