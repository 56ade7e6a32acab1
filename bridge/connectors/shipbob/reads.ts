import type { Logger } from '../../log/logger.js';
import type { TargetHttpClient } from '../http/http-client.js';
import { paginateCursorLinks, paginatePages } from '../http/pagination.js';
import type { Query } from '../http/url.js';

/** Reads for the runtime and reconciliation. Orders page by Page/Limit; the rest by body cursor links. */
export function listOrders(client: TargetHttpClient, opts: { correlationId: string; query?: Query; limit?: number; log?: Logger }) {
  return paginatePages(client, { path: 'order', pageParam: 'Page', limitParam: 'Limit', limit: opts.limit ?? 250, ...opts });
}

/** Orders shipped but not yet acknowledged (`HasTracking=true&IsTrackingUploaded=false`). */
export function listUnacknowledgedShipments(client: TargetHttpClient, opts: { correlationId: string; limit?: number; log?: Logger }) {
  return listOrders(client, { ...opts, query: { HasTracking: true, IsTrackingUploaded: false } });
}

export function listProducts(client: TargetHttpClient, opts: { correlationId: string; query?: Query; log?: Logger }) {
  return paginateCursorLinks(client, { path: 'product', ...opts });
}

export function listInventoryLevels(client: TargetHttpClient, opts: { correlationId: string; query?: Query; log?: Logger }) {
  return paginateCursorLinks(client, { path: 'inventory-level', ...opts });
}

export function listReturns(client: TargetHttpClient, opts: { correlationId: string; query?: Query; log?: Logger }) {
  return paginateCursorLinks(client, { path: 'return', ...opts });
}
