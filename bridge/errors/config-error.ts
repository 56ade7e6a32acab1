import { BridgeError, type ExceptionCategory } from './bridge-error.js';

/** Configuration is invalid; `issues` holds one line per problem, each naming the key. */
export class ConfigError extends BridgeError {
  readonly retryable = false;
  readonly category: ExceptionCategory = 'internal';
  readonly issues: string[];

  constructor(issues: string[]) {
    super(`invalid configuration:\n  - ${issues.join('\n  - ')}`);
    this.issues = issues;
  }
}
