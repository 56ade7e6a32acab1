import { ConfigError } from '../../errors/index.js';
import type { HttpMethod } from '../http/http-client.js';

export type OperationName = 'order' | 'amend' | 'cancel' | 'item' | 'customer' | 'status' | 'receipt' | 'receipt_cancel';

export interface Operation {
  method: HttpMethod;
  /** Path relative to base_url with {reference}, {sku}, {ref}, {external_id}, {res_id} placeholders. */
  path: string;
  /** GET path used to fetch the record after a "duplicate" answer; default: `path` when it names the record. */
  lookupPath?: string;
}

export interface GenericWmsOptions {
  operations: Partial<Record<OperationName, Operation>>;
  /** Dotted path of the target's id in a response body. */
  idField: string;
  referenceField: string;
  skuField: string;
  customerRefField: string;
  /** Statuses meaning "already there": fetch the record and treat the write as done. */
  duplicateStatuses: number[];
  /** Statuses meaning "no such record": a cancel of it is done. */
  notFoundStatuses: number[];
  /** Header carrying the event's idempotency key; '' disables it. */
  idempotencyHeader: string;
  /** List endpoints (cursor pages) read by the master-data reconciliation; undefined = not offered. */
  listPaths: { items?: string; customers?: string };
  /**
   * The optional event feed (`GET <path>?after=<cursor>&limit=`, docs/presets/generic-wms.md):
   * polled when the target has `poll`; undefined (the default, `events_path: null`) = not offered.
   */
  eventsPath?: string;
  /** What precedes the Odoo partner id in a customer ref (customer_upsert.yaml: `ODOO-<id>`). */
  customerRefPrefix: string;
}

export const GENERIC_DEFAULTS: Record<OperationName, Operation | undefined> = {
  order: { method: 'PUT', path: '/orders/{reference}' },
  amend: { method: 'PUT', path: '/orders/{reference}' },
  cancel: { method: 'POST', path: '/orders/{reference}/cancel', lookupPath: '/orders/{reference}' },
  item: { method: 'PUT', path: '/items/{sku}' },
  customer: { method: 'PUT', path: '/customers/{ref}' },
  status: undefined,
  receipt: { method: 'PUT', path: '/receipts/{reference}' },
  receipt_cancel: { method: 'DELETE', path: '/receipts/{reference}' },
};

const METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);

function statuses(v: unknown, key: string, dflt: number[], issues: string[]): number[] {
  if (v === undefined) return dflt;
  if (Array.isArray(v) && v.every((s) => Number.isInteger(s) && s >= 100 && s <= 599)) return v as number[];
  issues.push(`${key}: a list of HTTP statuses such as [409]`);
  return dflt;
}

/** `<name>: null` disables a list endpoint; a string replaces the default path (no default: not offered unless set). */
function listPath(o: Record<string, unknown>, name: string, dflt: string | undefined, issues: string[], key: (k: string) => string, example = dflt): string | undefined {
  const v = o[name];
  if (v === null) return undefined;
  if (v === undefined) return dflt;
  if (typeof v === 'string' && v.startsWith('/')) return v;
  issues.push(`${key(name)}: a path such as ${example ?? '/'}, or null`);
  return dflt;
}

/**
 * Reads target.options of a generic_wms target. Every operation is `<name>_path` and
 * `<name>_method` (and `<name>_lookup_path`); `<name>_path: null` disables one.
 */
export function readGenericOptions(target: string, o: Record<string, unknown>): GenericWmsOptions {
  const issues: string[] = [];
  const key = (k: string) => `targets.${target}.options.${k}`;
  const operations: Partial<Record<OperationName, Operation>> = {};
  for (const name of Object.keys(GENERIC_DEFAULTS) as OperationName[]) {
    const dflt = GENERIC_DEFAULTS[name];
    const pathOpt = o[`${name}_path`];
    if (pathOpt === null) continue;
    const path = pathOpt === undefined ? dflt?.path : pathOpt;
    if (path === undefined) continue;
    if (typeof path !== 'string' || path === '') {
      issues.push(`${key(`${name}_path`)}: a path such as /orders/{reference}`);
      continue;
    }
    const method = String(o[`${name}_method`] ?? dflt?.method ?? 'PUT').toUpperCase();
    if (!METHODS.has(method)) issues.push(`${key(`${name}_method`)}: one of GET, POST, PUT, PATCH, DELETE`);
    const lookup = o[`${name}_lookup_path`] ?? dflt?.lookupPath;
    operations[name] = { method: method as HttpMethod, path, lookupPath: typeof lookup === 'string' ? lookup : undefined };
  }
  const s = (k: string, d: string) => (typeof o[k] === 'string' && o[k] !== '' ? (o[k] as string) : d);
  const idem = o.idempotency_header;
  const out: GenericWmsOptions = {
    operations,
    idField: s('id_field', 'id'),
    referenceField: s('reference_field', 'reference'),
    skuField: s('sku_field', 'sku'),
    customerRefField: s('customer_ref_field', 'ref'),
    duplicateStatuses: statuses(o.duplicate_statuses, key('duplicate_statuses'), [409], issues),
    notFoundStatuses: statuses(o.not_found_statuses, key('not_found_statuses'), [404], issues),
    idempotencyHeader: idem === undefined ? 'Idempotency-Key' : typeof idem === 'string' ? idem : '',
    listPaths: { items: listPath(o, 'items_list_path', '/items', issues, key), customers: listPath(o, 'customers_list_path', '/customers', issues, key) },
    eventsPath: listPath(o, 'events_path', undefined, issues, key, '/events'),
    customerRefPrefix: typeof o.customer_ref_prefix === 'string' ? o.customer_ref_prefix : 'ODOO-',
  };
  if (issues.length) throw new ConfigError(issues);
  return out;
}
