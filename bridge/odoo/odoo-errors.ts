import { PermanentError, TransientError } from '../errors/index.js';
import type { BridgeErrorOptions, ExceptionCategory } from '../errors/index.js';

/** Odoo refused the credentials (wrong login or API key, or the user is archived). */
export class OdooAuthError extends PermanentError {
  constructor(message: string, options: BridgeErrorOptions = {}) {
    super(message, { ...options, category: 'internal' });
  }
}

/** The service user lacks a right (AccessError): a configuration problem, not retryable. */
export class OdooAccessError extends PermanentError {
  constructor(message: string, options: BridgeErrorOptions = {}) {
    super(message, { ...options, category: 'internal' });
  }
}

/** UserError / ValidationError raised by Odoo business logic. */
export class OdooValidationError extends PermanentError {
  constructor(message: string, options: BridgeErrorOptions = {}) {
    super(message, { ...options, category: 'validation' });
  }
}

/** The record does not exist (MissingError). */
export class OdooMissingError extends PermanentError {
  constructor(message: string, options: BridgeErrorOptions = {}) {
    super(message, { ...options, category: 'validation' });
  }
}

/** A server-side bug or unexpected exception: kept, not retried automatically. */
export class OdooServerError extends PermanentError {
  constructor(message: string, options: BridgeErrorOptions & { category?: ExceptionCategory } = {}) {
    super(message, { ...options, category: options.category ?? 'internal' });
  }
}

/** Odoo unreachable, timing out, restarting, or a serialization conflict: retry later. */
export class OdooUnavailableError extends TransientError {}
