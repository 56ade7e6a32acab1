import type { DeliveryResult } from '../connector.js';
import { unsupported } from '../payload.js';
import { runOperation, type GenericContext } from './write.js';

/** kind 'order_status': only when options.status_path is set (no default). */
export async function writeStatus(ctx: GenericContext): Promise<DeliveryResult> {
  const op = ctx.options.operations.status;
  if (!op) throw unsupported('generic_wms', ctx.req);
  return runOperation(ctx, op, 'status sent');
}
