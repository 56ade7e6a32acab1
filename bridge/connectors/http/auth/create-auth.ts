import type { AuthConfig, SecretRef } from '../../../config/schema.js';
import type { HttpDeps } from '../deps.js';
import { ApiKeyAuth } from './api-key.js';
import type { AuthProvider } from './auth-provider.js';
import { BasicAuth } from './basic.js';
import { BearerAuth } from './bearer.js';
import { OAuth2ClientCredentialsAuth } from './oauth2-client-credentials.js';

export type SecretResolver = (ref: SecretRef, key: string) => string;

/** Builds the provider of a target's `auth` block; secrets are resolved now (missing ones fail at start). */
export function createAuthProvider(
  target: string,
  auth: AuthConfig,
  secret: SecretResolver,
  deps: Pick<HttpDeps, 'fetch' | 'now'>,
  timeoutMs: number,
): AuthProvider {
  const key = `targets.${target}.auth`;
  switch (auth.type) {
    case 'bearer':
      return new BearerAuth(secret(auth.token, `${key}.token`));
    case 'api_key':
      return new ApiKeyAuth(auth.header, secret(auth.key, `${key}.key`));
    case 'basic':
      return new BasicAuth(auth.username, secret(auth.password, `${key}.password`));
    case 'oauth2_client_credentials':
      return new OAuth2ClientCredentialsAuth(
        {
          tokenUrl: auth.token_url,
          clientId: auth.client_id,
          clientSecret: secret(auth.client_secret, `${key}.client_secret`),
          scope: auth.scope,
          timeoutMs,
        },
        deps,
      );
  }
}
