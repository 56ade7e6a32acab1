import { BridgeError, type BridgeErrorOptions, type ExceptionCategory } from './bridge-error.js';

/** Retrying the same request cannot succeed: the payload or the target's state must change. */
export class PermanentError extends BridgeError {
  readonly retryable = false;
  readonly category: ExceptionCategory;

  constructor(message: string, options: BridgeErrorOptions & { category?: ExceptionCategory } = {}) {
    super(message, options);
    this.category = options.category ?? 'rejected';
  }
}
