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
