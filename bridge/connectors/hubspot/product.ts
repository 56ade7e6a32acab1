import type { DeliveryResult } from '../connector.js';
import type { HubSpotContext } from './context.js';
import { upsertRecord } from './upsert-record.js';

/** kind 'product': batch upsert into products by the unique id property. */
export function upsertProduct(ctx: HubSpotContext): Promise<DeliveryResult> {
  return upsertRecord(ctx, 'products');
}
