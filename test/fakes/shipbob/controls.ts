import type { Request, Response, Router } from 'express';
import type { ShipBobContext } from './context.js';
import { inventoryLevelJson } from './serialize.js';
import type { ShipBobSimulator } from './simulator.js';
import { SHIPBOB_TOPICS, type ShipBobTopic } from './webhooks.js';
import { ShipBobError } from './store.js';

/**
 * ShipBob test controls (under /__control/):
 *  POST /orders/:id/ship {lines?, carrier?, carrier_service?, tracking_number?, tracking_url?, duplicates?, silent?}
 *  POST /shipments/:id/deliver | /shipments/:id/exception {reason?} | /shipments/:id/on-hold {reason?} | /shipments/:id/release-hold
 *  POST /returns {order_id?|shipment_id?, reference_id?, location_id?, lines[{sku, quantity, action?}]}
 *  POST /returns/:id/arrive ; POST /returns/:id/complete {actions?[{sku, quantity, action, lot_number?, expiration_date?}]}
 *  PUT  /inventory {sku, location_id?, on_hand?, awaiting?, backordered?, exception?, lots?[{lot_number, expiration_date?, quantity}]}
 *  POST /webhooks/emit {topic, data, duplicates?} ; GET|PUT /webhook-secret {secret}
 *  PUT  /webhook-topics {topics: [...]} ; GET /state
 */
export function mountShipBobControls(r: Router, ctx: ShipBobContext, sim: ShipBobSimulator): void {
  const run = (fn: (req: Request) => Promise<unknown> | unknown) => async (req: Request, res: Response) => {
    try {
      res.json(await fn(req));
    } catch (e) {
      if (e instanceof ShipBobError) res.status(e.status === 404 ? 404 : 422).json({ error: e.message, errors: e.errors ?? null });
      else throw e;
    }
  };
  const b = (req: Request) => (req.body ?? {}) as Record<string, unknown>;
  const emitOpts = (req: Request) => {
    const o: { duplicates?: number; silent?: boolean } = {};
    if (typeof b(req)['duplicates'] === 'number') o.duplicates = b(req)['duplicates'] as number;
    if (b(req)['silent'] === true) o.silent = true;
    return o;
  };

  r.post('/orders/:id/ship', run((req) => sim.ship(Number(req.params['id']), b(req) as never, emitOpts(req))));
  r.post('/shipments/:id/deliver', run((req) => sim.deliver(Number(req.params['id']), emitOpts(req))));
  r.post('/shipments/:id/exception', run((req) => sim.exception(Number(req.params['id']), (b(req)['reason'] as string) ?? undefined, emitOpts(req))));
  r.post('/shipments/:id/on-hold', run((req) => sim.onHold(Number(req.params['id']), (b(req)['reason'] as string) ?? undefined, emitOpts(req))));
  r.post('/shipments/:id/release-hold', run((req) => sim.releaseHold(Number(req.params['id']))));
  r.post('/returns', run((req) => sim.createReturn(b(req) as never, emitOpts(req))));
  r.post('/returns/:id/arrive', run((req) => sim.arriveReturn(Number(req.params['id']), emitOpts(req))));
  r.post('/returns/:id/complete', run((req) => sim.completeReturn(Number(req.params['id']), b(req)['actions'] as never, emitOpts(req))));
  r.put('/inventory', run((req) => inventoryLevelJson(ctx.store.setInventory(b(req) as never))));
  r.post(
    '/webhooks/emit',
    run(async (req) => {
      const topic = b(req)['topic'] as ShipBobTopic;
      if (!SHIPBOB_TOPICS.includes(topic)) throw new ShipBobError(422, undefined, `unknown topic ${String(topic)}`);
      return ctx.webhooks.emit(topic, b(req)['data'] ?? {}, emitOpts(req));
    }),
  );
  r.get('/webhook-secret', (_req, res) => {
    res.json({ secret: ctx.webhooks.secret });
  });
  r.put('/webhook-secret', (req, res) => {
    ctx.webhooks.setSecret(String(b(req)['secret']));
    res.json({ secret: ctx.webhooks.secret });
  });
  r.put('/webhook-topics', (req, res) => {
    ctx.webhooks.subscribed = new Set((b(req)['topics'] as ShipBobTopic[]) ?? []);
    res.json({ topics: [...ctx.webhooks.subscribed] });
  });
  r.get('/state', (_req, res) => {
    res.json({ orders: ctx.store.orders.length, products: ctx.store.products.length, returns: ctx.store.returns.length });
  });
}
