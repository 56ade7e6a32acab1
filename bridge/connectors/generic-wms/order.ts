import type { DeliveryResult } from '../connector.js';
import { unsupported } from '../payload.js';
import type { GenericContext } from './write.js';
import { runOperation } from './write.js';

/** release / amend of an order: `order` (or `amend`) operation, default PUT /orders/{reference}. */
export async function writeOrder(ctx: GenericContext): Promise<DeliveryResult> {
  const op = (ctx.req.eventType === 'amend' ? ctx.options.operations.amend : undefined) ?? ctx.options.operations.order;
  if (!op) throw unsupported('generic_wms', ctx.req);
  return runOperation(ctx, op, ctx.req.eventType === 'amend' ? 'order amended' : 'order sent');
}
