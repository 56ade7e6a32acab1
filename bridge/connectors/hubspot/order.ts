import type { DeliveryResult } from '../connector.js';
import type { HubSpotContext } from './context.js';
import { upsertRecord } from './upsert-record.js';

/** kind 'order' (release/amend/upsert): batch upsert into deals (options.order_object). */
export function upsertOrder(ctx: HubSpotContext): Promise<DeliveryResult> {
  return upsertRecord(ctx, ctx.options.orderObject);
}
