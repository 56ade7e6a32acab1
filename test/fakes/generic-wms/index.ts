import { Clock } from '../common/clock.js';
import { buildFake, type BaseFake, type BaseFakeOptions } from '../common/fake-base.js';
import { Ledger } from '../common/ledger.js';
import { SlidingWindowLimiter } from '../common/rate-limit.js';
import { WebhookOutbox } from '../common/webhooks.js';
import { API_KEY_HEADER, rateLimit, requireApiKey, send429 } from './auth.js';
import { mountWmsControls } from './controls.js';
import { wmsError } from './errors.js';
import { mountWms, type WmsContext } from './routes.js';
import { WmsSimulator } from './simulator.js';
import { WmsStore } from './store.js';
import { WmsWebhooks } from './webhooks.js';
import { ReceiptStore, mountReceiptControls, mountReceipts } from './receipts.js';

export interface GenericWmsFakeOptions extends BaseFakeOptions {
  /** Accepted X-API-Key values (default ['wms-test-key']). */
  apiKeys?: string[];
  /** Shared secret for X-WMS-Signature (default 'wms-webhook-secret'). */
  webhookSecret?: string;
  /** Requests per window per key (default 120 per 60 000 ms). */
  rateLimit?: { limit?: number; windowMs?: number };
  webhookRetries?: number;
}

export interface GenericWmsFake extends BaseFake {
  kind: 'generic-wms';
  store: WmsStore;
  sim: WmsSimulator;
  wms: WmsWebhooks;
  apiKeys: string[];
  webhookSecret: string;
  limiter: SlidingWindowLimiter;
  /** Inbound receipts (PUT /receipts/{reference}). */
  receipts: ReceiptStore;
}

export const WMS_BASE_PATH = '/v1';

export async function startGenericWmsFake(opts: GenericWmsFakeOptions = {}): Promise<GenericWmsFake> {
  const clock = new Clock();
  const ledger = new Ledger();
  const outbox = new WebhookOutbox();
  const apiKeys = opts.apiKeys ?? ['wms-test-key'];
  const store = new WmsStore(clock);
  const hooks = new WmsWebhooks(opts.webhookSecret ?? 'wms-webhook-secret', outbox, clock);
  if (opts.webhookRetries !== undefined) hooks.maxRetries = opts.webhookRetries;
  const limiter = new SlidingWindowLimiter(opts.rateLimit?.limit ?? 120, opts.rateLimit?.windowMs ?? 60_000, clock);
  const ctx: WmsContext = { store, ledger, clock, webhooks: hooks };
  const sim = new WmsSimulator(ctx);
  const receipts = new ReceiptStore();
  const keySet = new Set(apiKeys);

  const base = await buildFake(
    {
      kind: 'generic-wms',
      basePath: WMS_BASE_PATH,
      responders: {
        serverError: (res, status) => wmsError(res, status, status === 503 ? 'unavailable' : 'internal_error', status === 503 ? 'Service temporarily unavailable' : 'Internal server error'),
        tooManyRequests: (res) => send429(res, 1000, limiter.limit),
      },
      credentialOf: (req) => req.header(API_KEY_HEADER),
      mountApi(r) {
        r.use(requireApiKey(keySet));
        r.use(rateLimit(limiter));
        mountWms(r, ctx);
        mountReceipts(r, ctx, receipts);
      },
      mountControl: (r) => {
        mountWmsControls(r, ctx, sim);
        mountReceiptControls(r, ctx, receipts);
      },
      resetState() {
        store.reset();
        receipts.reset();
        hooks.resetFeed();
        limiter.reset();
      },
      onError: (_err, res) => wmsError(res, 500, 'internal_error', 'Internal server error'),
      notFound: (req, res) => wmsError(res, 404, 'not_found', `No route ${req.method} ${req.path}`),
    },
    opts,
    { ledger, clock, webhooks: outbox },
  );
  return Object.assign(base, {
    kind: 'generic-wms' as const,
    store,
    sim,
    wms: hooks,
    apiKeys,
    get webhookSecret() {
      return hooks.secret;
    },
    limiter,
    receipts,
  });
}
