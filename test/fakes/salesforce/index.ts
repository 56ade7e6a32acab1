import { Clock } from '../common/clock.js';
import { buildFake, type BaseFake, type BaseFakeOptions } from '../common/fake-base.js';
import { Ledger } from '../common/ledger.js';
import { Allocation } from '../common/rate-limit.js';
import { WebhookOutbox } from '../common/webhooks.js';
import { SalesforceAuth } from './auth.js';
import { DATA, type SalesforceContext } from './context.js';
import { mountSalesforceControls } from './controls.js';
import { sfError } from './errors.js';
import { dailyAllocation, limitHeader, sendLimitExceeded } from './limits.js';
import { defaultObjects, type SObjectDef } from './objects.js';
import { mountComposite } from './routes-composite.js';
import { mountQuery } from './routes-query.js';
import { mountSObjects } from './routes-sobjects.js';
import { mountDescribe } from './routes-describe.js';
import { SalesforceSimulator } from './simulator.js';
import { SalesforceStore } from './store.js';

export interface SalesforceFakeOptions extends BaseFakeOptions {
  clientId?: string;
  clientSecret?: string;
  usernames?: string[];
  jwtPublicKey?: string;
  /** Access token lifetime (default 2 h). */
  tokenTtlMs?: number;
  /** Daily API request allocation (default 100 000). */
  dailyLimit?: number;
  /** 200 with body (default, API v61.0) or 204 for upserts that update. */
  upsertUpdateStatus?: 200 | 204;
  /** Records per query batch (default 2000). */
  queryBatchSize?: number;
  /** Extra objects/fields merged into the describe. */
  objects?: Record<string, SObjectDef>;
}

export interface SalesforceFake extends BaseFake {
  kind: 'salesforce';
  store: SalesforceStore;
  sim: SalesforceSimulator;
  auth: SalesforceAuth;
  allocation: Allocation;
  clientId: string;
  clientSecret: string;
  /** Gets a token with the client-credentials flow (test convenience). */
  token(): Promise<string>;
  expireTokens(): void;
}

export async function startSalesforceFake(opts: SalesforceFakeOptions = {}): Promise<SalesforceFake> {
  const clock = new Clock();
  const ledger = new Ledger();
  const outbox = new WebhookOutbox();
  const objects = { ...defaultObjects(), ...(opts.objects ?? {}) };
  const store = new SalesforceStore(objects, clock);
  const allocation = new Allocation(opts.dailyLimit ?? 100_000);
  const clientId = opts.clientId ?? 'sf-client-id';
  const clientSecret = opts.clientSecret ?? 'sf-client-secret';
  const authOpts: ConstructorParameters<typeof SalesforceAuth>[0] = { clientId, clientSecret, tokenTtlMs: opts.tokenTtlMs ?? 2 * 3600 * 1000 };
  if (opts.usernames) authOpts.usernames = opts.usernames;
  if (opts.jwtPublicKey) authOpts.jwtPublicKey = opts.jwtPublicKey;
  const auth = new SalesforceAuth(authOpts, clock);
  const ctx: SalesforceContext = { store, ledger, clock, upsertUpdateStatus: opts.upsertUpdateStatus ?? 200, queryBatchSize: opts.queryBatchSize ?? 2000 };
  const sim = new SalesforceSimulator(ctx);
  let origin = '';

  const base = await buildFake(
    {
      kind: 'salesforce',
      basePath: '',
      responders: {
        serverError: (res, status) => {
          limitHeader(res, allocation);
          if (status === 503) sfError(res, 503, 'SERVER_UNAVAILABLE', 'Server temporarily unavailable');
          else sfError(res, status, 'UNKNOWN_EXCEPTION', 'An unexpected error occurred. Please include this ErrorId if you contact support: 1234567890-12345 (-1234567890)');
        },
        // Salesforce has no 429: its rate-limit answer is 403 REQUEST_LIMIT_EXCEEDED.
        tooManyRequests: (res) => sendLimitExceeded(res, { used: allocation.max, max: allocation.max } as Allocation),
      },
      credentialOf: (req) => auth.bearer(req),
      mountApi(r) {
        auth.mountTokenEndpoint(r, () => origin);
        r.use(DATA, auth.middleware(), dailyAllocation(allocation));
        mountDescribe(r, ctx);
        mountSObjects(r, ctx);
        mountComposite(r, ctx);
        mountQuery(r, ctx);
      },
      mountControl: (r) => mountSalesforceControls(r, ctx, sim, auth, allocation),
      resetState() {
        store.reset();
        auth.reset();
        allocation.reset();
      },
      onError: (_err, res) => sfError(res, 500, 'UNKNOWN_EXCEPTION', 'An unexpected error occurred.'),
      notFound: (_req, res) => sfError(res, 404, 'NOT_FOUND', 'The requested resource does not exist'),
    },
    opts,
    { ledger, clock, webhooks: outbox },
  );
  origin = base.url;
  return Object.assign(base, {
    kind: 'salesforce' as const,
    store,
    sim,
    auth,
    allocation,
    clientId,
    clientSecret,
    async token() {
      const r = await fetch(`${base.url}/services/oauth2/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret }).toString(),
      });
      const j = (await r.json()) as { access_token: string };
      return j.access_token;
    },
    expireTokens: () => auth.expireAll(),
  });
}
