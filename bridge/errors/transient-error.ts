import { BridgeError, type BridgeErrorOptions, type ExceptionCategory } from './bridge-error.js';

export interface TransientErrorOptions extends BridgeErrorOptions {
  retryAfterMs?: number;
  rateLimited?: boolean;
}

/** Retry later: network failure, timeout, HTTP 5xx or 429, a busy or restarting peer. */
export class TransientError extends BridgeError {
  readonly retryable = true;
  readonly category: ExceptionCategory = 'unavailable';
  /** Earliest moment a retry makes sense (from Retry-After and similar), if the peer said. */
  readonly retryAfterMs: number | undefined;
  /**
   * The cause is a rate limit: the vendor's (HTTP 429, Salesforce REQUEST_LIMIT_EXCEEDED, a
   * HubSpot batch refused for RATE_LIMITS) or ours (client-side limit, target paused after a
   * 429). It says nothing about the event, so the runtime retries it after the wait without
   * counting the failure towards dead.
   */
  readonly rateLimited: boolean;

  constructor(message: string, options: TransientErrorOptions = {}) {
    super(message, options);
    this.retryAfterMs = options.retryAfterMs;
    this.rateLimited = options.rateLimited ?? false;
  }
}
