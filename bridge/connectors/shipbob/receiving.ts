import { PermanentError, TransientError } from '../../errors/index.js';
import type { DeliveryResult } from '../connector.js';
import { isInDoubt, stillInDoubt } from '../http/classify.js';
import { asArray, isObj, requireStr, str, type Obj } from '../payload.js';
import { channelHeader, type ShipBobContext } from './context.js';
import { findProductBySku } from './lookup.js';

/**
 * ASN (kind 'receipt', event `asn` of an incoming stock.picking) -> ShipBob warehouse receiving
 * order: `POST /receiving` with fulfillment_center, package_type, box_packaging_type,
 * boxes[{tracking_number, box_items[{quantity, inventory_id, lot_number?, lot_date?}]}],
 * expected_arrival_date, purchase_order_number.
 *
 * - purchase_order_number is the key (the Odoo receipt's name): ShipBob has no idempotency
 *   header, so a retry after an uncertain attempt first looks for a WRO with that number
 *   (`GET /receiving?PurchaseOrderNumbers=`) that is not cancelled.
 * - ShipBob documents box items by `inventory_id`; a mapped item that carries only `sku` is
 *   resolved with `GET /product?SKU=` (the variant's inventory id). An unknown SKU is a
 *   `validation` error: push the product to ShipBob first.
 * - WROs cannot be edited through the API: a second ASN for a receipt that already has a live
 *   WRO is reported as done (deduplicated) with that WRO.
 */
export async function createReceivingOrder(ctx: ShipBobContext): Promise<DeliveryResult> {
  const payload = ctx.req.payload;
  const po = requireStr(payload, 'purchase_order_number', 'ShipBob receiving order');
  if (!ctx.options.channelId) {
    throw new PermanentError(`${ctx.req.target}: options.channel_id is not set; ShipBob needs the shipbob_channel_id header to create receiving orders`, { category: 'internal' });
  }
  if (ctx.req.attempts > 1 || ctx.req.inDoubt === true || ctx.req.externalRef !== undefined) {
    const existing = await findReceivingOrder(ctx, po);
    if (existing) return result(ctx, existing, po, true);
  }
  const body = await resolveInventoryIds(ctx, payload);
  let res;
  try {
    res = await ctx.call({ method: 'POST', path: 'receiving', body, headers: channelHeader(ctx) });
  } catch (err) {
    if (isInDoubt(err)) {
      const existing = await stillInDoubt(() => findReceivingOrder(ctx, po));
      if (existing) return result(ctx, existing, po, true);
    }
    throw err;
  }
  if (!isObj(res.body)) throw new TransientError(`${ctx.req.target}: ShipBob answered POST /receiving with no body`, { details: { inDoubt: true } });
  return result(ctx, res.body, po, false);
}

/** The newest WRO with this purchase order number that is not cancelled. */
export async function findReceivingOrder(ctx: ShipBobContext, po: string): Promise<Obj | undefined> {
  const res = await ctx.call({ method: 'GET', path: 'receiving', query: { PurchaseOrderNumbers: po } });
  const live = asArray(res.body).filter(isObj).filter((w) => w.purchase_order_number === po && w.status !== 'Cancelled');
  return live.sort((a, b) => Number(b.id) - Number(a.id))[0];
}

async function resolveInventoryIds(ctx: ShipBobContext, payload: Obj): Promise<Obj> {
  const cache = new Map<string, number>();
  const boxes = Array.isArray(payload.boxes) ? payload.boxes.filter(isObj) : [];
  const out: Obj[] = [];
  for (const [bi, box] of boxes.entries()) {
    const items: Obj[] = [];
    for (const [ii, item] of (Array.isArray(box.box_items) ? box.box_items.filter(isObj) : []).entries()) {
      if (item.inventory_id !== undefined || typeof item.sku !== 'string') { items.push(item); continue; }
      let id = cache.get(item.sku);
      if (id === undefined) {
        const found = await findProductBySku(ctx, item.sku);
        const inv = found?.variant && isObj(found.variant.inventory) ? Number(found.variant.inventory.inventory_id) : NaN;
        if (!Number.isInteger(inv)) {
          throw new PermanentError(`${ctx.req.target}: boxes[${bi}].box_items[${ii}].sku: SKU ${item.sku} is not a ShipBob product (send the product to ShipBob first)`, { category: 'validation', details: { sku: item.sku } });
        }
        id = inv;
        cache.set(item.sku, id);
      }
      const { sku: _sku, ...rest } = item;
      items.push({ ...rest, inventory_id: id });
    }
    out.push({ ...box, box_items: items });
  }
  return { ...payload, boxes: out };
}

