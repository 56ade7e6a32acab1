import { PermanentError, TransientError } from '../../errors/index.js';
import type { EventCall } from '../base-connector.js';
import { isObj, str, type Obj } from '../payload.js';

export interface UpsertInput {
  /** Value of the unique property. */
  id: string;
  idProperty: string;
  properties: Obj;
}

export interface UpsertOutcome {
  /** HubSpot object id per input id. */
  ids: Map<string, string>;
  created: Set<string>;
  /** Per-record failures of a 207 answer. */
  errors: Array<{ message: string; category?: string; ids: string[]; status?: string }>;
}

export const HUBSPOT_BATCH_MAX = 100;

/**
 * `POST /crm/v3/objects/{type}/batch/upsert`, at most 100 inputs per call (chunked). 200:
 * every input written; 207: some failed (`errors[]`, `numErrors`) - returned, not thrown,
 * so the caller decides. Results are matched to inputs by the unique property's value.
 */
export async function batchUpsert(call: EventCall, objectType: string, inputs: UpsertInput[]): Promise<UpsertOutcome> {
  const out: UpsertOutcome = { ids: new Map(), created: new Set(), errors: [] };
  for (let i = 0; i < inputs.length; i += HUBSPOT_BATCH_MAX) {
    const chunk = inputs.slice(i, i + HUBSPOT_BATCH_MAX);
    const res = await call({ method: 'POST', path: `/crm/v3/objects/${encodeURIComponent(objectType)}/batch/upsert`, body: { inputs: chunk } });
    const body = isObj(res.body) ? res.body : {};
    const results = Array.isArray(body.results) ? body.results.filter(isObj) : [];
    for (const r of results) {
      const id = str(r.id);
      if (!id) continue;
      const props = isObj(r.properties) ? r.properties : {};
      const key = chunk.find((c) => str(props[c.idProperty]) === c.id)?.id ?? (chunk.length === 1 && results.length === 1 ? chunk[0]!.id : undefined);
      if (key === undefined) continue;
      out.ids.set(key, id);
      if (r.new === true) out.created.add(key);
    }
    if (Array.isArray(body.errors)) {
      for (const e of body.errors.filter(isObj)) {
        const ctx = isObj(e.context) ? e.context : {};
        const ids = Object.values(ctx).flatMap((v) => (Array.isArray(v) ? v.map(String) : []));
        out.errors.push({ message: str(e.message) ?? 'error', category: str(e.category), ids, status: str(e.status) });
      }
    } else if (res.status === 207 && typeof body.numErrors === 'number' && body.numErrors > 0) {
      out.errors.push({ message: `${body.numErrors} input(s) failed`, ids: [] });
    }
  }
  return out;
}

/** Turns 207 per-record errors into the bridge's error: rate limits are transient, the rest validation. */
export function partialFailure(target: string, objectType: string, errors: UpsertOutcome['errors'], written: number): Error {
  const text = errors.map((e) => `${e.category ? `${e.category}: ` : ''}${e.message}${e.ids.length ? ` [${e.ids.join(', ')}]` : ''}`).join(' | ');
  const msg = `${target}: HubSpot batch upsert of ${objectType} partly failed (${errors.length} error(s), ${written} written): ${text}`;
  const transient = errors.every((e) => e.category === 'RATE_LIMITS' || /^5\d\d$/.test(e.status ?? ''));
  const rateLimited = errors.length > 0 && errors.every((e) => e.category === 'RATE_LIMITS');
  return transient
    ? new TransientError(msg, { rateLimited, details: { reason: rateLimited ? 'rate_limited' : 'partial', inDoubt: false } })
    : new PermanentError(msg, { category: 'validation', details: { status: 207, errors } });
}
