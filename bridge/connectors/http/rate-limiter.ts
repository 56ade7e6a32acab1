/**
 * Client-side rate limit of one target: a sliding window of `ratePerMinute` requests per 60 s
 * (ShipBob counts the same way), plus a pause set when the target answers 429 (Retry-After,
 * x-retry-after) or reports an exhausted allocation. While paused, no request goes out.
 */
export class RateLimiter {
  private readonly sent: number[] = [];
  private pausedUntilMs = 0;
  private pauseReason = '';
  readonly windowMs = 60_000;

  constructor(
    readonly ratePerMinute: number | undefined,
    private readonly now: () => number,
  ) {}

  /**
   * Takes a slot when one is free now and returns 0; otherwise returns how many milliseconds
   * to wait before asking again (nothing is taken).
   */
  tryAcquire(): number {
    const now = this.now();
    if (now < this.pausedUntilMs) return this.pausedUntilMs - now;
    if (this.ratePerMinute === undefined) return 0;
    const from = now - this.windowMs;
    while (this.sent.length > 0 && this.sent[0]! <= from) this.sent.shift();
    if (this.sent.length >= this.ratePerMinute) {
      const oldest = this.sent[this.sent.length - this.ratePerMinute]!;
      return Math.max(1, oldest + this.windowMs - now);
    }
    this.sent.push(now);
    return 0;
  }

  /** Pauses the whole target for `ms` from now (never shortens a longer pause). */
  pause(ms: number, reason: string): void {
    const until = this.now() + Math.max(0, ms);
    if (until > this.pausedUntilMs) {
      this.pausedUntilMs = until;
      this.pauseReason = reason;
    }
  }

  /** Milliseconds left in the current pause (0 when not paused). */
  pausedForMs(): number {
    return Math.max(0, this.pausedUntilMs - this.now());
  }

  snapshot(): { ratePerMinute: number | undefined; usedInWindow: number; pausedForMs: number; pauseReason: string } {
    const from = this.now() - this.windowMs;
    const paused = this.pausedForMs();
    return {
      ratePerMinute: this.ratePerMinute,
      usedInWindow: this.sent.filter((t) => t > from).length,
      pausedForMs: paused,
      pauseReason: paused > 0 ? this.pauseReason : '',
    };
  }
}
