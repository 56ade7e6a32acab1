import type { AuthProvider } from './auth-provider.js';

/** `Authorization: Bearer <token>` with a static token (ShipBob PAT, HubSpot private app token). */
export class BearerAuth implements AuthProvider {
  readonly kind = 'bearer' as const;
  constructor(private readonly token: string) {}

  async apply(headers: Headers): Promise<string | undefined> {
    headers.set('Authorization', `Bearer ${this.token}`);
    return undefined;
  }

  invalidate(): boolean {
    return false;
  }

  secretValues(): string[] {
    return [this.token];
  }
}
