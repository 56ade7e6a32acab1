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
