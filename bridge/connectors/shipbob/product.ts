import { TransientError } from '../../errors/index.js';
import type { DeliveryResult } from '../connector.js';
import { isObj, str, type Obj } from '../payload.js';
import { PermanentError } from '../../errors/index.js';
import type { ShipBobContext } from './context.js';
import { findProductBySku } from './lookup.js';

function skuOf(payload: Obj): string {
  const variants = Array.isArray(payload.variants) ? payload.variants.filter(isObj) : [];
  const sku = str(payload.sku) ?? str(variants[0]?.sku);
  if (!sku) throw new PermanentError('ShipBob product: the mapped payload has no sku (variants[0].sku)', { category: 'mapping' });
  return sku;
}

/** The PATCH body: variants carry the ids ShipBob gave them, matched by SKU. */
function patchBody(payload: Obj, existing: Obj): Obj {
  const known = Array.isArray(existing.variants) ? existing.variants.filter(isObj) : [];
  const variants = Array.isArray(payload.variants)
    ? payload.variants.filter(isObj).map((v) => {
        const match = known.find((k) => k.sku === v.sku);
        return match && match.id !== undefined ? { ...v, id: match.id } : v;
      })
    : undefined;
  const { type_id: _typeId, sku: _sku, ...rest } = payload;
  return variants ? { ...rest, variants } : rest;
}

function done(ctx: ShipBobContext, id: string, sku: string, verb: string): DeliveryResult {
  return { externalRef: id, links: [{ model: ctx.req.model, res_id: ctx.req.resId, external_id: id }], summary: `ShipBob product ${id} ${verb} for SKU ${sku}` };
}

/**
 * Product upsert (kind 'product'): ShipBob has no upsert by SKU, so look the SKU up
 * (`GET /product?SKU=`), then `PATCH /product/{id}` or `POST /product`. A retry after an
 * uncertain POST finds the product by SKU and patches it instead of creating a duplicate.
 */
export async function upsertProduct(ctx: ShipBobContext): Promise<DeliveryResult> {
  const sku = skuOf(ctx.req.payload);
  const found = await findProductBySku(ctx, sku);
  if (found) {
    const id = str(found.product.id);
    if (!id) throw new TransientError(`${ctx.req.target}: ShipBob product for SKU ${sku} has no id`);
    await ctx.call({ method: 'PATCH', path: `product/${encodeURIComponent(id)}`, body: patchBody(ctx.req.payload, found.product) });
    return done(ctx, id, sku, 'updated');
  }
  const { sku: _sku, ...body } = ctx.req.payload;
  const res = await ctx.call({ method: 'POST', path: 'product', body });
  const id = isObj(res.body) ? str(res.body.id) : undefined;
  if (!id) throw new TransientError(`${ctx.req.target}: ShipBob answered POST /product without a product id`, { details: { inDoubt: true } });
  return done(ctx, id, sku, 'created');
}
