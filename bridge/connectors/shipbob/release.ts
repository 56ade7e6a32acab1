import { PermanentError, TransientError } from '../../errors/index.js';
import type { DeliveryResult } from '../connector.js';
import { isInDoubt, statusOf, stillInDoubt } from '../http/classify.js';
import { isObj, requireStr, str, type Obj } from '../payload.js';
import { channelHeader, type ShipBobContext } from './context.js';
import { looksDuplicate } from './errors.js';
import { findOrderByReference } from './lookup.js';

function result(ctx: ShipBobContext, order: Obj, referenceId: string, deduplicated: boolean, verb = 'created'): DeliveryResult {
  const id = str(order.id);
  if (!id) throw new TransientError(`${ctx.req.target}: ShipBob answered without an order id for ${referenceId}`, { details: { inDoubt: true } });
  return {
    externalRef: id,
    links: [{ model: ctx.req.model, res_id: ctx.req.resId, external_id: id }],
    summary: deduplicated
      ? `ShipBob order ${id} already exists for ${referenceId} (found by reference, not created again)`
      : `ShipBob order ${id} ${verb} for ${referenceId}`,
    deduplicated: deduplicated || undefined,
  };
}

/**
 * An order found by reference that answers for this create, or undefined when there is none. A
 * cancelled order never does: ShipBob keeps a reference on a cancelled order, so only a live
 * order counts as "already created", and a cancelled one alone is a conflict the user must see
 * (a re-release under the same reference would otherwise be marked done on a cancelled order).
 */
async function liveOrderByReference(ctx: ShipBobContext, referenceId: string): Promise<Obj | undefined> {
  const found = await findOrderByReference(ctx, referenceId); // live ones first
  if (!found || found.status !== 'Cancelled') return found;
  throw new PermanentError(
    `${ctx.req.target}: ShipBob order ${String(found.id)} with reference ${referenceId} is cancelled, and ShipBob does not take a reference twice: the order was not created again. To send it again, cancel it in Odoo and confirm it again (it is then released under a new reference, ${referenceId}-2); a custom mapping must map reference_id from sync_wms_ref (addon 18.0.1.8.0) for that`,
    { category: 'conflict', details: { shipbobOrderId: String(found.id), referenceId } },
  );
}

/**
 * Creates a ShipBob order whose reference_id is the idempotency key. ShipBob has no
 * idempotency header, so an order is never created twice by looking it up by reference:
 * before the POST when a previous attempt may have reached ShipBob, after a POST that timed
 * out (or got a 5xx / reset), and after a 409/422 saying the reference is taken.
 */
export async function createOrder(ctx: ShipBobContext, body: Obj, referenceId: string, lookupFirst: boolean): Promise<DeliveryResult> {
  if (!ctx.options.channelId) {
    throw new PermanentError(`${ctx.req.target}: options.channel_id is not set; ShipBob needs the shipbob_channel_id header to create orders`, { category: 'internal' });
  }
  if (lookupFirst) {
    const existing = await liveOrderByReference(ctx, referenceId);
    if (existing) {
      ctx.log.info('in-doubt check: order already in ShipBob; not creating it again', { referenceId, orderId: existing.id });
      return result(ctx, existing, referenceId, true);
    }
  }
  let res;
  try {
    res = await ctx.call({ method: 'POST', path: 'order', body, headers: channelHeader(ctx) });
  } catch (err) {
    const status = statusOf(err);
    const dupCandidate = err instanceof PermanentError && status !== undefined && (status === 409 || status === 422 || (status === 400 && looksDuplicate(status, err.message)));
    if (isInDoubt(err) || dupCandidate) {
      const lookup = () => liveOrderByReference(ctx, referenceId);
      const existing = isInDoubt(err) ? await stillInDoubt(lookup) : await lookup();
      if (existing) {
        ctx.log.info('order found by reference after an uncertain or duplicate answer', { referenceId, orderId: existing.id });
        return result(ctx, existing, referenceId, true);
      }
    }
    throw err;
  }
  if (!isObj(res.body)) throw new TransientError(`${ctx.req.target}: ShipBob answered POST /order with no order body`, { details: { inDoubt: true } });
  return result(ctx, res.body, referenceId, false);
}

/** release (kind 'order'): create the order, deduplicated by reference_id. */
export async function releaseOrder(ctx: ShipBobContext): Promise<DeliveryResult> {
  const referenceId = requireStr(ctx.req.payload, 'reference_id', 'ShipBob order');
  return createOrder(ctx, ctx.req.payload, referenceId, ctx.req.attempts > 1 || ctx.req.inDoubt === true || ctx.req.externalRef !== undefined);
}
