import type { Logger } from '../../log/logger.js';
import type { EventCall } from '../base-connector.js';
import type { OutboundRequest } from '../connector.js';
import type { OwnerDirectory } from './owners.js';

export interface HubSpotOptions {
  /** Unique-value custom property holding the Odoo id (default odoo_id). */
  idProperty: string;
  /** Unique property of deals for order status updates (default: idProperty). */
  dealIdProperty: string;
  /** 'patch' (default): PATCH the deal; 'upsert': batch upsert it (creates when missing). */
  orderStatusMethod: 'patch' | 'upsert';
  /** Object type that kind 'order' writes to (default deals). */
  orderObject: string;
  /** How long an owner lookup by email is reused (options.owner_cache_ttl_seconds, default 600). */
  ownerCacheTtlMs: number;
  /** Unique property of line items holding the Odoo order line id (default odoo_line_id). */
  lineItemIdProperty: string;
  /** Pause after a 429 of HubSpot's DAILY policy (options.daily_limit_retry_ms, default 1 h). */
  dailyLimitRetryMs: number;
}

export interface HubSpotContext {
  req: OutboundRequest;
  call: EventCall;
  log: Logger;
  options: HubSpotOptions;
  /** Owners by email, cached per connector. */
  owners: OwnerDirectory;
}

export function readHubSpotOptions(o: Record<string, unknown>): HubSpotOptions {
  const s = (k: string, d: string) => (typeof o[k] === 'string' && o[k] !== '' ? (o[k] as string) : d);
  const idProperty = s('id_property', 'odoo_id');
  return {
    idProperty,
    dealIdProperty: s('deal_id_property', idProperty),
    orderStatusMethod: o.order_status_method === 'upsert' ? 'upsert' : 'patch',
    orderObject: s('order_object', 'deals'),
    lineItemIdProperty: s('line_item_id_property', 'odoo_line_id'),
    ownerCacheTtlMs: (typeof o.owner_cache_ttl_seconds === 'number' && o.owner_cache_ttl_seconds >= 0 ? o.owner_cache_ttl_seconds : 600) * 1000,
    dailyLimitRetryMs: typeof o.daily_limit_retry_ms === 'number' ? o.daily_limit_retry_ms : 3_600_000,
  };
}
