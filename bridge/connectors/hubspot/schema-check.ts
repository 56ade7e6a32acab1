/**
 * `sync-bridge check-targets` for HubSpot (pure): which properties of which object types an
 * outbound mapping writes (and the values it can write, when finite), compared with the portal's
 * property definitions (`GET /crm/v3/properties/{objectType}`, read by reads.ts).
 */
import { constantOf, finiteValues, valueShapes, type FieldOutline, type MappingOutline, type ValueShape } from '../../mapping/index.js';
import { missingValues, ProblemList, quoteList, type FieldSite, type SchemaProblem } from '../schema-check.js';
import type { HubSpotOptions } from './context.js';
import { hubspotTypeProblems } from './type-check.js';

type Scalar = string | number | boolean;

/** One property a mapping writes on one object type. */
export interface HubSpotNeed {
  objectType: string;
  property: string;
  /** Every value the mapping can write, when the mapping decides it; undefined: any (data). */
  values?: Scalar[];
  /** The unique-value property records are written by (idProperty). */
  idProperty?: boolean;
  /** What kind of value the mapping writes (type and length check); undefined: not judged. */
  shapes?: ValueShape[];
  site: FieldSite;
}

/** A property definition as HubSpot's properties API returns it (the fields the check reads). */
export interface HubSpotPropertyDef {
  name: string;
  type?: string;
  fieldType?: string;
  options?: Array<{ value: string; hidden?: boolean }>;
  hasUniqueValue?: boolean;
  modificationMetadata?: { readOnlyValue?: boolean };
}

/** Payload keys the connector reads itself (input.ts): not properties. */
const CONTROL = new Set(['object_type', 'contacts', 'id', 'id_property', 'idProperty', 'properties', 'res_id', 'model', 'hubspot_id', 'create_properties', 'owner', 'associations', 'line_items']);

const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const sameJson = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

function siteOf(m: MappingOutline, f: FieldOutline | undefined): FieldSite {
  return { file: m.file, line: f?.line ?? 0, col: f?.col ?? 0 };
}

/** The idProperty a record is written by: the mapping's constant, else the connector's option. */
function idPropertyOf(fields: Record<string, FieldOutline> | undefined, fallback: string): { name: string; field?: FieldOutline } {
  const field = fields?.['idProperty'] ?? fields?.['id_property'];
  const c = field ? constantOf(field.expr) : undefined;
  return typeof c === 'string' ? { name: c, field } : { name: fallback, field: field ?? fields?.['id'] };
}

/**
 * The object types a customer property goes to. The mapping picks the type with
 * `object_type: {if: C, then: {const: A}, else: {const: B}}`; a property written `when: C` goes
 * to A only, one written when C's opposite (eq <-> ne on the same path and value) to B only.
 */
function typesFor(when: unknown, objectType: unknown, all: string[]): string[] {
  if (when === undefined || !isObj(objectType) || !('if' in objectType)) return all;
  const cond = objectType['if'];
  const then = constantOf(objectType['then']);
  const other = constantOf(objectType['else']);
  if (sameJson(when, cond) && typeof then === 'string') return [then];
  if (isObj(when) && isObj(cond) && when['path'] === cond['path'] && typeof other === 'string') {
    const flipped = 'eq' in cond ? { path: cond['path'], ne: cond['eq'] } : 'ne' in cond ? { path: cond['path'], eq: cond['ne'] } : undefined;
    if (flipped && sameJson(when, flipped)) return [other];
  }
  return all;
}

/** The properties of a record: `properties: {fields}` or the flat payload without control keys. */
function propertyFields(fields: Record<string, FieldOutline>): FieldOutline[] {
  const props = fields['properties']?.fields;
  if (props) return Object.values(props);
  return Object.values(fields).filter((f) => !CONTROL.has(f.name));
}

