/**
 * Base of every error the bridge raises on purpose.
 *
 * `retryable` tells the runtime whether trying again later can succeed (network, 5xx, 429,
 * Odoo busy) or not (validation, mapping, access). `category` is the `sync.exception`
 * category shown to Odoo users when the error ends up on a record.
 */
export type ExceptionCategory =
  | 'mapping'
  | 'validation'
  | 'rejected'
  | 'unavailable'
  | 'conflict'
  | 'credit_hold'
  | 'stock_discrepancy'
  | 'internal';

export interface BridgeErrorOptions {
  cause?: unknown;
  /** Structured, secret-free details kept with the error (shown to operators). */
  details?: Record<string, unknown>;
}

export abstract class BridgeError extends Error {
  abstract readonly retryable: boolean;
  abstract readonly category: ExceptionCategory;
  readonly details: Record<string, unknown>;

  constructor(message: string, options: BridgeErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.details = options.details ?? {};
  }
}
