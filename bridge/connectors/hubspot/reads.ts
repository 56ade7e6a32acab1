import type { HubSpotPropertyDef } from './schema-check.js';
import { TransientError } from '../../errors/index.js';
import type { Logger } from '../../log/logger.js';
import type { TargetHttpClient } from '../http/http-client.js';
import { paginateAfter } from '../http/pagination.js';

/** `GET /crm/v3/objects/{type}` walked by `after` cursor. */
export function listObjects(client: TargetHttpClient, objectType: string, opts: { correlationId: string; properties?: string[]; limit?: number; log?: Logger }) {
  return paginateAfter(client, {
    path: `/crm/v3/objects/${encodeURIComponent(objectType)}`,
    query: opts.properties ? { properties: opts.properties.join(',') } : undefined,
    limit: opts.limit ?? 100,
    correlationId: opts.correlationId,
    log: opts.log,
  });
}

/** `POST /crm/v3/objects/{type}/search` with filterGroups/sorts/properties; cursor in the body. */
export function searchObjects(client: TargetHttpClient, objectType: string, opts: { correlationId: string; body: Record<string, unknown>; limit?: number; log?: Logger }) {
  return paginateAfter(client, {
    method: 'POST',
    path: `/crm/v3/objects/${encodeURIComponent(objectType)}/search`,
    body: opts.body,
    limit: opts.limit ?? 100,
    correlationId: opts.correlationId,
    log: opts.log,
  });
}

/** One page of a search: its results, HubSpot's count of all matches, and the cursor of the next page. */
export interface SearchPage<T> { results: T[]; total: number | undefined; after: string | undefined }

export interface SearchPageOptions {
  correlationId: string;
  log?: Logger;
  /**
   * Searches per second this client sends at most (HubSpot's search endpoints allow five per
   * second per account, apart from the burst limit): requests are spaced by 1000 / rate ms.
   */
  perSecond?: number;
  /** Rate-limited answers (429) sent again after the target's pause, at most this many times per page (default 5). */
  rateLimitRetries?: number;
}

/** Default search pace: under HubSpot's five per second, leaving room for another search. */
export const SEARCH_PER_SECOND = 4;

/** When each client may send its next search (the pace is per token, so per target client). */
const nextSearchAt = new WeakMap<TargetHttpClient, number>();

async function paceSearch(client: TargetHttpClient, perSecond: number): Promise<void> {
  const gap = Math.ceil(1000 / perSecond);
  for (;;) {
    const now = Date.now();
    const at = nextSearchAt.get(client) ?? 0;
    if (at <= now) { nextSearchAt.set(client, now + gap); return; }
    await new Promise((resolve) => setTimeout(resolve, at - now));
  }
}

/** A pause this long or shorter (HubSpot's SECONDLY and TEN_SECONDLY_ROLLING policies) is waited out; a longer one (DAILY) fails the search. */
const WAIT_OUT_MS = 10_000;

/**
 * One page of `POST /crm/v3/objects/{type}/search` (`body` without `after`/`limit`). Searches
 * are paced (`perSecond`); a 429 (HubSpot names the policy: SECONDLY for search) pauses the
 * target in the HTTP client, which then waits out the pause before this page is sent again, up
 * to `rateLimitRetries` times. Any other failure, or a pause longer than 10 s, is thrown.
 */
export async function searchPage<T = Record<string, unknown>>(
  client: TargetHttpClient, objectType: string, body: Record<string, unknown>, page: { limit: number; after?: string }, opts: SearchPageOptions,
): Promise<SearchPage<T>> {
  const retries = opts.rateLimitRetries ?? 5;
  for (let attempt = 0; ; attempt++) {
    await paceSearch(client, opts.perSecond ?? SEARCH_PER_SECOND);
    try {
      const res = await client.request<{ results?: T[]; total?: number; paging?: { next?: { after?: unknown } } }>({
        method: 'POST', path: `/crm/v3/objects/${encodeURIComponent(objectType)}/search`,
        body: { ...body, limit: page.limit, ...(page.after !== undefined ? { after: page.after } : {}) },
        correlationId: opts.correlationId, log: opts.log,
      });
      const next = res.body?.paging?.next?.after;
      return {
        results: Array.isArray(res.body?.results) ? res.body.results : [],
        total: typeof res.body?.total === 'number' ? res.body.total : undefined,
        after: next === undefined || next === null || next === '' ? undefined : String(next),
      };
    } catch (err) {
      const waitable = err instanceof TransientError && err.rateLimited && (err.retryAfterMs ?? 0) <= WAIT_OUT_MS;
      if (!waitable || attempt >= retries) throw err;
      opts.log?.info('HubSpot search rate-limited; sending the page again after the pause', { correlationId: opts.correlationId, target: client.code, attempt: attempt + 1 });
    }
  }
}

/** `GET /crm/v3/properties/{objectType}`: the portal's property definitions of one object type (not paged). */
export async function readProperties(client: TargetHttpClient, objectType: string, opts: { correlationId: string; log?: Logger }): Promise<HubSpotPropertyDef[]> {
  const res = await client.request<{ results?: HubSpotPropertyDef[] }>({
    method: 'GET',
    path: `/crm/v3/properties/${encodeURIComponent(objectType)}`,
    correlationId: opts.correlationId,
    log: opts.log,
  });
  return Array.isArray(res.body?.results) ? res.body.results : [];
}
