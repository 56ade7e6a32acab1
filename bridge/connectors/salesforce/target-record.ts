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

/**
 * The fields of a mapped record: `fields: {...}` or the flat payload without control keys.
 * `fields_to_null: [names]` (control key) sends those fields as JSON null, which clears them in
 * Salesforce (a mapping cannot produce null: it means absent, and absent fields are left out of
 * the body); a field the payload gives a value keeps it.
 */
export function fieldsOf(p: Obj): Obj {
  const { sobject: _s, external_id_field: _f, external_id: _e, records: _r, fields_to_null: nulls, ...rest } = p;
  const fields: Obj = isObj(p.fields) ? { ...p.fields } : rest;
  for (const name of fieldsToNull(nulls)) if (fields[name] === undefined) fields[name] = null;
  return fields;
}

function fieldsToNull(raw: unknown): string[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw) || !raw.every((n): n is string => typeof n === 'string')) {
    throw new PermanentError('salesforce: fields_to_null must be a list of field API names', { category: 'mapping' });
  }
  return raw.map((n) => checkName(n, 'field in fields_to_null'));
}

const SAFE = /^[A-Za-z][A-Za-z0-9_]*$/;
export function checkName(name: string, what: string): string {
  if (!SAFE.test(name)) throw new PermanentError(`salesforce: ${what} '${name}' is not a valid API name`, { category: 'mapping' });
  return name;
}
