import { TransientError } from '../../errors/index.js';
import type { DeliveryResult } from '../connector.js';
import { isObj, str } from '../payload.js';
import { dataPath, type SalesforceContext } from './context.js';
import { checkName, fieldsOf, sobjectTarget } from './target-record.js';

/**
 * Upsert by external id: `PATCH /services/data/v61.0/sobjects/<SObject>/<ExternalIdField>/<value>`.
 * 201 = created (body {id, created: true}), 200 = updated (body {id, created: false}), 204 =
 * updated (no body; the Id is read back with a GET when sync.link does not know it yet).
 * Idempotent by design, so in-doubt retries need no lookup. The external id field is left out
 * of the body (it is in the URL).
 */
export async function upsertByExternalId(ctx: SalesforceContext): Promise<DeliveryResult> {
  const { sobject, externalIdField } = sobjectTarget(ctx);
  checkName(sobject, 'SObject');
  checkName(externalIdField, 'external id field');
  const fields = fieldsOf(ctx.req.payload);
  const value = str(ctx.req.payload.external_id) ?? str(fields[externalIdField]) ?? String(ctx.req.resId);
  delete fields[externalIdField];
  const linked = await updateLinkedRecord(ctx, sobject, externalIdField, value, fields);
  if (linked) return linked;
  const path = dataPath(ctx, `sobjects/${sobject}/${externalIdField}/${encodeURIComponent(value)}`);
  const res = await ctx.call({ method: 'PATCH', path, body: fields });
  let id = isObj(res.body) ? str(res.body.id) : undefined;
  const created = res.status === 201 || (isObj(res.body) && res.body.created === true);
  if (!id && res.status === 204) {
    id = ctx.req.externalRef;
    if (!id) {
      const got = await ctx.call({ method: 'GET', path, query: { fields: 'Id' } });
      id = isObj(got.body) ? str(got.body.Id) ?? str(got.body.id) : undefined;
    }
  }
  if (!id) throw new TransientError(`${ctx.req.target}: Salesforce upsert of ${sobject} ${externalIdField}=${value} returned no Id`, { details: { inDoubt: true } });
  return {
    externalRef: id,
    links: [{ model: ctx.req.model, res_id: ctx.req.resId, external_id: id }],
    summary: `Salesforce ${sobject} ${id} ${created ? 'created' : 'updated'} (${externalIdField}=${value}, HTTP ${res.status})`,
  };
}

/** A Salesforce record Id (15 or 18 case-sensitive alphanumerics). */
const SF_ID = /^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/;

/**
 * The Odoo record is already linked to a Salesforce record (sync.link: an Account the partner
 * was created or linked from, or one this bridge created): update that record by its Id and
 * stamp the external id field on it. Upserting by the external id alone would create a second
 * Account when the linked one does not carry the Odoo id yet. Undefined when there is no link,
 * or the linked record is gone (404: deleted or merged away), so the caller upserts instead.
 */
async function updateLinkedRecord(ctx: SalesforceContext, sobject: string, externalIdField: string, value: string, fields: Record<string, unknown>): Promise<DeliveryResult | undefined> {
  const id = ctx.req.externalRef;
  // A mapping keyed by Id already writes the linked record (PATCH .../Id/<Id>).
  if (!id || !SF_ID.test(id) || externalIdField === 'Id') return undefined;
  const path = dataPath(ctx, `sobjects/${sobject}/${encodeURIComponent(id)}`);
  const res = await ctx.call({ method: 'PATCH', path, body: { ...fields, [externalIdField]: value }, accept: [404] });
  if (res.status === 404) {
    ctx.log.info('linked Salesforce record not found (deleted or merged); upserting by external id', { sobject, id });
    return undefined;
  }
  return {
    externalRef: id,
    links: [{ model: ctx.req.model, res_id: ctx.req.resId, external_id: id }],
    summary: `Salesforce ${sobject} ${id} updated (linked record, ${externalIdField}=${value}, HTTP ${res.status})`,
  };
}
