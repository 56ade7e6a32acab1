import type { AuthProvider } from './auth-provider.js';

/** A static key in a named header (e.g. `X-Api-Key: <key>`). */
export class ApiKeyAuth implements AuthProvider {
  readonly kind = 'api_key' as const;
  constructor(
    private readonly header: string,
    private readonly key: string,
  ) {}

  async apply(headers: Headers): Promise<string | undefined> {
    headers.set(this.header, this.key);
    return undefined;
  }

  invalidate(): boolean {
    return false;
  }

  secretValues(): string[] {
    return [this.key];
  }
}
