/** A usage problem of a CLI command: its message is printed and the command exits 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}
