/** A controllable clock shared by a fake's rate limiter, token expiry and timestamps. */
export class Clock {
  private offsetMs = 0;
  now(): number {
    return Date.now() + this.offsetMs;
  }
  date(): Date {
    return new Date(this.now());
  }
  iso(): string {
    return this.date().toISOString();
  }
  /** Moves the fake's notion of time forward (tests: expire tokens, slide rate windows). */
  advance(ms: number): void {
    this.offsetMs += ms;
  }
  reset(): void {
    this.offsetMs = 0;
  }
}
