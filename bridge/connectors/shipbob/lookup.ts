import { asArray, isObj, str, type Obj } from '../payload.js';
import { channelHeader, type ShipBobContext } from './context.js';

export const FINAL_STATUSES = new Set(['Fulfilled', 'PartiallyFulfilled', 'Completed']);

/** Orders with this exact reference_id (`GET /order?ReferenceIds=`), newest first, active ones first. */
export async function findOrdersByReference(ctx: ShipBobContext, referenceId: string): Promise<Obj[]> {
  const res = await ctx.call({ method: 'GET', path: 'order', query: { ReferenceIds: referenceId }, headers: channelHeader(ctx) });
  const orders = asArray(res.body).filter(isObj).filter((o) => o.reference_id === undefined || String(o.reference_id) === referenceId);
  return orders.sort((a, b) => Number(a.status === 'Cancelled') - Number(b.status === 'Cancelled') || Number(b.id ?? 0) - Number(a.id ?? 0));
}

export async function findOrderByReference(ctx: ShipBobContext, referenceId: string): Promise<Obj | undefined> {
  return (await findOrdersByReference(ctx, referenceId))[0];
}

/** `GET /order/{id}`; undefined when ShipBob does not know it (404). */
export async function getOrder(ctx: ShipBobContext, id: string): Promise<Obj | undefined> {
  const res = await ctx.call({ method: 'GET', path: `order/${encodeURIComponent(id)}`, accept: [404], headers: channelHeader(ctx) });
  return res.status === 404 || !isObj(res.body) ? undefined : res.body;
}

/** The product holding a variant with this SKU (`GET /product?SKU=`), with that variant. */
export async function findProductBySku(ctx: ShipBobContext, sku: string): Promise<{ product: Obj; variant?: Obj } | undefined> {
  const res = await ctx.call({ method: 'GET', path: 'product', query: { SKU: sku } });
  for (const p of asArray(res.body).filter(isObj)) {
    const variants = Array.isArray(p.variants) ? p.variants.filter(isObj) : [];
    const variant = variants.find((v) => v.sku === sku);
    if (variant || p.sku === sku || variants.length === 0) return { product: p, variant };
  }
  return undefined;
}

export function idOf(o: Obj | undefined): string | undefined {
  return o ? str(o.id) : undefined;
}
