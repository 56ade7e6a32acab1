import type { Request, Response, Router } from 'express';
import type { WmsContext } from './routes.js';
import { WmsSimError, type WmsSimulator } from './simulator.js';

/**
 * Generic WMS test controls (under /__control/):
 *  POST /orders/:reference/pick ; POST /orders/:reference/ship {lines?[{line_ref, quantity, sku?, lots?, serials?}], carrier?, tracking_number?, duplicates?}
 *  POST /returns {order_reference?, return_id?, lines[{sku, quantity, condition?, disposition?, lot?}], duplicates?}
 *  PUT  /stock {rows[{sku, on_hand, location?, lot?, expiry?, reserved?}]} ; GET|PUT /webhook-secret {secret}
 *  POST /events/purge {before: date-time}: retention, the feed's events created before it are dropped
 *                                  (a cursor before them then answers 400 invalid_cursor) -> {purged}
 */
export function mountWmsControls(r: Router, ctx: WmsContext, sim: WmsSimulator): void {
  const run = (fn: (req: Request) => unknown) => async (req: Request, res: Response) => {
    try {
      res.json(await fn(req));
    } catch (e) {
      if (e instanceof WmsSimError) res.status(e.status).json({ error: e.message });
      else throw e;
    }
  };
  const b = (req: Request) => (req.body ?? {}) as Record<string, unknown>;
  r.post('/orders/:reference/pick', run((req) => sim.startPicking(String(req.params['reference']))));
  r.post('/orders/:reference/ship', run((req) => sim.ship(String(req.params['reference']), b(req) as never)));
  r.post('/returns', run((req) => sim.receiveReturn(b(req) as never)));
  r.put('/stock', run((req) => sim.setStock((b(req)['rows'] as never) ?? [])));
  r.post('/events/purge', run((req) => {
    const before = b(req)['before'];
    if (typeof before !== 'string' || Number.isNaN(Date.parse(before))) throw new WmsSimError(422, 'before: a date-time is required');
    return { purged: ctx.webhooks.purge(before) };
  }));
  r.get('/webhook-secret', (_req, res) => {
    res.json({ secret: ctx.webhooks.secret });
  });
  r.put('/webhook-secret', (req, res) => {
    ctx.webhooks.secret = String(b(req)['secret']);
    res.json({ secret: ctx.webhooks.secret });
  });
}
