import type { DeliveryResult } from '../connector.js';
import { fillPath } from '../http/url.js';
import { unsupported } from '../payload.js';
import { bodyFor, placeholders, runOperation, type GenericContext } from './write.js';

/**
 * kind 'receipt' (events `asn` and `asn_amend` of an incoming stock.picking): the `receipt`
 * operation, default `PUT /receipts/{reference}` (idempotent create-or-replace, so an amendment
 * is the same call with the current lines; 409 `receipt_locked` once the WMS started receiving
 * and the body differs -> a `conflict` on the Odoo receipt).
 */
export async function writeReceipt(ctx: GenericContext): Promise<DeliveryResult> {
  const op = ctx.options.operations.receipt;
  if (!op) throw unsupported('generic_wms', ctx.req);
  return runOperation(ctx, op, 'receipt sent');
}

/**
 * kind 'receipt_cancel' (event `asn_cancel`): the `receipt_cancel` operation, default
 * `DELETE /receipts/{reference}` (200 / 204; 409 `receipt_locked` once receiving started -> a
 * `conflict`). A "not found" status (default 404) means the WMS never had it: nothing to cancel.
 */
export async function cancelReceipt(ctx: GenericContext): Promise<DeliveryResult> {
  const op = ctx.options.operations.receipt_cancel;
  if (!op) throw unsupported('generic_wms', ctx.req);
  const path = fillPath(op.path, placeholders(ctx));
  const notFound = ctx.options.notFoundStatuses;
  const body = op.method === 'DELETE' ? undefined : bodyFor(ctx, op.path);
  const res = await ctx.call({ method: op.method, path, ...(body ? { body } : {}), accept: notFound });
  if (notFound.includes(res.status)) return { externalRef: ctx.req.externalRef, summary: `cancel ${path}: the WMS has no such receipt (HTTP ${res.status}); nothing to cancel`, deduplicated: true };
  return { externalRef: ctx.req.externalRef, summary: `receipt cancelled: ${path}` };
}
