import type { WebReadSpec } from './contract.js';

/**
 * Fields Odoo renamed, per series that renamed them: `series -> model -> old name -> new name`.
 * Mappings are written with Odoo 18 names; on a later series the sidecar reads a renamed field
 * under its new name and hands it to the mapping under the old one (series-fields-gateway.ts).
 * A series inherits the renames of the earlier ones (chained: 19 then 20 ...).
 */
export const FIELD_RENAMES: Readonly<Record<number, Readonly<Record<string, Readonly<Record<string, string>>>>>> = {
  19: {
    'sale.order.line': { product_uom: 'product_uom_id' },
  },
};

/** Field metadata as fields_get returns it (type and relation are all the sidecar needs). */
export type FieldsInfo = Record<string, { type: string; relation?: string }>;

/** The renames in effect on `series` (every table of a series up to it, chained), per model. */
export function renamesFor(series: number, table = FIELD_RENAMES): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  for (const s of Object.keys(table).map(Number).sort((a, b) => a - b)) {
    if (s > series) break;
    for (const [model, renames] of Object.entries(table[s]!)) {
      const cur = (out[model] ??= {});
      for (const [oldName, newName] of Object.entries(renames)) {
        // chain: a name renamed in 19 and again in 20 reads the 20 name from the 18 one
        for (const [o, n] of Object.entries(cur)) if (n === oldName) cur[o] = newName;
        cur[oldName] = newName;
      }
    }
  }
  return out;
}

/**
 * The name under which this Odoo has the field a mapping reads as `name` on `model`: `name`
 * itself when the model has it (also a mapping that already uses the new name), else its
 * rename on this series when the model has that, else `name` (then it is missing).
 */
export function odooFieldName(series: number, model: string, name: string, fields: FieldsInfo, table = FIELD_RENAMES): string {
  if (name in fields) return name;
  const renamed = renamesFor(series, table)[model]?.[name];
  return renamed !== undefined && renamed in fields ? renamed : name;
}

/**
 * What to tell about a field `name` that `model` lacks on `series`, when it is a known rename:
 * its name on this series, or (a newer series' name read on an older one) its name here.
 */
export function renameHint(series: number, model: string, name: string, table = FIELD_RENAMES): string | undefined {
  const renamed = renamesFor(series, table)[model]?.[name];
  if (renamed !== undefined) return `on Odoo ${series} it is called '${renamed}'`;
  for (const s of Object.keys(table).map(Number).filter((x) => x > series)) {
    for (const [oldName, newName] of Object.entries(table[s]![model] ?? {})) {
      if (newName === name) return `'${name}' is its name since Odoo ${s}; on Odoo ${series} it is called '${oldName}'`;
    }
  }
  return undefined;
}

/** Metadata of a model, synchronously (the caller loaded it first); undefined when not loaded. */
export type FieldsLookup = (model: string) => FieldsInfo | undefined;

/**
 * The web_read spec `spec` (written for model `model` with the mappings' names) with every
 * renamed field under its name on this series. Relations are followed through the metadata;
 * the sub-specs of two names of one field (old and new, from two mappings) are merged.
 */
export function specToOdoo(series: number, model: string, spec: WebReadSpec, fieldsOf: FieldsLookup, table = FIELD_RENAMES): WebReadSpec {
  const fields = fieldsOf(model);
  if (!fields) return spec;
  const out: WebReadSpec = {};
  for (const [name, sub] of Object.entries(spec)) {
    const odooName = odooFieldName(series, model, name, fields, table);
    const nested = (sub as { fields?: WebReadSpec }).fields;
    const relation = fields[odooName]?.relation;
    const translated = nested && relation ? specToOdoo(series, relation, nested, fieldsOf, table) : nested;
    const cur = out[odooName] as { fields?: WebReadSpec } | undefined;
    if (!cur) { out[odooName] = translated ? { fields: translated } : {}; continue; }
    if (translated) cur.fields = mergeSpecs(cur.fields ?? {}, translated);
  }
  return out;
}

function mergeSpecs(a: WebReadSpec, b: WebReadSpec): WebReadSpec {
  const out: WebReadSpec = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const sa = (out[k] as { fields?: WebReadSpec } | undefined)?.fields;
    const sb = (v as { fields?: WebReadSpec }).fields;
    if (!(k in out)) out[k] = v;
    else if (sa || sb) out[k] = { fields: mergeSpecs(sa ?? {}, sb ?? {}) };
  }
  return out;
}

type Rec = Record<string, unknown>;
const isRec = (v: unknown): v is Rec => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * A record read with specToOdoo(spec), as the mapping expects it: every field under the name
 * `spec` asked it by (the new name is kept only when `spec` asks for it too), recursively
 * through relations (many2one dicts, x2many lists). Changes `record` in place and returns it.
 */
export function recordFromOdoo(series: number, model: string, spec: WebReadSpec, record: unknown, fieldsOf: FieldsLookup, table = FIELD_RENAMES): unknown {
  if (Array.isArray(record)) { for (const r of record) recordFromOdoo(series, model, spec, r, fieldsOf, table); return record; }
  if (!isRec(record)) return record;
  const fields = fieldsOf(model);
  if (!fields) return record;
  // the names the spec asks for, grouped by the Odoo field they read
  const byOdoo = new Map<string, { names: string[]; sub?: WebReadSpec }>();
  for (const [name, sub] of Object.entries(spec)) {
    const odooName = odooFieldName(series, model, name, fields, table);
    const g = byOdoo.get(odooName) ?? { names: [] };
    g.names.push(name);
    const nested = (sub as { fields?: WebReadSpec }).fields;
    if (nested) g.sub = g.sub ? mergeSpecs(g.sub, nested) : nested;
    byOdoo.set(odooName, g);
  }
  for (const [odooName, g] of byOdoo) {
    if (!(odooName in record)) continue;
    let value = record[odooName];
    const relation = fields[odooName]?.relation;
    if (g.sub && relation) value = recordFromOdoo(series, relation, g.sub, value, fieldsOf, table);
    if (!g.names.includes(odooName)) delete record[odooName];
    for (const n of g.names) record[n] = value;
  }
  return record;
}

/** Every model whose metadata specToOdoo/recordFromOdoo need for `spec` on `model` (loads them in order). */
export async function loadSpecModels(model: string, spec: WebReadSpec, fieldsOf: (model: string) => Promise<FieldsInfo>, series: number, table = FIELD_RENAMES): Promise<void> {
  const fields = await fieldsOf(model);
  for (const [name, sub] of Object.entries(spec)) {
    const nested = (sub as { fields?: WebReadSpec }).fields;
    if (!nested || Object.keys(nested).length === 0) continue;
    const relation = fields[odooFieldName(series, model, name, fields, table)]?.relation;
    if (relation) await loadSpecModels(relation, nested, fieldsOf, series, table);
  }
}
