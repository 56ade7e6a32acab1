import type { DeliveryResult } from '../connector.js';
import { unsupported } from '../payload.js';
import { runOperation, type GenericContext } from './write.js';

/** kind 'customer': the `customer` operation, default PUT /customers/{ref}. */
export async function writeCustomer(ctx: GenericContext): Promise<DeliveryResult> {
  const op = ctx.options.operations.customer;
  if (!op) throw unsupported('generic_wms', ctx.req);
  return runOperation(ctx, op, 'customer sent');
}