function recordNeeds(m: MappingOutline, types: string[], fields: Record<string, FieldOutline>, idFallback: string, vars: Record<string, unknown>, objectTypeExpr?: unknown): HubSpotNeed[] {
  const out: HubSpotNeed[] = [];
  const id = idPropertyOf(fields, idFallback);
  for (const t of types) out.push({ objectType: t, property: id.name, idProperty: true, site: siteOf(m, id.field) });
  const written = [...propertyFields(fields), ...Object.values(fields['create_properties']?.fields ?? {})];
  for (const f of written) {
    if (f.name === id.name) continue;
    const when = isObj(f.expr) ? f.expr['when'] : undefined;
    const values = finiteValues(f.expr, vars)?.filter((v) => v !== '');
    const shapes = valueShapes(f.expr, vars);
    for (const t of typesFor(when, objectTypeExpr, types)) out.push({ objectType: t, property: f.name, values, site: siteOf(m, f), ...(shapes ? { shapes } : {}) });
  }
  if (fields['owner']) for (const t of types) out.push({ objectType: t, property: 'hubspot_owner_id', site: siteOf(m, fields['owner']) });
  // Associations by the associated record's unique property: that property must be unique there.
  for (const item of fields['associations']?.items ?? []) {
    const to = constantOf(item.fields?.['to']?.expr);
    if (typeof to !== 'string' || item.fields?.['id'] === undefined) continue;
    const aid = idPropertyOf(item.fields, idFallback);
    out.push({ objectType: to, property: aid.name, idProperty: true, site: siteOf(m, aid.field ?? item) });
  }
  return out;
}

/**
 * Every property an outbound HubSpot mapping writes, per object type, from the connector
 * operations its events stand for (`kinds`: customer, product, order, order_status).
 */
export function hubspotNeeds(m: MappingOutline, kinds: string[], options: HubSpotOptions, vars: Record<string, unknown> = {}): HubSpotNeed[] {
  const out: HubSpotNeed[] = [];
  for (const kind of new Set(kinds)) {
    if (kind === 'customer') {
      const typeExpr = m.fields['object_type']?.expr;
      const picked = finiteValues(typeExpr, vars)?.map(String);
      const types = typeExpr === undefined ? ['companies'] : [...new Set((picked ?? ['companies', 'contacts']).map((t) => (t === 'contacts' ? 'contacts' : 'companies')))];
      out.push(...recordNeeds(m, types, m.fields, options.idProperty, vars, typeExpr));
    } else if (kind === 'product') {
      out.push(...recordNeeds(m, ['products'], m.fields, options.idProperty, vars));
    } else if (kind === 'order' || kind === 'order_status') {
      out.push(...recordNeeds(m, [options.orderObject], m.fields, kind === 'order_status' ? options.dealIdProperty : options.idProperty, vars));
      const items = m.fields['line_items']?.fields;
      if (items) out.push(...recordNeeds(m, ['line_items'], items, options.lineItemIdProperty, vars));
    }
  }
  return out;
}

/** The object types the needs touch, sorted (one properties read each). */
export function objectTypesOf(needs: HubSpotNeed[]): string[] {
  return [...new Set(needs.map((n) => n.objectType))].sort();
}

/**
 * Compares the needs with the portal's properties (by object type). Problems: a property missing,
 * a read-only property, the id property not unique-value, a dropdown lacking a value the mapping
 * writes, a value of a kind the property's type refuses or longer than HubSpot keeps (type-check.ts).
 */
export function checkHubSpotProperties(needs: HubSpotNeed[], properties: Map<string, HubSpotPropertyDef[]>): SchemaProblem[] {
  const found = new ProblemList();
  const add = (p: SchemaProblem) => found.add(p);
  for (const n of needs) {
    const defs = properties.get(n.objectType);
    if (!defs) continue;
    const def = defs.find((d) => d.name === n.property);
    const base = { object: n.objectType, field: n.property, site: n.site };
    if (!def) {
      add({ ...base, problem: n.idProperty ? 'property missing (create it as a unique-value property: records are written by it)' : 'property missing' });
      continue;
    }
    if (n.idProperty && def.hasUniqueValue !== true) add({ ...base, problem: 'not a unique-value property (records are written by it: set "Require unique values")' });
    if (def.modificationMetadata?.readOnlyValue === true) add({ ...base, problem: 'read-only property (HubSpot refuses values for it)' });
    else if (n.shapes) for (const problem of hubspotTypeProblems(def, n.shapes)) add({ ...base, problem });
    if (n.values && def.type === 'enumeration') {
      const missing = missingValues(n.values, (def.options ?? []).map((o) => o.value));
      if (missing.length) add({ ...base, problem: `dropdown has no option ${quoteList(missing)} (the mapping can write it)` });
    }
  }
  return found.problems;
}
