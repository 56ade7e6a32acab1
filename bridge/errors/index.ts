export { BridgeError, type ExceptionCategory, type BridgeErrorOptions } from './bridge-error.js';
export { TransientError, type TransientErrorOptions } from './transient-error.js';
export { PermanentError } from './permanent-error.js';
export { ConfigError } from './config-error.js';
