import { PermanentError, TransientError } from '../../../errors/index.js';
import { parseRetryAfter } from '../retry-after.js';
import { requestWithTimeout } from '../timeout-request.js';
import type { HttpDeps } from '../deps.js';
import type { AuthProvider } from './auth-provider.js';

export interface OAuth2ClientCredentialsOptions {
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  scope?: string;
  timeoutMs: number;
  /** Lifetime assumed when the token response has no expires_in (Salesforce sends none). */
  defaultTtlMs?: number;
  /** Refresh this long before expiry (capped at 10% of the lifetime). */
  refreshSkewMs?: number;
}

interface CachedToken {
  value: string;
  expiresAt: number;
  refreshAt: number;
}

/**
 * OAuth 2.0 client-credentials grant (RFC 6749 section 4.4): client id and secret are posted
 * form-encoded to the token URL (Salesforce's /services/oauth2/token accepts them in the body).
 * The token is cached and refreshed shortly before it expires; concurrent requests share one
 * token call. A 401 from the API invalidates the token that was used, and the client retries
 * once with a new one (Salesforce INVALID_SESSION_ID).
 */
export class OAuth2ClientCredentialsAuth implements AuthProvider {
  readonly kind = 'oauth2_client_credentials' as const;
  private token: CachedToken | undefined;
  private inflight: Promise<CachedToken> | undefined;
  private readonly minted: string[] = [];
  /** Number of token requests made (observability, tests). */
  tokenRequests = 0;

  constructor(
    private readonly opts: OAuth2ClientCredentialsOptions,
    private readonly deps: Pick<HttpDeps, 'fetch' | 'now'>,
  ) {}

  async apply(headers: Headers): Promise<string | undefined> {
    const token = await this.current();
    headers.set('Authorization', `Bearer ${token.value}`);
    return token.value;
  }

  invalidate(handle: string | undefined): boolean {
    if (this.token && (handle === undefined || this.token.value === handle)) this.token = undefined;
    return true;
  }

  secretValues(): string[] {
    return [this.opts.clientSecret, ...this.minted];
  }

  private async current(): Promise<CachedToken> {
    const now = this.deps.now();
    if (this.token && now < this.token.refreshAt) return this.token;
    if (!this.inflight) {
      this.inflight = this.fetchToken().finally(() => {
        this.inflight = undefined;
      });
    }
    this.token = await this.inflight;
    return this.token;
  }

  private async fetchToken(): Promise<CachedToken> {
    this.tokenRequests++;
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: this.opts.clientId,
      client_secret: this.opts.clientSecret,
    });
    if (this.opts.scope) form.set('scope', this.opts.scope);
    const url = new URL(this.opts.tokenUrl);
    const label = `POST ${url.origin}${url.pathname}`;
    const res = await requestWithTimeout(
      this.deps.fetch,
      url,
      { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' }, body: form.toString() },
      this.opts.timeoutMs,
      `OAuth2 token request ${label}`,
    );
    const body = (res.body ?? {}) as Record<string, unknown>;
    if (res.status >= 200 && res.status < 300 && typeof body.access_token === 'string' && body.access_token) {
      const value = body.access_token;
      this.minted.push(value);
      if (this.minted.length > 8) this.minted.shift();
      const now = this.deps.now();
      const ttl = typeof body.expires_in === 'number' || (typeof body.expires_in === 'string' && /^\d+$/.test(body.expires_in))
        ? Number(body.expires_in) * 1000
        : (this.opts.defaultTtlMs ?? 3_600_000);
      const skew = Math.min(this.opts.refreshSkewMs ?? 60_000, ttl * 0.1);
      return { value, expiresAt: now + ttl, refreshAt: now + ttl - skew };
    }
    // RFC 6749 5.2 error body: {error, error_description}; never echo the request.
    const what = [body.error, body.error_description].filter((v) => typeof v === 'string' && v).join(': ') || `HTTP ${res.status}`;
    const msg = `OAuth2 token request ${label} failed (${res.status}): ${what}`.replaceAll(this.opts.clientSecret, '[REDACTED]');
    if (res.status === 429 || res.status >= 500) {
      // Retry-After (seconds or HTTP date) as on the API; on a 429 the HTTP client pauses the
      // target for it (or default_retry_after_ms) like after an API 429 (http-client.ts).
      const retryAfterMs = parseRetryAfter(res.headers, this.deps.now());
      throw new TransientError(msg, { retryAfterMs, rateLimited: res.status === 429, details: { reason: 'token', status: res.status, inDoubt: false } });
    }
    if (res.status >= 200 && res.status < 300) {
      throw new TransientError(`OAuth2 token request ${label}: response without access_token`, { details: { reason: 'token', inDoubt: false } });
    }
    throw new PermanentError(msg, { category: 'rejected', details: { reason: 'token', status: res.status } });
  }
}
