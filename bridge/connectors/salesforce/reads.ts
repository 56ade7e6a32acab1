import type { SalesforceFieldDescribe } from './schema-check.js';
import type { Logger } from '../../log/logger.js';
import type { TargetHttpClient } from '../http/http-client.js';
import { paginateNextRecordsUrl } from '../http/pagination.js';

/** SOQL query walked through `nextRecordsUrl`. */
export function query(client: TargetHttpClient, soql: string, opts: { correlationId: string; apiVersion?: string; log?: Logger }) {
  return paginateNextRecordsUrl(client, {
    path: `/services/data/${opts.apiVersion ?? 'v61.0'}/query`,
    query: { q: soql },
    correlationId: opts.correlationId,
    log: opts.log,
  });
}

/** `GET /sobjects/<SObject>/updated/?start=&end=`: ids changed in a window (not paged). */
export async function updatedIds(client: TargetHttpClient, sobject: string, start: Date, end: Date, opts: { correlationId: string; apiVersion?: string; log?: Logger }): Promise<{ ids: string[]; latestDateCovered?: string }> {
  const iso = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, '+00:00');
  const res = await client.request<{ ids?: string[]; latestDateCovered?: string }>({
    method: 'GET',
    path: `/services/data/${opts.apiVersion ?? 'v61.0'}/sobjects/${encodeURIComponent(sobject)}/updated/`,
    query: { start: iso(start), end: iso(end) },
    correlationId: opts.correlationId,
    log: opts.log,
  });
  return { ids: res.body?.ids ?? [], latestDateCovered: res.body?.latestDateCovered };
}

/** `GET /sobjects/<SObject>/describe`: the SObject's fields (name, type, picklist values, flags). */
export async function describeSObject(client: TargetHttpClient, sobject: string, opts: { correlationId: string; apiVersion?: string; log?: Logger }): Promise<SalesforceFieldDescribe[]> {
  const res = await client.request<{ fields?: SalesforceFieldDescribe[] }>({
    method: 'GET',
    path: `/services/data/${opts.apiVersion ?? 'v61.0'}/sobjects/${encodeURIComponent(sobject)}/describe`,
    correlationId: opts.correlationId,
    log: opts.log,
  });
  return Array.isArray(res.body?.fields) ? res.body.fields : [];
}
