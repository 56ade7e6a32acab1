import { PermanentError } from '../../errors/index.js';
import type { Logger } from '../../log/logger.js';
import type { TargetHttpClient } from './http-client.js';
import type { Query } from './url.js';

/**
 * Async iterators over paged reads. Each yields items one by one and fetches the next page
 * lazily, so a consumer can stop early (`break`) without reading further pages. A cursor that
 * repeats, or more than `maxPages` pages, ends the walk with an error instead of looping.
 */
interface Common {
  correlationId: string;
  log?: Logger;
  maxPages?: number;
}

function guard(target: string, path: string, seen: Set<string>, cursor: string, pages: number, maxPages: number): void {
  if (seen.has(cursor)) throw new PermanentError(`${target}: pagination of ${path} repeated cursor; stopping`, { category: 'internal' });
  if (pages >= maxPages) throw new PermanentError(`${target}: pagination of ${path} exceeded ${maxPages} pages; stopping`, { category: 'internal' });
  seen.add(cursor);
}

function arrayAt(body: unknown, key: string): unknown[] {
  if (Array.isArray(body)) return body;
  if (body && typeof body === 'object') {
    const v = (body as Record<string, unknown>)[key];
    if (Array.isArray(v)) return v;
  }
  return [];
}

/**
 * Page-number pagination (ShipBob orders: `Page` from 1, `Limit` up to 250; the body is an
 * array). Stops at a short page, or at the `total-pages` header when the target sends it.
 */
export async function* paginatePages<T = Record<string, unknown>>(
  client: TargetHttpClient,
  opts: Common & { path: string; query?: Query; pageParam?: string; limitParam?: string; limit?: number; firstPage?: number; itemsKey?: string },
): AsyncGenerator<T> {
  const pageParam = opts.pageParam ?? 'Page';
  const limitParam = opts.limitParam ?? 'Limit';
  const limit = opts.limit ?? 250;
  const maxPages = opts.maxPages ?? 10_000;
  for (let page = opts.firstPage ?? 1, n = 0; ; page++, n++) {
    if (n >= maxPages) throw new PermanentError(`${client.code}: pagination of ${opts.path} exceeded ${maxPages} pages; stopping`, { category: 'internal' });
    const res = await client.request({
      method: 'GET', path: opts.path, query: { ...opts.query, [pageParam]: page, [limitParam]: limit }, correlationId: opts.correlationId, log: opts.log,
    });
    const items = arrayAt(res.body, opts.itemsKey ?? 'items') as T[];
    for (const item of items) yield item;
    const totalPages = Number(res.headers.get('total-pages') ?? NaN);
    if (items.length === 0 || items.length < limit) return;
    if (Number.isFinite(totalPages) && page >= totalPages) return;
  }
}

/**
 * Cursor links in the body (ShipBob products, inventory, returns): `{items: [...], next: <url>}`
 * where `next` is an absolute or relative URL (null/absent on the last page). Links are only
 * followed on the target's own origin.
 */
export async function* paginateCursorLinks<T = Record<string, unknown>>(
  client: TargetHttpClient,
  opts: Common & { path: string; query?: Query; itemsKey?: string; nextKey?: string },
): AsyncGenerator<T> {
  const seen = new Set<string>();
  const maxPages = opts.maxPages ?? 10_000;
  let path: string | undefined = opts.path;
  let query: Query | undefined = opts.query;
  for (let pages = 0; path !== undefined; pages++) {
    const res = await client.request({ method: 'GET', path, query, correlationId: opts.correlationId, log: opts.log });
    for (const item of arrayAt(res.body, opts.itemsKey ?? 'items') as T[]) yield item;
    const body = (res.body ?? {}) as Record<string, unknown>;
    const next = body[opts.nextKey ?? 'next'];
    if (typeof next !== 'string' || next === '') return;
    guard(client.code, opts.path, seen, next, pages + 1, maxPages);
    // A link with a leading slash is a path on the API's origin (ShipBob's `next` already holds
    // the version segment, e.g. /2026-01/inventory-level?Cursor=..); other relative links are
    // relative to the base URL; a link carries its own query.
    path = next.startsWith('/') ? new URL(next, client.baseUrl).toString() : next;
    query = undefined;
  }
}

