import { createHmac, createVerify, randomBytes } from 'node:crypto';
import type { NextFunction, Request, Response, Router } from 'express';
import { formBody } from '../common/body.js';
import type { Clock } from '../common/clock.js';
import { sfError } from './errors.js';
import { INTEGRATION_USER_ID, INTEGRATION_USER_ID15 } from './ids.js';

export interface SfAuthOptions {
  clientId: string;
  clientSecret: string;
  /** Usernames allowed as JWT `sub` (default: any non-empty). */
  usernames?: string[];
  /** PEM public key of the connected app certificate; when given, JWT signatures are verified (RS256). */
  jwtPublicKey?: string;
  /** Access token lifetime (session timeout), default 2 h. */
  tokenTtlMs: number;
}

interface TokenInfo {
  expiresAt: number;
  clientId: string;
  grant: string;
}

/**
 * OAuth 2.0 token endpoint (POST /services/oauth2/token, form-encoded): client-credentials
 * (client_id + client_secret) and JWT bearer (grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer,
 * assertion=<RS256 JWT with iss=client id, sub=username, aud=login URL, exp>). Errors are
 * OAuth JSON {error, error_description} with 400. Data API calls need `Authorization: Bearer`;
 * an unknown or expired token gives 401 [{"message":"Session expired or invalid","errorCode":"INVALID_SESSION_ID"}].
 */
export class SalesforceAuth {
  readonly tokens = new Map<string, TokenInfo>();
  orgId = '00DDn00000SyncBr';
  userId = INTEGRATION_USER_ID15;

  constructor(
    readonly opts: SfAuthOptions,
    private readonly clock: Clock,
  ) {}

  expireAll(): void {
    for (const t of this.tokens.values()) t.expiresAt = 0;
  }

  reset(): void {
    this.tokens.clear();
  }

  private issue(res: Response, instanceUrl: string, clientId: string, grant: string): void {
    const token = `${this.orgId}!${randomBytes(24).toString('base64url')}`;
    const issuedAt = this.clock.now();
    this.tokens.set(token, { expiresAt: issuedAt + this.opts.tokenTtlMs, clientId, grant });
    const id = `${instanceUrl}/id/${this.orgId}/${this.userId}`;
    res.json({
      access_token: token,
      signature: createHmac('sha256', this.opts.clientSecret).update(id + issuedAt).digest('base64'),
      scope: 'api',
      instance_url: instanceUrl,
      id,
      token_type: 'Bearer',
      issued_at: String(issuedAt),
    });
  }

  mountTokenEndpoint(r: Router, instanceUrl: () => string): void {
    // OpenID Connect userinfo: who the token's user is (the bridge learns its own user id here).
    r.get('/services/oauth2/userinfo', this.middleware(), (_req, res) => {
      res.json({
        sub: `${instanceUrl()}/id/${this.orgId}/${INTEGRATION_USER_ID}`, user_id: INTEGRATION_USER_ID, organization_id: this.orgId,
        preferred_username: 'integration@sync-bridge.example', name: 'Sync Bridge Integration', user_type: 'STANDARD', active: true,
      });
    });
    r.post('/services/oauth2/token', (req, res) => {
      const ct = req.header('content-type') ?? '';
      if (!ct.toLowerCase().startsWith('application/x-www-form-urlencoded'))
        return void res.status(400).json({ error: 'invalid_request', error_description: 'must use application/x-www-form-urlencoded' });
      const f = formBody(req);
      const grant = f.get('grant_type');
      if (grant === 'client_credentials') {
        if (f.get('client_id') !== this.opts.clientId || f.get('client_secret') !== this.opts.clientSecret) {
          // Client credentials may also come as HTTP Basic.
          const basic = /^Basic\s+(.+)$/i.exec(req.header('authorization') ?? '');
          const [id, secret] = basic ? Buffer.from(basic[1]!, 'base64').toString('utf8').split(':') : [];
          if (id !== this.opts.clientId || secret !== this.opts.clientSecret)
            return void res.status(400).json({ error: 'invalid_client', error_description: 'invalid client credentials' });
        }
        return this.issue(res, instanceUrl(), this.opts.clientId, 'client_credentials');
      }
      if (grant === 'urn:ietf:params:oauth:grant-type:jwt-bearer') {
        const assertion = f.get('assertion');
        const bad = (d: string) => void res.status(400).json({ error: 'invalid_grant', error_description: d });
        if (!assertion) return bad('invalid assertion');
        const parts = assertion.split('.');
        if (parts.length !== 3) return bad('invalid assertion');
        let header: Record<string, unknown>;
        let claims: Record<string, unknown>;
        try {
          header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8')) as Record<string, unknown>;
          claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
        } catch {
          return bad('invalid assertion');
        }
        if (header['alg'] !== 'RS256') return bad('invalid assertion');
        if (claims['iss'] !== this.opts.clientId) return void res.status(400).json({ error: 'invalid_client_id', error_description: 'client identifier invalid' });
        const aud = String(claims['aud'] ?? '');
        if (!/^https:\/\/(login|test)\.salesforce\.com\/?$/.test(aud) && !aud.startsWith(instanceUrl()) && !/\.my\.salesforce\.com\/?$/.test(aud))
          return bad('audience is invalid');
        const sub = claims['sub'];
        if (typeof sub !== 'string' || !sub || (this.opts.usernames && !this.opts.usernames.includes(sub))) return bad('user hasn\'t approved this consumer');
        if (typeof claims['exp'] !== 'number' || claims['exp'] * 1000 < this.clock.now()) return bad('expired authorization code');
        if (this.opts.jwtPublicKey) {
          const v = createVerify('RSA-SHA256');
          v.update(`${parts[0]}.${parts[1]}`);
          if (!v.verify(this.opts.jwtPublicKey, Buffer.from(parts[2]!, 'base64url'))) return bad('invalid assertion');
        }
        return this.issue(res, instanceUrl(), this.opts.clientId, 'jwt-bearer');
      }
      res.status(400).json({ error: 'unsupported_grant_type', error_description: 'grant type not supported' });
    });
  }

  bearer(req: Request): string | undefined {
    const m = /^(?:Bearer|OAuth)\s+(\S+)\s*$/i.exec(req.header('authorization') ?? '');
    return m ? m[1] : undefined;
  }

  middleware() {
    return (req: Request, res: Response, next: NextFunction): void => {
      const token = this.bearer(req);
      const info = token ? this.tokens.get(token) : undefined;
      if (!info || info.expiresAt <= this.clock.now()) {
        res.setHeader('WWW-Authenticate', 'Token');
        sfError(res, 401, 'INVALID_SESSION_ID', 'Session expired or invalid');
        return;
      }
      res.locals['token'] = token;
      next();
    };
  }
}
