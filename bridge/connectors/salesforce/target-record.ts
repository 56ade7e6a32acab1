import { PermanentError } from '../../errors/index.js';
import { isObj, str, type Obj } from '../payload.js';
import type { SalesforceContext } from './context.js';

export interface SObjectTarget {
  sobject: string;
  externalIdField: string;
}

/** Which SObject and external id field this event writes: payload `sobject` / `external_id_field`, else options by kind. */
export function sobjectTarget(ctx: SalesforceContext): SObjectTarget {
  const p = ctx.req.payload;
  const sobject = str(p.sobject) ?? ctx.options.sobjects[ctx.req.kind];
  if (!sobject) throw new PermanentError(`salesforce: no SObject for kind '${ctx.req.kind}'; set options.sobjects.${ctx.req.kind}`, { category: 'mapping' });
  const externalIdField = str(p.external_id_field) ?? ctx.options.externalIdFields[ctx.req.kind] ?? ctx.options.defaultExternalIdField;
  return { sobject, externalIdField };
}

/** The fields of a mapped record: `fields: {...}` or the flat payload without control keys. */
export function fieldsOf(p: Obj): Obj {
  if (isObj(p.fields)) return { ...p.fields };
  const { sobject: _s, external_id_field: _f, external_id: _e, records: _r, ...rest } = p;
  return rest;
}

const SAFE = /^[A-Za-z][A-Za-z0-9_]*$/;
export function checkName(name: string, what: string): string {
  if (!SAFE.test(name)) throw new PermanentError(`salesforce: ${what} '${name}' is not a valid API name`, { category: 'mapping' });
  return name;
}
