import { Clock } from '../common/clock.js';
import { buildFake, type BaseFake, type BaseFakeOptions } from '../common/fake-base.js';
import { Ledger } from '../common/ledger.js';
import { Allocation, SlidingWindowLimiter } from '../common/rate-limit.js';
import { WebhookOutbox } from '../common/webhooks.js';
import { bearerToken, requireBearer } from './auth.js';
import type { HubSpotContext } from './context.js';
import { mountHubSpotControls } from './controls.js';
import { hsError } from './errors.js';
import { defaultSchema, type ObjectType, type PropertyDef, type PropertySchema } from './properties.js';
import { rateLimit, send429, type HubSpotLimiters } from './rate-limit.js';
import { mountBatch } from './routes-batch.js';
import { mountObjects } from './routes-objects.js';
import { mountAssociations } from './routes-associations.js';
import { HubSpotOwners, mountOwners } from './owners.js';
import { mountSearch } from './routes-search.js';
import { mountProperties } from './routes-properties.js';
import { HubSpotSimulator } from './simulator.js';
import { HubSpotStore, type StageCalculatedProperties } from './store.js';
import { HubSpotWebhooks } from './webhooks.js';

export interface HubSpotFakeOptions extends BaseFakeOptions {
  /** Accepted private-app / OAuth tokens (default ['hubspot-test-token']). */
  tokens?: string[];
  portalId?: number;
  appId?: number;
  /** App client secret used for signature v3 (default 'hubspot-app-secret'). */
  appSecret?: string;
  /** Burst limit per 10 s window (default 100), daily limit (default 250 000), search per second (default 5; null disables). */
  rateLimit?: { limit?: number; windowMs?: number; daily?: number; searchPerSecond?: number | null };
  /** Extra or overriding property definitions, e.g. {deals: {odoo_id: {type: 'string', unique: true}}}. */
  properties?: Partial<Record<ObjectType, Record<string, PropertyDef>>>;
  /** Automatic retries after a failed webhook delivery (default 3). */
  webhookRetries?: number;
  /** Users of the portal (owners API; `hubspot_owner_id` accepts their ids). */
  owners?: Array<{ email: string; firstName?: string; lastName?: string }>;
  /** Stage calculated properties HubSpot sets on deals (default both generations; `legacy`: an older portal). */
  stageCalculatedProperties?: StageCalculatedProperties;
}

export interface HubSpotFake extends BaseFake {
  kind: 'hubspot';
  store: HubSpotStore;
  schema: PropertySchema;
  sim: HubSpotSimulator;
  hubspot: HubSpotWebhooks;
  appSecret: string;
  portalId: number;
  tokens: string[];
  limiters: HubSpotLimiters;
  /** Upsert inputs with these ids fail (207) with the message. */
  forcedFailures: Map<string, string>;
  /** The portal's owners (users): `owners.add({email, firstName, lastName})`. */
  owners: HubSpotOwners;
}

export async function startHubSpotFake(opts: HubSpotFakeOptions = {}): Promise<HubSpotFake> {
  const clock = new Clock();
  const ledger = new Ledger();
  const outbox = new WebhookOutbox();
  const tokens = opts.tokens ?? ['hubspot-test-token'];
  const portalId = opts.portalId ?? 62515;
  const schema = defaultSchema();
  for (const [t, defs] of Object.entries(opts.properties ?? {})) Object.assign(schema[t as ObjectType], defs);
  const store = new HubSpotStore(clock, opts.stageCalculatedProperties);
  const ctx: HubSpotContext = { store, schema, ledger, clock, portalId, forcedFailures: new Map() };
  const owners = new HubSpotOwners(clock, schema);
  const seedOwners = () => {
    for (const o of opts.owners ?? []) owners.add(o);
  };
  seedOwners();
  const hooks = new HubSpotWebhooks(opts.appSecret ?? 'hubspot-app-secret', portalId, opts.appId ?? 1160452, outbox, clock);
  if (opts.webhookRetries !== undefined) hooks.maxRetries = opts.webhookRetries;
  const sim = new HubSpotSimulator(ctx, hooks);
  const sps = opts.rateLimit?.searchPerSecond === undefined ? 5 : opts.rateLimit.searchPerSecond;
  const limiters: HubSpotLimiters = {
    burst: new SlidingWindowLimiter(opts.rateLimit?.limit ?? 100, opts.rateLimit?.windowMs ?? 10_000, clock),
    daily: new Allocation(opts.rateLimit?.daily ?? 250_000),
    search: sps === null ? null : new SlidingWindowLimiter(sps, 1_000, clock),
  };
  const tokenSet = new Set(tokens);

  const base = await buildFake(
    {
      kind: 'hubspot',
      basePath: '',
      responders: {
        serverError: (res, status) =>
          hsError(res, status, status === 503 ? 'SERVICE_UNAVAILABLE' : 'INTERNAL_ERROR', status === 503 ? 'Service Unavailable' : 'internal error'),
        tooManyRequests: (res) => send429(res, limiters),
      },
      credentialOf: (req) => bearerToken(req),
      mountApi(r) {
        r.use(requireBearer(tokenSet));
        r.use(rateLimit(limiters));
        mountBatch(r, ctx);
        mountSearch(r, ctx);
        mountOwners(r, owners);
        mountProperties(r, ctx);
        mountAssociations(r, ctx);
        mountObjects(r, ctx);
      },
      mountControl: (r) => mountHubSpotControls(r, ctx, sim, hooks, owners),
      resetState() {
        store.reset();
        limiters.burst.reset();
        limiters.daily.reset();
        limiters.search?.reset();
        ctx.forcedFailures.clear();
        owners.reset();
        seedOwners();
      },
      onError: (_err, res) => hsError(res, 500, 'INTERNAL_ERROR', 'internal error'),
      notFound: (req, res) => hsError(res, 404, 'OBJECT_NOT_FOUND', `No route for ${req.method} ${req.path}`),
    },
    opts,
    { ledger, clock, webhooks: outbox },
  );
  return Object.assign(base, {
    kind: 'hubspot' as const,
    store,
    schema,
    sim,
    hubspot: hooks,
    appSecret: hooks.appSecret,
    portalId,
    tokens,
    limiters,
    forcedFailures: ctx.forcedFailures,
    owners,
  });
}
