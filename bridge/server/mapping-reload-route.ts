import { randomUUID } from 'node:crypto';
import express from 'express';
import type { ReloadResult } from '../app/mapping-reload.js';

/** What the route needs from the reloader (bridge/app/mapping-reload.ts). */
export interface Reloader {
  reload(trigger: string, correlationId?: string): Promise<ReloadResult>;
}

/** A correlation id from the caller's `X-Correlation-Id` header (kept short and printable), or a new one. */
function correlationOf(req: express.Request): string {
  const given = req.get('x-correlation-id');
  return given && /^[\w.:-]{1,100}$/.test(given) ? given : randomUUID();
}

/**
 * `POST /admin/mappings/reload` (admin token): reloads the mapping directory, all or nothing.
 * 200 `{reloaded: true, changed: [{file, old_version, new_version}], unchanged}`;
 * 422 `{error: {code: 'mappings_invalid', message, problems: [...]}}` (the old set stays live);
 * 409 `reload_running` while another reload runs; 503 `reload_failed` when the check could not
 * run (Odoo unreachable) or the state file refused the versions.
 */
export function mappingReloadRouter(reloader: Reloader, requireAdmin: express.RequestHandler): express.Router {
  const router = express.Router();
  router.post('/admin/mappings/reload', requireAdmin, (req, res, next) => {
    reloader.reload('http', correlationOf(req)).then((r) => {
      res.set('X-Correlation-Id', r.correlationId);
      switch (r.outcome) {
        case 'ok': res.json({ reloaded: true, changed: r.changed, unchanged: r.unchanged, correlation_id: r.correlationId }); return;
        case 'invalid': res.status(422).json({ error: { code: 'mappings_invalid', message: r.message, problems: r.problems, correlation_id: r.correlationId } }); return;
        case 'busy': res.status(409).json({ error: { code: 'reload_running', message: r.message, correlation_id: r.correlationId } }); return;
        case 'error': res.status(503).json({ error: { code: 'reload_failed', message: r.message, correlation_id: r.correlationId } }); return;
      }
    }, next);
  });
  return router;
}