function result(ctx: ShipBobContext, wro: Obj, po: string, deduplicated: boolean): DeliveryResult {
  const id = str(wro.id);
  if (!id) throw new TransientError(`${ctx.req.target}: ShipBob answered without a receiving order id for ${po}`, { details: { inDoubt: true } });
  return {
    externalRef: id,
    links: [{ model: ctx.req.model, res_id: ctx.req.resId, external_id: id }],
    summary: deduplicated ? `ShipBob receiving order ${id} already exists for ${po} (not created again)` : `ShipBob receiving order ${id} created for ${po}`,
    deduplicated: deduplicated || undefined,
  };
}

/** Expected quantity per inventory id of a WRO body (boxes) or of a WRO (inventory_quantities). */
function expectedOfBody(body: Obj): Map<string, number> {
  const out = new Map<string, number>();
  for (const box of asArray(body.boxes).filter(isObj)) {
    for (const it of asArray(box.box_items).filter(isObj)) {
      const k = String(it.inventory_id);
      out.set(k, (out.get(k) ?? 0) + Number(it.quantity ?? 0));
    }
  }
  return out;
}

function expectedOfWro(wro: Obj): Map<string, number> {
  const out = new Map<string, number>();
  for (const q of asArray(wro.inventory_quantities).filter(isObj)) {
    const k = String(q.inventory_id);
    out.set(k, (out.get(k) ?? 0) + Number(q.expected_quantity ?? 0));
  }
  return out;
}

function sameDay(a: unknown, b: unknown): boolean {
  if (!a || !b) return !a && !b;
  return new Date(String(a)).toISOString().slice(0, 10) === new Date(String(b)).toISOString().slice(0, 10);
}

function unchanged(body: Obj, wro: Obj): boolean {
  const a = expectedOfBody(body);
  const b = expectedOfWro(wro);
  return a.size === b.size && [...a].every(([k, q]) => b.get(k) === q) && sameDay(body.expected_arrival_date, wro.expected_arrival_date);
}

const notChangeable = (ctx: ShipBobContext, wro: Obj, po: string, what: string) => new PermanentError(
  `${ctx.req.target}: ShipBob receiving order ${String(wro.id)} (${po}) is ${String(wro.status)}: ShipBob no longer accepts ${what}; settle the difference when it is received`,
  { category: 'conflict', details: { receiving_order: wro.id, status: wro.status } },
);

/**
 * ASN amendment (event `asn_amend`, kind 'receipt'): ShipBob receiving orders cannot be edited
 * through the API, so a changed receipt replaces its WRO: the live WRO with this purchase order
 * number is cancelled (`POST /receiving/{id}:cancel`, only while Awaiting) and a new one created
 * with the current lines. Nothing live: created. Same quantities per inventory item and arrival
 * day: nothing to do (a retry after the replacement lands here). Arrived / processing /
 * completed: a `conflict` (the warehouse is already receiving it).
 */
export async function amendReceivingOrder(ctx: ShipBobContext): Promise<DeliveryResult> {
  const po = requireStr(ctx.req.payload, 'purchase_order_number', 'ShipBob receiving order');
  const existing = await findReceivingOrder(ctx, po);
  if (!existing) return createReceivingOrder(ctx);
  if (existing.status !== 'Awaiting') throw notChangeable(ctx, existing, po, 'changes');
  const body = await resolveInventoryIds(ctx, ctx.req.payload);
  if (unchanged(body, existing)) return { ...result(ctx, existing, po, true), summary: `ShipBob receiving order ${String(existing.id)} already matches ${po}` };
  await ctx.call({ method: 'POST', path: `receiving/${encodeURIComponent(String(existing.id))}:cancel`, headers: channelHeader(ctx) });
  const res = await ctx.call({ method: 'POST', path: 'receiving', body, headers: channelHeader(ctx) });
  if (!isObj(res.body)) throw new TransientError(`${ctx.req.target}: ShipBob answered POST /receiving with no body`, { details: { inDoubt: true } });
  return { ...result(ctx, res.body, po, false), summary: `ShipBob receiving order ${String(existing.id)} cancelled and replaced by ${String(res.body.id)} for ${po}` };
}

/**
 * ASN cancellation (event `asn_cancel`, kind 'receipt_cancel'): the live WRO with this purchase
 * order number is cancelled (`POST /receiving/{id}:cancel`). None (never created, or cancelled
 * already): done. No longer Awaiting: a `conflict`.
 */
export async function cancelReceivingOrder(ctx: ShipBobContext): Promise<DeliveryResult> {
  const po = requireStr(ctx.req.payload, 'purchase_order_number', 'ShipBob receiving order cancellation');
  const existing = await findReceivingOrder(ctx, po);
  if (!existing) return { externalRef: ctx.req.externalRef, summary: `ShipBob has no live receiving order for ${po}: nothing to cancel`, deduplicated: true };
  if (existing.status !== 'Awaiting') throw notChangeable(ctx, existing, po, 'a cancellation');
  await ctx.call({ method: 'POST', path: `receiving/${encodeURIComponent(String(existing.id))}:cancel`, headers: channelHeader(ctx) });
  return { externalRef: str(existing.id), summary: `ShipBob receiving order ${String(existing.id)} cancelled for ${po}` };
}
