import type { Logger } from '../../log/logger.js';
import type { EventCall } from '../base-connector.js';
import type { OutboundRequest } from '../connector.js';

export interface SalesforceOptions {
  apiVersion: string;
  /** SObject per mapping kind. */
  sobjects: Record<string, string>;
  /** External id field per kind (default external_id_field, Odoo_Id__c). */
  externalIdFields: Record<string, string>;
  defaultExternalIdField: string;
  allOrNone: boolean;
  requestLimitRetryMs: number;
}

export interface SalesforceContext {
  req: OutboundRequest;
  call: EventCall;
  log: Logger;
  options: SalesforceOptions;
}

export const DEFAULT_SOBJECTS: Record<string, string> = {
  customer: 'Account',
  product: 'Product2',
  order: 'Opportunity',
  order_status: 'Opportunity',
  order_cancel: 'Opportunity',
};

function record(v: unknown): Record<string, string> {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return {};
  return Object.fromEntries(Object.entries(v as Record<string, unknown>).filter(([, x]) => typeof x === 'string')) as Record<string, string>;
}

export function readSalesforceOptions(baseUrl: string, o: Record<string, unknown>): SalesforceOptions {
  const fromUrl = /\/services\/data\/(v\d+\.\d+)/.exec(new URL(baseUrl).pathname)?.[1];
  return {
    apiVersion: typeof o.api_version === 'string' ? o.api_version : (fromUrl ?? 'v61.0'),
    sobjects: { ...DEFAULT_SOBJECTS, ...record(o.sobjects) },
    externalIdFields: record(o.external_id_fields),
    defaultExternalIdField: typeof o.external_id_field === 'string' ? o.external_id_field : 'Odoo_Id__c',
    allOrNone: o.all_or_none === true,
    requestLimitRetryMs: typeof o.request_limit_retry_ms === 'number' ? o.request_limit_retry_ms : 3_600_000,
  };
}

export function dataPath(ctx: SalesforceContext, rest: string): string {
  return `/services/data/${ctx.options.apiVersion}/${rest.replace(/^\//, '')}`;
}
