import type { Request, Response, Router } from 'express';
import type { HubSpotContext } from './context.js';
import { OBJECT_TYPES, type ObjectType, type PropertyDef } from './properties.js';
import { objectJson } from './serialize.js';
import { HubSpotSimError, type HubSpotSimulator } from './simulator.js';
import type { HubSpotWebhooks } from './webhooks.js';
import type { HubSpotOwners } from './owners.js';

/**
 * HubSpot test controls (under /__control/):
 *  POST /deals/close-won {dealId?, deal?, lineItems?[{name, quantity, price, hs_sku, ...}], companyId?, contactId?, duplicates?}
 *  POST /objects/:type/:id/change {propertyName, propertyValue, duplicates?}
 *  POST /webhooks/emit {events[{subscriptionType, objectId, propertyName?, propertyValue?}], duplicates?}
 *  GET  /objects/:type ; PUT /properties/:type/:name {type, unique?, options?}
 *  PUT  /forced-failures {ids[], message} (upsert inputs that fail with 207) ; GET /app-secret
 *  POST /owners {email, firstName?, lastName?} (a user added to the portal) ; GET /owners
 *  GET  /associations/:type/:id/:toType (ids associated with a record)
 */
export function mountHubSpotControls(r: Router, ctx: HubSpotContext, sim: HubSpotSimulator, hooks: HubSpotWebhooks, owners: HubSpotOwners): void {
  const run = (fn: (req: Request) => Promise<unknown> | unknown) => async (req: Request, res: Response) => {
    try {
      res.json(await fn(req));
    } catch (e) {
      if (e instanceof HubSpotSimError) res.status(422).json({ error: e.message });
      else throw e;
    }
  };
  const b = (req: Request) => (req.body ?? {}) as Record<string, unknown>;
  const type = (req: Request): ObjectType => {
    const t = String(req.params['type']);
    if (!(OBJECT_TYPES as readonly string[]).includes(t)) throw new HubSpotSimError(`unknown object type ${t}`);
    return t as ObjectType;
  };

  r.post(
    '/deals/close-won',
    run(async (req) => {
      const out = await sim.closeWonDeal(b(req) as never);
      return { deal: objectJson(out.deal, 'all', ['line_items', 'companies', 'contacts']), lineItems: out.lineItems.map((x) => objectJson(x, 'all')), deliveries: out.deliveries };
    }),
  );
  r.post(
    '/objects/:type/:id/change',
    run(async (req) => {
      const out = await sim.changeProperty(type(req), String(req.params['id']), String(b(req)['propertyName']), String(b(req)['propertyValue']), b(req) as never);
      return { record: objectJson(out.record, 'all'), deliveries: out.deliveries };
    }),
  );
  r.post('/webhooks/emit', run((req) => sim.emitEvents((b(req)['events'] as never) ?? [], b(req)['duplicates'] as number | undefined)));
  r.get('/objects/:type', run((req) => ctx.store.all(type(req)).map((x) => objectJson(x, 'all', [...OBJECT_TYPES]))));
  r.put(
    '/properties/:type/:name',
    run((req) => {
      ctx.schema[type(req)][String(req.params['name'])] = b(req) as unknown as PropertyDef;
      return { ok: true };
    }),
  );
  r.put(
    '/forced-failures',
    run((req) => {
      ctx.forcedFailures.clear();
      for (const id of (b(req)['ids'] as string[]) ?? []) ctx.forcedFailures.set(id, String(b(req)['message'] ?? 'Forced failure'));
      return { ids: [...ctx.forcedFailures.keys()] };
    }),
  );
  r.post('/owners', run((req) => owners.add(b(req) as { email: string })));
  r.get('/owners', run(() => owners.all()));
  r.get(
    '/associations/:type/:id/:toType',
    run((req) => {
      const rec = ctx.store.get(type(req), String(req.params['id']));
      if (!rec) throw new HubSpotSimError(`${String(req.params['type'])} ${String(req.params['id'])} not found`);
      const to = String(req.params['toType']);
      if (!(OBJECT_TYPES as readonly string[]).includes(to)) throw new HubSpotSimError(`unknown object type ${to}`);
      return ctx.store.associatedIds(rec, to as ObjectType);
    }),
  );
  r.get('/app-secret', (_req, res) => {
    res.json({ appSecret: hooks.appSecret, portalId: hooks.portalId, appId: hooks.appId });
  });
}