/**
 * HubSpot cursor pagination: `after` + `limit`, next cursor in `paging.next.after`. GET list
 * endpoints take them in the query; POST search endpoints in the body.
 */
export async function* paginateAfter<T = Record<string, unknown>>(
  client: TargetHttpClient,
  opts: Common & { path: string; method?: 'GET' | 'POST'; query?: Query; body?: Record<string, unknown>; limit?: number },
): AsyncGenerator<T> {
  const seen = new Set<string>();
  const maxPages = opts.maxPages ?? 10_000;
  const limit = opts.limit ?? 100;
  let after: string | undefined;
  for (let pages = 0; ; pages++) {
    const res = opts.method === 'POST'
      ? await client.request({ method: 'POST', path: opts.path, query: opts.query, body: { ...opts.body, limit, ...(after ? { after } : {}) }, correlationId: opts.correlationId, log: opts.log })
      : await client.request({ method: 'GET', path: opts.path, query: { ...opts.query, limit, after }, correlationId: opts.correlationId, log: opts.log });
    for (const item of arrayAt(res.body, 'results') as T[]) yield item;
    const paging = (res.body as { paging?: { next?: { after?: unknown } } } | undefined)?.paging;
    const next = paging?.next?.after;
    if (next === undefined || next === null || next === '') return;
    guard(client.code, opts.path, seen, String(next), pages + 1, maxPages);
    after = String(next);
  }
}

/**
 * Salesforce query pagination: `{records, done, nextRecordsUrl}`; nextRecordsUrl is a path
 * from the instance root (/services/data/v61.0/query/01g...-2000).
 */
export async function* paginateNextRecordsUrl<T = Record<string, unknown>>(
  client: TargetHttpClient,
  opts: Common & { path: string; query?: Query },
): AsyncGenerator<T> {
  const seen = new Set<string>();
  const maxPages = opts.maxPages ?? 10_000;
  let path: string | undefined = opts.path;
  let query: Query | undefined = opts.query;
  for (let pages = 0; path !== undefined; pages++) {
    const res = await client.request({ method: 'GET', path, query, correlationId: opts.correlationId, log: opts.log });
    const body = (res.body ?? {}) as { records?: unknown; done?: unknown; nextRecordsUrl?: unknown };
    for (const item of arrayAt(body, 'records') as T[]) yield item;
    if (body.done === true || typeof body.nextRecordsUrl !== 'string' || body.nextRecordsUrl === '') return;
    guard(client.code, opts.path, seen, body.nextRecordsUrl, pages + 1, maxPages);
    path = new URL(body.nextRecordsUrl, client.baseUrl).toString();
    query = undefined;
  }
}

/**
 * Opaque cursor in the body (generic WMS profile: `{items: [...], next_cursor: "..."}`, `null`
 * on the last page), passed back as the `cursor` query parameter with `limit`.
 */
export async function* paginateNextCursor<T = Record<string, unknown>>(
  client: TargetHttpClient,
  opts: Common & { path: string; query?: Query; limit?: number; itemsKey?: string; nextKey?: string; cursorParam?: string },
): AsyncGenerator<T> {
  const seen = new Set<string>();
  const maxPages = opts.maxPages ?? 10_000;
  let cursor: string | undefined;
  for (let pages = 0; ; pages++) {
    const res = await client.request({
      method: 'GET', path: opts.path, query: { ...opts.query, ...(opts.limit ? { limit: opts.limit } : {}), ...(cursor ? { [opts.cursorParam ?? 'cursor']: cursor } : {}) }, correlationId: opts.correlationId, log: opts.log,
    });
    for (const item of arrayAt(res.body, opts.itemsKey ?? 'items') as T[]) yield item;
    const next = ((res.body ?? {}) as Record<string, unknown>)[opts.nextKey ?? 'next_cursor'];
    if (typeof next !== 'string' || next === '') return;
    guard(client.code, opts.path, seen, next, pages + 1, maxPages);
    cursor = next;
  }
}
