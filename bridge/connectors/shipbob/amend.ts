import { createHash } from 'node:crypto';
import { PermanentError } from '../../errors/index.js';
import type { DeliveryResult } from '../connector.js';
import { requireStr, str } from '../payload.js';
import { cancelOrderById, resolveOrder } from './cancel.js';
import type { ShipBobContext } from './context.js';
import { FINAL_STATUSES, findOrderByReference } from './lookup.js';
import { createOrder } from './release.js';

/**
 * The reference of the replacement order: ShipBob keeps reference_id unique (cancelled orders
 * included), so the re-created order gets `<reference>-<8 hex of the event's idempotency key>`,
 * stable across retries of this amend event and distinct from every other amend.
 */
export function amendReference(base: string, idempotencyKey: string): string {
  return `${base}-${createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 8)}`;
}

/**
 * amend: ShipBob has no edit for an order once it is processing. Default: a 'conflict' asking
 * the user to change it in ShipBob. With `options.amend_strategy: cancel_recreate`: cancel the
 * current order (unless shipped) and create the amended one under a derived reference.
 */
export async function amendOrder(ctx: ShipBobContext): Promise<DeliveryResult> {
  const base = requireStr(ctx.req.payload, 'reference_id', 'ShipBob order');
  if (ctx.options.amendStrategy !== 'cancel_recreate') {
    const which = ctx.req.externalRef ? `ShipBob order ${ctx.req.externalRef} (${base})` : `ShipBob order ${base}`;
    throw new PermanentError(
      `${ctx.req.target}: ${which} cannot be edited through the ShipBob API once released; change it in ShipBob, or set options.amend_strategy: cancel_recreate on this target to cancel and re-create it`,
      { category: 'conflict' },
    );
  }
  const newRef = amendReference(base, ctx.req.idempotencyKey);
  // In doubt or not, a replacement already created by this event ends the job.
  const done = await findOrderByReference(ctx, newRef);
  if (done && done.status !== 'Cancelled') {
    const id = String(done.id);
    return {
      externalRef: id,
      links: [{ model: ctx.req.model, res_id: ctx.req.resId, external_id: id }],
      summary: `ShipBob order ${id} (${newRef}) already re-created for this amendment`,
      deduplicated: true,
    };
  }
  const current = await resolveOrder(ctx);
  const currentId = current ? str(current.id) : undefined;
  const status = current ? str(current.status) : undefined;
  if (currentId && status && FINAL_STATUSES.has(status)) {
    throw new PermanentError(`${ctx.req.target}: ShipBob order ${currentId} is ${status}; an amendment can no longer be applied`, { category: 'conflict' });
  }
  if (currentId && status !== 'Cancelled') await cancelOrderById(ctx, currentId);
  const created = await createOrder(ctx, { ...ctx.req.payload, reference_id: newRef }, newRef, false);
  return {
    ...created,
    summary: currentId
      ? `ShipBob order ${currentId} cancelled and re-created as ${created.externalRef} (${newRef})`
      : `no current ShipBob order for ${base}; created ${created.externalRef} (${newRef})`,
  };
}
