import { PermanentError, TransientError } from '../../errors/index.js';
import type { DeliveryResult } from '../connector.js';
import { isObj, str, type Obj } from '../payload.js';
import { dataPath, type SalesforceContext } from './context.js';
import { checkName, sobjectTarget } from './target-record.js';

export const SF_COLLECTION_MAX = 200;

/**
 * Batch upsert: `PATCH /services/data/v61.0/composite/sobjects/<SObject>/<ExternalIdField>`
 * with `{allOrNone, records: [{attributes: {type}, ...fields}]}`, 200 records per call. The
 * payload is `{records: [...]}`, each record flat or `{fields, res_id?, model?}` (res_id gives a
 * sync.link). Per-record errors (`[{id, success, errors[{statusCode, message, fields}]}]`)
 * fail the event with every message; the retry is safe (upsert).
 */
export async function upsertCollection(ctx: SalesforceContext): Promise<DeliveryResult> {
  const { sobject, externalIdField } = sobjectTarget(ctx);
  checkName(sobject, 'SObject');
  checkName(externalIdField, 'external id field');
  const raw = Array.isArray(ctx.req.payload.records) ? ctx.req.payload.records.filter(isObj) : [];
  const items = raw.map((r) => {
    const fields: Obj = isObj(r.fields) ? { ...r.fields } : { ...r };
    return { fields, resId: isObj(r.fields) && typeof r.res_id === 'number' ? r.res_id : undefined, model: isObj(r.fields) ? str(r.model) : undefined };
  });
  for (const it of items) {
    if (str(it.fields[externalIdField]) === undefined) {
      throw new PermanentError(`salesforce: a record of the batch has no ${externalIdField}`, { category: 'mapping' });
    }
  }
  const links: NonNullable<DeliveryResult['links']> = [];
  const failures: string[] = [];
  let created = 0;
  let updated = 0;
  let transient = true;
  let limited = true;
  for (let i = 0; i < items.length; i += SF_COLLECTION_MAX) {
    const chunk = items.slice(i, i + SF_COLLECTION_MAX);
    const res = await ctx.call({
      method: 'PATCH',
      path: dataPath(ctx, `composite/sobjects/${sobject}/${externalIdField}`),
      body: { allOrNone: ctx.options.allOrNone, records: chunk.map((c) => ({ attributes: { type: sobject }, ...c.fields })) },
    });
    const results = Array.isArray(res.body) ? res.body : [];
    chunk.forEach((c, j) => {
      const r = results[j];
      const key = String(c.fields[externalIdField]);
      if (isObj(r) && r.success === true) {
        const id = str(r.id);
        if (r.created === true) created++;
        else updated++;
        if (id && c.resId !== undefined) links.push({ model: c.model ?? ctx.req.model, res_id: c.resId, external_id: id });
        return;
      }
      const errs = isObj(r) && Array.isArray(r.errors) ? r.errors.filter(isObj) : [];
      if (!errs.every((e) => e.statusCode === 'UNABLE_TO_LOCK_ROW' || e.statusCode === 'REQUEST_LIMIT_EXCEEDED') || errs.length === 0) transient = false;
      if (!errs.every((e) => e.statusCode === 'REQUEST_LIMIT_EXCEEDED') || errs.length === 0) limited = false;
      failures.push(`${externalIdField}=${key}: ${errs.map((e) => `${str(e.statusCode) ?? ''} ${str(e.message) ?? ''}`.trim()).join('; ') || 'no result'}`);
    });
  }
  if (failures.length > 0) {
    const msg = `${ctx.req.target}: Salesforce batch upsert of ${sobject}: ${failures.length} of ${items.length} record(s) failed: ${failures.join(' | ')}`;
    // Every failure a REQUEST_LIMIT_EXCEEDED: the org's allocation, retried after request_limit_retry_ms.
    if (limited) throw new TransientError(msg, { retryAfterMs: ctx.options.requestLimitRetryMs, rateLimited: true, details: { reason: 'rate_limited', inDoubt: false } });
    throw transient ? new TransientError(msg, { retryAfterMs: 5_000, details: { inDoubt: false } }) : new PermanentError(msg, { category: 'validation' });
  }
  return { links, summary: `Salesforce ${sobject}: ${created} created, ${updated} updated (collections upsert by ${externalIdField})` };
}
