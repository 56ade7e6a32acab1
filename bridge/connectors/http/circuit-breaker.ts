import { TransientError } from '../../errors/index.js';

export type CircuitState = 'closed' | 'open' | 'half_open';

export interface CircuitBreakerOptions {
  /** Consecutive transient failures that open the circuit. */
  threshold: number;
  /** Time the circuit stays open before one probe request is let through. */
  resetMs: number;
  now: () => number;
  /** Called on every state change (metrics, logs). */
  onStateChange?: (from: CircuitState, to: CircuitState) => void;
}

/** What a request got from the breaker; hand it back with the outcome. */
export interface BreakerPermit {
  readonly probe: boolean;
}

/**
 * Circuit breaker of one target. closed: requests flow, consecutive transient failures are
 * counted; at `threshold` it opens. open: requests fail fast with TransientError (retryAfterMs
 * = time left) so the runtime retries later. After `resetMs` it is half_open: one probe goes
 * through; success closes, failure re-opens for another `resetMs`, other requests fail fast
 * meanwhile. Only transient failures (network, timeout, 5xx) count; answers such as 4xx show
 * the target is up, and 429 is left to the rate limiter (neutral).
 */
export class CircuitBreaker {
  private stateValue: CircuitState = 'closed';
  private failures = 0;
  private openedAt = 0;
  private probeInFlight = false;
  private opens = 0;

  constructor(private readonly opts: CircuitBreakerOptions) {
    if (opts.threshold < 1) throw new RangeError('breaker threshold must be >= 1');
  }

  /** Current state; an open circuit whose reset time has passed reports half_open. */
  state(): CircuitState {
    if (this.stateValue === 'open' && this.opts.now() - this.openedAt >= this.opts.resetMs) {
      this.transition('half_open');
    }
    return this.stateValue;
  }

  /** Lets a request through or throws TransientError (fail fast). */
  acquire(target: string): BreakerPermit {
    const s = this.state();
    if (s === 'closed') return { probe: false };
    if (s === 'half_open' && !this.probeInFlight) {
      this.probeInFlight = true;
      return { probe: true };
    }
    const left = s === 'open' ? Math.max(1, this.openedAt + this.opts.resetMs - this.opts.now()) : Math.max(1, Math.min(this.opts.resetMs, 1000));
    throw new TransientError(`${target}: circuit ${s === 'open' ? 'open' : 'half-open (probe in flight)'} after ${this.failures} consecutive failures; not sending`, {
      retryAfterMs: left,
      details: { reason: 'circuit_open', inDoubt: false, circuit: s },
    });
  }

  /** The request reached the target and it answered sensibly (2xx-4xx except 429). */
  onSuccess(permit: BreakerPermit): void {
    if (permit.probe) this.probeInFlight = false;
    this.failures = 0;
    if (this.stateValue !== 'closed') this.transition('closed');
  }

  /** Network error, timeout or 5xx. */
  onFailure(permit: BreakerPermit): void {
    if (permit.probe) this.probeInFlight = false;
    this.failures++;
    if (this.stateValue === 'half_open' || (this.stateValue === 'closed' && this.failures >= this.opts.threshold)) {
      this.openedAt = this.opts.now();
      this.opens++;
      this.transition('open');
    }
  }

  /** Neither success nor failure (429, a request abandoned before sending). */
  onNeutral(permit: BreakerPermit): void {
    if (permit.probe) this.probeInFlight = false;
  }

  snapshot(): { state: CircuitState; consecutiveFailures: number; opens: number; retryInMs: number } {
    const state = this.state();
    return {
      state,
      consecutiveFailures: this.failures,
      opens: this.opens,
      retryInMs: state === 'open' ? Math.max(0, this.openedAt + this.opts.resetMs - this.opts.now()) : 0,
    };
  }

  private transition(to: CircuitState): void {
    const from = this.stateValue;
    if (from === to) return;
    this.stateValue = to;
    this.opts.onStateChange?.(from, to);
  }
}
