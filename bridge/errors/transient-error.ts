import { BridgeError, type BridgeErrorOptions, type ExceptionCategory } from './bridge-error.js';

/** Retry later: network failure, timeout, HTTP 5xx or 429, a busy or restarting peer. */
export class TransientError extends BridgeError {
  readonly retryable = true;
  readonly category: ExceptionCategory = 'unavailable';
  /** Earliest moment a retry makes sense (from Retry-After and similar), if the peer said. */
  readonly retryAfterMs: number | undefined;

  constructor(message: string, options: BridgeErrorOptions & { retryAfterMs?: number } = {}) {
    super(message, options);
    this.retryAfterMs = options.retryAfterMs;
  }
}
