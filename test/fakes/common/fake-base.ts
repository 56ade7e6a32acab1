import express from 'express';
import type { NextFunction, Request, Response, Router } from 'express';
import { captureRawBody } from './body.js';
import { Clock } from './clock.js';
import { FaultInjector, type FaultResponders } from './faults.js';
import { ManagedServer } from './http-server.js';
import { Ledger, type LedgerRequest } from './ledger.js';
import { WebhookOutbox } from './webhooks.js';

export type FakeKind = 'shipbob' | 'hubspot' | 'salesforce' | 'generic-wms';

export interface BaseFakeOptions {
  /** Port for the vendor API (0 = any free port). */
  port?: number;
  /** Optional second port serving only /__control/ (stays up while the API is "down"). */
  controlPort?: number;
  /** Where simulated webhooks are sent (can be changed later with fake.setWebhookTarget). */
  webhookUrl?: string;
}

/** What every fake returns from startFake. */
export interface BaseFake {
  kind: FakeKind;
  /** Origin, e.g. http://127.0.0.1:41234 (no vendor path prefix). */
  url: string;
  /** The URL a client uses as its API base (ShipBob: <url>/2026-01, others: url). */
  baseUrl: string;
  port: number;
  /** Origin of the /__control/ endpoints (same as url unless controlPort was given). */
  controlUrl: string;
  ledger: Ledger;
  faults: FaultInjector;
  clock: Clock;
  webhooks: WebhookOutbox;
  setWebhookTarget(url: string | null): void;
  /** Clears vendor state, ledger, faults, rate-limit windows, clock offset and deliveries. */
  reset(): Promise<void>;
  close(): Promise<void>;
}

export interface VendorSpec {
  kind: FakeKind;
  basePath: string;
  responders: FaultResponders;
  /** The credential a request presents (for the ledger). */
  credentialOf(req: Request): string | undefined;
  /** Mounts the vendor API routes (raw body captured, faults applied already). */
  mountApi(router: Router): void;
  /** Mounts vendor-specific test controls under /__control/ (JSON bodies parsed). */
  mountControl(router: Router): void;
  /** Clears vendor state (store, limiter windows, tokens). */
  resetState(): void;
  /** Vendor's answer for an unexpected exception. */
  onError(err: unknown, res: Response): void;
  /** Vendor's answer for an unknown route. */
  notFound(req: Request, res: Response): void;
}

function asyncSafe(fn: (req: Request, res: Response) => unknown) {
  return (req: Request, res: Response, next: NextFunction) => {
    Promise.resolve()
      .then(() => fn(req, res))
      .catch(next);
  };
}

function num(v: unknown, dflt: number): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v !== '' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : dflt;
}

export interface BuiltFake extends BaseFake {
  app: express.Express;
}

