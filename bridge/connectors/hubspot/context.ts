import type { Logger } from '../../log/logger.js';
import type { EventCall } from '../base-connector.js';
import type { OutboundRequest } from '../connector.js';

export interface HubSpotOptions {
  /** Unique-value custom property holding the Odoo id (default odoo_id). */
  idProperty: string;
  /** Unique property of deals for order status updates (default: idProperty). */
  dealIdProperty: string;
  /** 'patch' (default): PATCH the deal; 'upsert': batch upsert it (creates when missing). */
  orderStatusMethod: 'patch' | 'upsert';
  /** Object type that kind 'order' writes to (default deals). */
  orderObject: string;
}

export interface HubSpotContext {
  req: OutboundRequest;
  call: EventCall;
  log: Logger;
  options: HubSpotOptions;
}

export function readHubSpotOptions(o: Record<string, unknown>): HubSpotOptions {
  const s = (k: string, d: string) => (typeof o[k] === 'string' && o[k] !== '' ? (o[k] as string) : d);
  const idProperty = s('id_property', 'odoo_id');
  return {
    idProperty,
    dealIdProperty: s('deal_id_property', idProperty),
    orderStatusMethod: o.order_status_method === 'upsert' ? 'upsert' : 'patch',
    orderObject: s('order_object', 'deals'),
  };
}
