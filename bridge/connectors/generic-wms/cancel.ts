import type { DeliveryResult } from '../connector.js';
import { fillPath } from '../http/url.js';
import { unsupported } from '../payload.js';
import { bodyFor, placeholders, type GenericContext } from './write.js';

/**
 * cancel: default POST /orders/{reference}/cancel. A "not found" status (default 404) means
 * the WMS never had the order: nothing to cancel, done. A duplicate status means already cancelled.
 */
export async function cancelOrder(ctx: GenericContext): Promise<DeliveryResult> {
  const op = ctx.options.operations.cancel;
  if (!op) throw unsupported('generic_wms', ctx.req);
  const path = fillPath(op.path, placeholders(ctx));
  const notFound = ctx.options.notFoundStatuses;
  const probe = await ctx.call({ method: op.method, path, body: bodyFor(ctx, op.path), accept: [...notFound, ...ctx.options.duplicateStatuses] });
  if (notFound.includes(probe.status)) return { externalRef: ctx.req.externalRef, summary: `cancel ${path}: the WMS has no such order (HTTP ${probe.status}); nothing to cancel` };
  if (ctx.options.duplicateStatuses.includes(probe.status)) return { externalRef: ctx.req.externalRef, summary: `cancel ${path}: already cancelled (HTTP ${probe.status})`, deduplicated: true };
  return { externalRef: ctx.req.externalRef, summary: `order cancelled: ${path}` };
}
