import type { Request, Response } from 'express';
import { jsonBody } from '../common/body.js';
import type { Clock } from '../common/clock.js';
import type { Ledger, LedgerRequest } from '../common/ledger.js';
import { sfError } from './errors.js';
import { canonicalObject } from './objects.js';
import type { SalesforceStore, SfRecord } from './store.js';

export const API_VERSION = 'v61.0';
export const DATA = `/services/data/${API_VERSION}`;

export interface SalesforceContext {
  store: SalesforceStore;
  ledger: Ledger;
  clock: Clock;
  /** Answer for an upsert that updated a record: 200 with a body (default) or 204. */
  upsertUpdateStatus: 200 | 204;
  queryBatchSize: number;
}

export function sobjectParam(req: Request, res: Response, ctx: SalesforceContext): string | undefined {
  const name = canonicalObject(ctx.store.objects, String(req.params['sobject']));
  if (!name) sfError(res, 404, 'NOT_FOUND', 'The requested resource does not exist');
  return name;
}

/** Parsed JSON body, or a JSON_PARSER_ERROR answer. */
export function body(req: Request, res: Response): unknown | undefined {
  const j = jsonBody(req);
  if (!j.ok) {
    sfError(res, 400, 'JSON_PARSER_ERROR', `Unexpected character: ${j.message} at [line:1, column:1]`);
    return undefined;
  }
  if (j.empty) {
    sfError(res, 400, 'JSON_PARSER_ERROR', 'The request body is either invalid or incomplete.');
    return undefined;
  }
  return j.value;
}

export function recordJson(sobject: string, rec: SfRecord, fields?: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = { attributes: { type: sobject, url: `${DATA}/sobjects/${sobject}/${rec.Id}` } };
  for (const [k, v] of Object.entries(rec)) if (!fields || fields.includes(k)) out[k] = v;
  return out;
}

export function requestSeq(res: Response): number | undefined {
  return (res.locals['ledgerEntry'] as LedgerRequest | undefined)?.seq;
}
