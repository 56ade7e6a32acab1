import type { DeliveryResult } from '../connector.js';
import { unsupported } from '../payload.js';
import { runOperation, type GenericContext } from './write.js';

/**
 * kind 'receipt' (event `asn` of an incoming stock.picking): the `receipt` operation, default
 * `PUT /receipts/{reference}` (idempotent create-or-replace; 409 `receipt_locked` once the WMS
 * started receiving and the body differs -> a `conflict` on the Odoo receipt).
 */
export async function writeReceipt(ctx: GenericContext): Promise<DeliveryResult> {
  const op = ctx.options.operations.receipt;
  if (!op) throw unsupported('generic_wms', ctx.req);
  return runOperation(ctx, op, 'receipt sent');
}
