import { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { Logger } from '@deskgraph/platform';

export interface RateLimit {
  /** Sustained requests per second per user. */
  perSecond: number;
  /** Requests a user may make at once after being idle. */
  burst: number;
}

export type Taken = { allowed: true } | { allowed: false; retryAfterMs: number };

/** One request (or subscribe) of a user against its budget. */
export interface RateLimiter {
  take(key: string): Promise<Taken>;
  /** True while the budget is counted in a store every replica shares. */
  shared(): boolean;
  close(): Promise<void>;
}

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/**
 * A token bucket per user, in this process only: the embedded default for
 * one gateway. With several instances each would enforce its own budget, so
 * set REDIS_URL there (`RedisRateLimiter`).
 */
export class TokenBucketLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly limit: RateLimit,
    private readonly now: () => number = Date.now,
    private readonly maxTracked = 100_000,
  ) {}

  /** Takes one token; returns ms until the next one when there is none. */
  take(key: string): Taken {
    const now = this.now();
    const bucket = this.buckets.get(key) ?? { tokens: this.limit.burst, updatedAt: now };
    bucket.tokens = Math.min(
      this.limit.burst,
      bucket.tokens + ((now - bucket.updatedAt) / 1000) * this.limit.perSecond,
    );
    bucket.updatedAt = now;
    // Re-inserting keeps the Map in least-recently-used order for eviction.
    this.buckets.delete(key);
    this.buckets.set(key, bucket);
    if (this.buckets.size > this.maxTracked) this.buckets.delete(this.buckets.keys().next().value!);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true };
    }
    return { allowed: false, retryAfterMs: Math.ceil(((1 - bucket.tokens) / this.limit.perSecond) * 1000) };
  }
}

/** The in-process bucket behind the `RateLimiter` interface. */
export function memoryRateLimiter(limit: RateLimit): RateLimiter {
  const buckets = new TokenBucketLimiter(limit);
  return {
    take: (key) => Promise.resolve(buckets.take(key)),
    shared: () => false,
    close: () => Promise.resolve(),
  };
}

export interface RedisRateLimiterOptions {
  redisUrl: string;
  /** Prefix of every key the limiter writes (one installation, or one test, per prefix). */
  keyPrefix: string;
  logger: Logger;
  /** Counted each time Redis cannot answer and this process's own limit decides. */
  onFallback?: () => void;
}

/**
 * Per-user limits shared by every gateway replica through Redis
 * (rate-limiter-flexible): RATE_LIMIT_BURST requests per window of
 * ⌈burst / perSecond⌉ s, counted atomically in one key per user and window,
 * so a user gets the same budget behind a load balancer as from one gateway.
 *
 * Redis unreachable: fail open to this process's own limit (the same budget
 * per replica, in memory) rather than refusing everyone or limiting no one.
 * Behind N replicas a user may then get up to N times the budget until Redis
 * is back; the API stays up, and one user still cannot flood one replica.
 */
export function redisRateLimiter(limit: RateLimit, options: RedisRateLimiterOptions): RateLimiter {
  const client = new Redis(options.redisUrl, {
    // Answer at once when Redis is away instead of queueing requests behind a reconnect.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    commandTimeout: 500,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
  });
  let unavailableSince: number | null = null;
  client.on('error', (error) => {
    if (unavailableSince !== null) return;
    unavailableSince = Date.now();
    options.logger.warn({ err: error }, 'Redis for rate limits unavailable: each replica limits on its own');
  });
  client.on('ready', () => {
    if (unavailableSince !== null) options.logger.info('Redis for rate limits is back: limits shared again');
    unavailableSince = null;
  });
  const windowSeconds = Math.max(1, Math.ceil(limit.burst / limit.perSecond));
  const common = { keyPrefix: options.keyPrefix, points: limit.burst, duration: windowSeconds };
  const shared = new RateLimiterRedis({
    ...common,
    storeClient: client,
    rejectIfRedisNotReady: true,
    insuranceLimiter: new RateLimiterMemory(common),
  });
  return {
    async take(key) {
      // rate-limiter-flexible turns to the insurance limiter by itself when Redis is not ready or fails.
      if (client.status !== 'ready') options.onFallback?.();
      try {
        await shared.consume(key);
        return { allowed: true };
      } catch (refusal) {
        if (refusal instanceof RateLimiterRes) {
          return { allowed: false, retryAfterMs: Math.max(1, refusal.msBeforeNext) };
        }
        options.onFallback?.();
        options.logger.warn({ err: refusal }, 'rate limit store failed: allowing the request');
        return { allowed: true };
      }
    },
    shared: () => client.status === 'ready',
    async close() {
      // quit lets pending replies arrive; with Redis away only a disconnect ends the reconnect loop.
      if (client.status === 'ready') await client.quit().catch(() => client.disconnect());
      else client.disconnect();
    },
  };
}
