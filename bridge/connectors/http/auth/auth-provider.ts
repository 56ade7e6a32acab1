/**
 * Puts credentials on a request. `apply` returns a handle of the credential it used; on a 401
 * the client calls `invalidate(handle)`, and retries the request once when it returns true
 * (only OAuth2 can mint a new credential; static credentials return false).
 */
export interface AuthProvider {
  readonly kind: 'bearer' | 'api_key' | 'basic' | 'oauth2_client_credentials';
  apply(headers: Headers): Promise<string | undefined>;
  invalidate(handle: string | undefined): boolean;
  /** Every secret value this provider holds or minted (scrubbed from error messages). */
  secretValues(): string[];
}
