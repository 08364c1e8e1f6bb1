import { TokenBucketLimiter } from '../rate-limiter';

describe('TokenBucketLimiter', () => {
  it('should allow a burst, then refuse with the wait until the next token', () => {
    let now = 0;
    const limiter = new TokenBucketLimiter({ perSecond: 2, burst: 3 }, () => now);

    expect([1, 2, 3].map(() => limiter.take('u1').allowed)).toEqual([true, true, true]);
    expect(limiter.take('u1')).toEqual({ allowed: false, retryAfterMs: 500 });

    now = 500;
    expect(limiter.take('u1').allowed).toBe(true);
    expect(limiter.take('u1').allowed).toBe(false);
  });

  it('should keep one bucket per user when several users share the gateway', () => {
    const limiter = new TokenBucketLimiter({ perSecond: 1, burst: 1 }, () => 0);

    expect(limiter.take('u1').allowed).toBe(true);
    expect(limiter.take('u1').allowed).toBe(false);
    expect(limiter.take('u2').allowed).toBe(true);
  });

  it('should forget the least recently used user when more users than it tracks are seen', () => {
    const limiter = new TokenBucketLimiter({ perSecond: 1, burst: 1 }, () => 0, 2);
    limiter.take('u1');
    limiter.take('u2');
    limiter.take('u3');

    // u1 was evicted and starts with a full bucket; u3 is still tracked and empty.
    expect(limiter.take('u1').allowed).toBe(true);
    expect(limiter.take('u3').allowed).toBe(false);
  });
});
