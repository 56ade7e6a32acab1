import { PermanentError } from '../../errors/index.js';
import type { DeliveryResult } from '../connector.js';
import { str, type Obj } from '../payload.js';
import { channelHeader, type ShipBobContext } from './context.js';
import { FINAL_STATUSES, findOrderByReference, getOrder } from './lookup.js';

export type CancelOutcome = 'cancelled' | 'already_cancelled';

/**
 * `POST /order/{id}:cancel`. An order already cancelled counts as success; a shipped one is a
 * 'conflict' (it must be handled as a return). Any other refusal is re-checked with
 * `GET /order/{id}` before it is reported, so a cancel that landed on an earlier attempt is
 * recognised.
 */
export async function cancelOrderById(ctx: ShipBobContext, id: string): Promise<CancelOutcome> {
  const res = await ctx.call({ method: 'POST', path: `order/${encodeURIComponent(id)}:cancel`, headers: channelHeader(ctx), accept: [400, 404, 409, 422] });
  if (res.status < 300) return 'cancelled';
  const order = await getOrder(ctx, id);
  const status = order ? str(order.status) : undefined;
  if (status === 'Cancelled') return 'already_cancelled';
  if (status && FINAL_STATUSES.has(status)) {
    throw new PermanentError(`${ctx.req.target}: ShipBob order ${id} is ${status}; it can no longer be cancelled (handle it as a return)`, { category: 'conflict', details: { status: res.status, orderStatus: status } });
  }
  const body = res.body as Obj | undefined;
  const why = (body && (str(body.detail) ?? str(body.title))) ?? `HTTP ${res.status}`;
  throw new PermanentError(`${ctx.req.target}: POST /order/${id}:cancel -> HTTP ${res.status}: ${why}${status ? ` (order status ${status})` : ''}`, {
    category: res.status === 409 ? 'conflict' : 'rejected',
    details: { status: res.status, orderStatus: status },
  });
}

/** Finds the ShipBob order of this event: externalRef (sync.link) first, else by reference_id. */
export async function resolveOrder(ctx: ShipBobContext): Promise<Obj | undefined> {
  if (ctx.req.externalRef) {
    const o = await getOrder(ctx, ctx.req.externalRef);
    if (o) return o;
  }
  const ref = str(ctx.req.payload.reference_id);
  return ref ? findOrderByReference(ctx, ref) : undefined;
}

/** cancel: cancels the order; an order ShipBob never received needs no cancelling. */
export async function cancelOrder(ctx: ShipBobContext): Promise<DeliveryResult> {
  let order: Obj | undefined;
  let id = ctx.req.externalRef;
  if (!id) {
    const ref = str(ctx.req.payload.reference_id);
    if (!ref) throw new PermanentError('ShipBob cancel: neither a known ShipBob order id (sync.link) nor a reference_id in the mapped payload', { category: 'mapping' });
    order = await findOrderByReference(ctx, ref);
    id = order ? str(order.id) : undefined;
    if (!id) return { summary: `no ShipBob order with reference ${ref}; nothing to cancel` };
  }
  if (order && order.status === 'Cancelled') {
    return { externalRef: id, summary: `ShipBob order ${id} was already cancelled`, deduplicated: true };
  }
  const outcome = await cancelOrderById(ctx, id);
  return outcome === 'cancelled'
    ? { externalRef: id, summary: `ShipBob order ${id} cancelled` }
    : { externalRef: id, summary: `ShipBob order ${id} was already cancelled`, deduplicated: true };
}