export async function buildFake(
  spec: VendorSpec,
  opts: BaseFakeOptions,
  shared: { ledger: Ledger; clock: Clock; webhooks: WebhookOutbox },
): Promise<BuiltFake> {
  const { ledger, clock, webhooks } = shared;
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  const server = new ManagedServer(app);
  const faults = new FaultInjector(server, spec.responders);
  let controlServer: ManagedServer | null = null;

  const reset = async () => {
    spec.resetState();
    ledger.reset();
    clock.reset();
    webhooks.reset();
    await faults.reset();
  };

  // ---- /__control/ (never logged, never faulted) ----
  const control = express.Router();
  control.use(express.json({ limit: '5mb' }));
  control.get('/health', (_req, res) => {
    res.json({ kind: spec.kind, ok: true, faults: faults.state() });
  });
  control.get('/ledger', (_req, res) => {
    res.json(ledger.snapshot());
  });
  control.get('/ledger/creates/:key', (req, res) => {
    const resource = typeof req.query['resource'] === 'string' ? req.query['resource'] : undefined;
    res.json({ key: req.params['key'], creates: ledger.createsFor(String(req.params['key']), resource) });
  });
  control.post(
    '/reset',
    asyncSafe(async (_req, res) => {
      await reset();
      res.json({ ok: true });
    }),
  );
  control.get('/faults', (_req, res) => {
    res.json(faults.state());
  });
  control.post(
    '/faults/:action',
    asyncSafe(async (req, res) => {
      const b = (req.body ?? {}) as Record<string, unknown>;
      const n = num(b['n'], 1);
      switch (req.params['action']) {
        case 'down': {
          // Answer first: the listener is about to close.
          const forMs = b['forMs'] === undefined ? undefined : num(b['forMs'], 0);
          res.json({ ok: true, down: true, forMs: forMs ?? null });
          res.on('finish', () => setTimeout(() => void faults.down(forMs), 10));
          return;
        }
        case 'up':
          await faults.up();
          break;
        case 'slow':
          faults.slow(num(b['ms'], 0));
          break;
        case 'lateAnswer':
          faults.lateAnswer(num(b['ms'], 0));
          break;
        case 'next5xx':
          faults.next5xx(n, num(b['status'], 503));
          break;
        case 'ratio5xx':
          faults.ratio5xx(num(b['ratio'], 0), num(b['status'], 500));
          break;
        case 'next429':
          faults.next429(n);
          break;
        case 'timeout':
          faults.timeout(b['n'] === undefined ? Infinity : n);
          break;
        case 'drop':
          faults.drop(n);
          break;
        case 'reset':
          await faults.reset();
          break;
        default:
          res.status(404).json({ error: `unknown fault action ${String(req.params['action'])}` });
          return;
      }
      res.json({ ok: true, faults: faults.state() });
    }),
  );
  control.post('/clock/advance', (req, res) => {
    clock.advance(num((req.body as Record<string, unknown> | undefined)?.['ms'], 0));
    res.json({ now: clock.iso() });
  });
  control.put('/webhook-target', (req, res) => {
    const url = (req.body as Record<string, unknown> | undefined)?.['url'];
    webhooks.target = typeof url === 'string' && url ? { url } : null;
    res.json({ target: webhooks.target });
  });
  control.get('/webhooks/deliveries', (_req, res) => {
    res.json(webhooks.deliveries);
  });
  spec.mountControl(control);
  control.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    res.status(400).json({ error: err instanceof Error ? err.message : String(err) });
  });
  app.use('/__control', control);

  // ---- vendor API ----
  app.use((req, res, next) => {
    const q = req.originalUrl.indexOf('?');
    const entry = ledger.startRequest(req.method, req.path, q >= 0 ? req.originalUrl.slice(q + 1) : '');
    const cred = spec.credentialOf(req);
    if (cred !== undefined) entry.credential = cred;
    const started = Date.now();
    res.locals['ledgerEntry'] = entry;
    res.on('finish', () => {
      entry.status = res.statusCode;
      entry.durationMs = Date.now() - started;
    });
    next();
  });
  app.use(faults.middleware());
  app.use(captureRawBody());
  const api = express.Router({ caseSensitive: true, strict: false });
  spec.mountApi(api);
  app.use(spec.basePath || '/', api);
  app.use((req, res) => spec.notFound(req, res));
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => spec.onError(err, res));

  const port = await server.listen(opts.port ?? 0);
  const url = `http://127.0.0.1:${port}`;
  let controlUrl = url;
  if (opts.controlPort !== undefined) {
    const capp = express();
    capp.use('/__control', control);
    controlServer = new ManagedServer(capp);
    const cport = await controlServer.listen(opts.controlPort);
    controlUrl = `http://127.0.0.1:${cport}`;
  }
  if (opts.webhookUrl) webhooks.target = { url: opts.webhookUrl };

  return {
    kind: spec.kind,
    app,
    url,
    baseUrl: url + spec.basePath,
    port,
    controlUrl,
    ledger,
    faults,
    clock,
    webhooks,
    setWebhookTarget(u: string | null) {
      webhooks.target = u ? { url: u } : null;
    },
    reset,
    async close() {
      faults.releaseHung();
      await server.stop();
      if (controlServer) await controlServer.stop();
    },
  };
}

export { asyncSafe };
export type { LedgerRequest };
