import type { AuthProvider } from './auth-provider.js';

/** HTTP Basic (RFC 7617): `Authorization: Basic base64(user:password)`. */
export class BasicAuth implements AuthProvider {
  readonly kind = 'basic' as const;
  private readonly encoded: string;

  constructor(
    username: string,
    private readonly password: string,
  ) {
    this.encoded = Buffer.from(`${username}:${password}`, 'utf8').toString('base64');
  }

  async apply(headers: Headers): Promise<string | undefined> {
    headers.set('Authorization', `Basic ${this.encoded}`);
    return undefined;
  }

  invalidate(): boolean {
    return false;
  }

  secretValues(): string[] {
    return [this.password, this.encoded];
  }
}
