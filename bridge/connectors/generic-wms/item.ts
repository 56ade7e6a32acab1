import type { DeliveryResult } from '../connector.js';
import { unsupported } from '../payload.js';
import { runOperation, type GenericContext } from './write.js';

/** kind 'product': the `item` operation, default PUT /items/{sku}. */
export async function writeItem(ctx: GenericContext): Promise<DeliveryResult> {
  const op = ctx.options.operations.item;
  if (!op) throw unsupported('generic_wms', ctx.req);
  return runOperation(ctx, op, 'item sent');
}
