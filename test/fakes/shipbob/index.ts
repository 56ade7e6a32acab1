import { Clock } from '../common/clock.js';
import { buildFake, type BaseFake, type BaseFakeOptions } from '../common/fake-base.js';
import { Ledger } from '../common/ledger.js';
import { SlidingWindowLimiter } from '../common/rate-limit.js';
import { WebhookOutbox } from '../common/webhooks.js';
import { bearerToken, requireBearer } from './auth.js';
import { API_VERSION, type ShipBobContext } from './context.js';
import { mountShipBobControls } from './controls.js';
import { notFound, problem } from './errors.js';
import { rateLimit, send429 } from './rate-limit.js';
import { mountInventory } from './routes-inventory.js';
import { mountOrders } from './routes-orders.js';
import { mountProducts } from './routes-products.js';
import { mountReturns } from './routes-returns.js';
import { mountReceiving, mountReceivingControls } from './routes-receiving.js';
import { ReceivingStore } from './receiving.js';
import { ShipBobSimulator } from './simulator.js';
import { ShipBobStore, type Location } from './store.js';
import { newWhsecSecret, ShipBobWebhooks } from './webhooks.js';

export interface ShipBobFakeOptions extends BaseFakeOptions {
  /** Accepted bearer tokens (default ['shipbob-test-token']). */
  tokens?: string[];
  /** Channels the tokens can write to (default [{id: 100, name: 'Odoo Sync Bridge'}]). */
  channels?: Array<{ id: number; name: string }>;
  /** Fulfilment centres (default two). The first is the default location. */
  locations?: Location[];
  /** Requests per window per token (default 150) and window (default 60 000 ms). */
  rateLimit?: { limit?: number; windowMs?: number };
  /** Standard Webhooks secret `whsec_<base64>` (generated when omitted). */
  webhookSecret?: string;
}

export interface ShipBobFake extends BaseFake {
  kind: 'shipbob';
  store: ShipBobStore;
  sim: ShipBobSimulator;
  webhookSecret: string;
  tokens: string[];
  channels: Array<{ id: number; name: string }>;
  limiter: SlidingWindowLimiter;
  shipbob: ShipBobWebhooks;
  /** Warehouse receiving orders (POST /receiving ...). */
  receiving: ReceivingStore;
}

export async function startShipBobFake(opts: ShipBobFakeOptions = {}): Promise<ShipBobFake> {
  const clock = new Clock();
  const ledger = new Ledger();
  const outbox = new WebhookOutbox();
  const tokens = opts.tokens ?? ['shipbob-test-token'];
  const channels = opts.channels ?? [{ id: 100, name: 'Odoo Sync Bridge' }];
  const locations = opts.locations ?? [
    { id: 1, name: 'Cicero (IL)' },
    { id: 2, name: 'Moreno Valley (CA)' },
  ];
  const store = new ShipBobStore(locations, channels, clock);
  const limiter = new SlidingWindowLimiter(opts.rateLimit?.limit ?? 150, opts.rateLimit?.windowMs ?? 60_000, clock);
  const webhooks = new ShipBobWebhooks(opts.webhookSecret ?? newWhsecSecret(), outbox, clock);
  const ctx: ShipBobContext = { store, ledger, clock, webhooks };
  const receiving = new ReceivingStore(store, clock);
  const sim = new ShipBobSimulator(ctx);
  const tokenSet = new Set(tokens);

  const base = await buildFake(
    {
      kind: 'shipbob',
      basePath: `/${API_VERSION}`,
      responders: {
        serverError: (res, status) => problem(res, status),
        tooManyRequests: (res) => send429(res, { retryAfterMs: 60_000 }),
      },
      credentialOf: (req) => bearerToken(req),
      mountApi(r) {
        r.use(requireBearer(tokenSet));
        r.use(rateLimit(limiter));
        mountProducts(r, ctx);
        mountOrders(r, ctx);
        mountReturns(r, ctx);
        mountInventory(r, ctx);
        mountReceiving(r, ctx, receiving);
      },
      mountControl: (r) => {
        mountShipBobControls(r, ctx, sim);
        mountReceivingControls(r, receiving);
      },
      resetState() {
        store.reset();
        receiving.reset();
        limiter.reset();
      },
      onError: (_err, res) => problem(res, 500),
      notFound: (_req, res) => notFound(res),
    },
    opts,
    { ledger, clock, webhooks: outbox },
  );
  return Object.assign(base, {
    kind: 'shipbob' as const,
    store,
    sim,
    get webhookSecret() {
      return webhooks.secret;
    },
    tokens,
    channels,
    limiter,
    shipbob: webhooks,
    receiving,
  });
}
