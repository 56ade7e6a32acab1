import type { Clock } from './clock.js';

export interface RateDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Milliseconds until one more request would be allowed (0 when allowed). */
  retryAfterMs: number;
  windowMs: number;
}

/**
 * Sliding-window log limiter keyed by credential: at most `limit` accepted requests in any
 * window of `windowMs`. Rejected requests do not consume the allowance.
 */
export class SlidingWindowLimiter {
  private readonly hits = new Map<string, number[]>();

  constructor(
    public limit: number,
    public windowMs: number,
    private readonly clock: Clock,
  ) {}

  take(key: string): RateDecision {
    const now = this.clock.now();
    const from = now - this.windowMs;
    const log = (this.hits.get(key) ?? []).filter((t) => t > from);
    this.hits.set(key, log);
    if (log.length >= this.limit) {
      const oldest = log[log.length - this.limit]!;
      return { allowed: false, limit: this.limit, remaining: 0, retryAfterMs: Math.max(1, oldest + this.windowMs - now), windowMs: this.windowMs };
    }
    log.push(now);
    return { allowed: true, limit: this.limit, remaining: this.limit - log.length, retryAfterMs: 0, windowMs: this.windowMs };
  }

  reset(): void {
    this.hits.clear();
  }
}

/** A fixed allocation that only resets on demand (Salesforce's daily API request allocation). */
export class Allocation {
  used = 0;
  constructor(public max: number) {}
  /** Counts one request; false when the allocation was already used up. */
  take(): boolean {
    if (this.used >= this.max) return false;
    this.used += 1;
    return true;
  }
  reset(): void {
    this.used = 0;
  }
}
