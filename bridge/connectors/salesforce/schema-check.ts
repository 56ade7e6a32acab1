/**
 * `sync-bridge check-targets` for Salesforce (pure): which fields of which SObject an outbound
 * mapping writes (and the values it can write, when finite), compared with the SObject's describe
 * (`GET /services/data/vXX.X/sobjects/{SObject}/describe`, read by reads.ts).
 */
import { constantOf, finiteValues, valueShapes, type FieldOutline, type MappingOutline, type ValueShape } from '../../mapping/index.js';
import { missingValues, ProblemList, quoteList, type FieldSite, type SchemaProblem } from '../schema-check.js';
import type { SalesforceOptions } from './context.js';
import { salesforceTypeProblems } from './type-check.js';

type Scalar = string | number | boolean;

/** One field a mapping writes on one SObject. */
export interface SalesforceNeed {
  sobject: string;
  field: string;
  values?: Scalar[];
  /** The upsert key (PATCH /sobjects/<SObject>/<field>/<value>): in the URL, not the body. */
  upsertKey?: boolean;
  /** The key must be an External ID field (every key but the record Id). */
  externalId?: boolean;
  /** The write may create the record (upsert by an external id, not by Id). */
  mayCreate: boolean;
  /** What kind of value the mapping writes (type and length check); undefined: not judged. */
  shapes?: ValueShape[];
  site: FieldSite;
}

/** A field as the describe returns it (the attributes the check reads). */
export interface SalesforceFieldDescribe {
  name: string;
  type?: string;
  /** Characters a text field holds (0 for non-text types). */
  length?: number;
  picklistValues?: Array<{ value: string; active?: boolean }>;
  restrictedPicklist?: boolean;
  externalId?: boolean;
  updateable?: boolean;
  createable?: boolean;
}

/** Payload keys the connector reads itself (target-record.ts), and the JSON `attributes` of a record. */
const CONTROL = new Set(['sobject', 'external_id_field', 'external_id', 'records', 'fields_to_null', 'attributes']);

const site = (m: MappingOutline, f: FieldOutline | undefined): FieldSite => ({ file: m.file, line: f?.line ?? 0, col: f?.col ?? 0 });

/** Every field an outbound Salesforce mapping writes (kinds: the connector operations of its events). */
export function salesforceNeeds(m: MappingOutline, kinds: string[], options: SalesforceOptions, vars: Record<string, unknown> = {}): SalesforceNeed[] {
  const out: SalesforceNeed[] = [];
  for (const kind of new Set(kinds)) {
    const sobjectConst = constantOf(m.fields['sobject']?.expr);
    const sobject = typeof sobjectConst === 'string' ? sobjectConst : options.sobjects[kind];
    if (!sobject) continue;
    const keyConst = constantOf(m.fields['external_id_field']?.expr);
    const key = typeof keyConst === 'string' ? keyConst : (options.externalIdFields[kind] ?? options.defaultExternalIdField);
    const mayCreate = key !== 'Id';
    const body = m.fields['fields']?.fields ?? Object.fromEntries(Object.entries(m.fields).filter(([k]) => !CONTROL.has(k)));
    const keySite = body[key] ?? m.fields['external_id_field'] ?? m.fields['external_id'];
    out.push({ sobject, field: key, upsertKey: true, externalId: key !== 'Id', mayCreate, site: site(m, keySite) });
    for (const f of Object.values(body)) {
      if (f.name === key) continue; // in the URL, not the body
      const shapes = valueShapes(f.expr, vars);
      out.push({ sobject, field: f.name, values: finiteValues(f.expr, vars), mayCreate, site: site(m, f), ...(shapes ? { shapes } : {}) });
    }
    // fields_to_null: fields sent as null (cleared) must exist and be updateable.
    for (const item of m.fields['fields_to_null']?.items ?? []) {
      const name = constantOf(item.expr);
      if (typeof name === 'string' && !(name in body)) out.push({ sobject, field: name, mayCreate, site: site(m, item) });
    }
  }
  return out;
}

export function sobjectsOf(needs: SalesforceNeed[]): string[] {
  return [...new Set(needs.map((n) => n.sobject))].sort();
}

/**
 * Compares the needs with the describes (by SObject). Problems: a field missing, the upsert key
 * not an External ID field, a field the integration user may not update (or create, when the
 * upsert may create), a restricted picklist lacking a value the mapping writes, a value of a kind
 * the field's type refuses or longer than the field holds (type-check.ts).
 */
export function checkSalesforceFields(needs: SalesforceNeed[], describes: Map<string, SalesforceFieldDescribe[]>): SchemaProblem[] {
  const found = new ProblemList();
  const add = (p: SchemaProblem) => found.add(p);
  for (const n of needs) {
    const fields = describes.get(n.sobject);
    if (!fields) continue;
    // API names are case-insensitive.
    const def = fields.find((f) => f.name.toLowerCase() === n.field.toLowerCase());
    const base = { object: n.sobject, field: n.field, site: n.site };
    if (!def) {
      add({ ...base, problem: n.externalId ? 'field missing (create it as a unique External ID field: records are upserted by it)' : 'field missing' });
      continue;
    }
    if (n.upsertKey) {
      if (n.externalId && def.externalId !== true) add({ ...base, problem: 'not an External ID field (records are upserted by it: tick "External ID")' });
      continue;
    }
    if (def.updateable !== true) add({ ...base, problem: 'not updateable by the integration user (field-level security or a read-only field)' });
    else if (n.mayCreate && def.createable !== true) add({ ...base, problem: 'not createable by the integration user (the upsert may create the record)' });
    else if (n.shapes) for (const problem of salesforceTypeProblems(def, n.shapes)) add({ ...base, problem });
    if (n.values && (def.type === 'picklist' || def.type === 'multipicklist') && def.restrictedPicklist === true) {
      const active = (def.picklistValues ?? []).filter((v) => v.active !== false).map((v) => v.value);
      const missing = missingValues(n.values, active);
      if (missing.length) add({ ...base, problem: `restricted picklist has no active value ${quoteList(missing)} (the mapping can write it)` });
    }
  }
  return found.problems;
}
