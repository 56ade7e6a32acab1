import express, { type Request, type Response, type NextFunction } from 'express';
import { timingSafeEqual } from 'node:crypto';
import type { BridgeMetrics } from '../runtime/metrics.js';

export interface ReadinessProbe {
  /** Odoo reachable (last claim or write-back worked), mappings loaded, circuit per target (and more, e.g. the last quota observation per target). */
  check(): Promise<{ ready: boolean; odoo: string; mappings: string; targets: Record<string, string> }>;
}

export interface ServerDeps {
  metrics: BridgeMetrics;
  readiness: ReadinessProbe;
  adminToken?: string;
  /** Extra routers mounted by later features (webhooks under /webhooks, admin under /admin). */
  mount?: (app: express.Express, requireAdmin: express.RequestHandler) => void;
}

/** The sidecar's HTTP face: probes, Prometheus metrics, admin endpoints, webhooks. */
export function createServer(deps: ServerDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.get('/healthz', (_req, res) => { res.json({ status: 'alive' }); });
  app.get('/readyz', (_req, res, next) => {
    deps.readiness.check().then((r) => { res.status(r.ready ? 200 : 503).json(r); }, next);
  });
  app.get('/metrics', (_req, res, next) => {
    deps.metrics.registry.metrics().then((text) => {
      res.type(deps.metrics.registry.contentType).send(text);
    }, next);
  });
  deps.mount?.(app, requireAdmin(deps.adminToken));
  app.use((_req, res) => { res.status(404).json({ error: { code: 'not_found', message: 'no such endpoint' } }); });
  app.use((err: Error, _req: Request, res: Response, _next: NextFunction) => {
    res.status(500).json({ error: { code: 'internal', message: err.message } });
  });
  return app;
}

/** Admin endpoints need `Authorization: Bearer <server.admin_token>`; without a token they are off. */
export function requireAdmin(token: string | undefined): express.RequestHandler {
  return (req, res, next) => {
    if (!token) { res.status(403).json({ error: { code: 'admin_disabled', message: 'set server.admin_token to enable admin endpoints' } }); return; }
    const given = (req.headers.authorization ?? '').replace(/^Bearer\s+/i, '');
    const a = Buffer.from(given);
    const b = Buffer.from(token);
    if (a.length !== b.length || !timingSafeEqual(a, b)) { res.status(401).json({ error: { code: 'unauthorized', message: 'missing or wrong admin token' } }); return; }
    next();
  };
}
