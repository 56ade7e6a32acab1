import type { Request, Response, Router } from 'express';
import type { Allocation } from '../common/rate-limit.js';
import type { SalesforceAuth } from './auth.js';
import { recordJson, type SalesforceContext } from './context.js';
import { SfFault } from './errors.js';
import { canonicalObject } from './objects.js';
import type { SalesforceSimulator } from './simulator.js';

/**
 * Salesforce test controls (under /__control/):
 *  POST /opportunities {name?, accountId?|accountOdooId?, stage?, closeDate?, odooId?, lineItems[{productCode, productName?, quantity, unitPrice, odooId?}], win?}
 *  POST /opportunities/:id/win ; POST /products {productCode, name, unitPrice, odooId?}
 *  POST /tokens/expire ; PUT /api-usage {used?, max?} ; GET /records/:sobject
 */
export function mountSalesforceControls(r: Router, ctx: SalesforceContext, sim: SalesforceSimulator, auth: SalesforceAuth, allocation: Allocation): void {
  const run = (fn: (req: Request) => unknown) => (req: Request, res: Response) => {
    try {
      res.json(fn(req));
    } catch (e) {
      if (e instanceof SfFault) res.status(e.status >= 400 && e.status < 500 ? e.status : 422).json(e.errors);
      else throw e;
    }
  };
  const b = (req: Request) => (req.body ?? {}) as Record<string, unknown>;
  r.post(
    '/opportunities',
    run((req) => {
      const out = sim.createOpportunity(b(req) as never);
      return { opportunity: recordJson('Opportunity', out.opportunity), lineItems: out.lineItems.map((l) => recordJson('OpportunityLineItem', l)) };
    }),
  );
  r.post('/opportunities/:id/win', run((req) => recordJson('Opportunity', sim.winOpportunity(String(req.params['id'])))));
  r.post(
    '/products',
    run((req) => {
      const x = b(req);
      const out = sim.ensureProduct(String(x['productCode']), String(x['name'] ?? x['productCode']), Number(x['unitPrice'] ?? 0), x['odooId'] as string | undefined);
      return { product: recordJson('Product2', out.product), entry: recordJson('PricebookEntry', out.entry) };
    }),
  );
  r.post(
    '/tokens/expire',
    run(() => {
      auth.expireAll();
      return { expired: auth.tokens.size };
    }),
  );
  r.put(
    '/api-usage',
    run((req) => {
      const x = b(req);
      if (typeof x['max'] === 'number') allocation.max = x['max'];
      if (typeof x['used'] === 'number') allocation.used = x['used'];
      return { used: allocation.used, max: allocation.max };
    }),
  );
  r.get(
    '/records/:sobject',
    run((req) => {
      const s = canonicalObject(ctx.store.objects, String(req.params['sobject']));
      if (!s) throw SfFault.of(404, 'NOT_FOUND', 'unknown sobject');
      return ctx.store.all(s).map((rec) => recordJson(s, rec));
    }),
  );
}
