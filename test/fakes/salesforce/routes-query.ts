import type { Router } from 'express';
import { queryValue } from '../common/body.js';
import { uuid } from '../common/ids.js';
import { DATA, type SalesforceContext } from './context.js';
import { sfError } from './errors.js';
import { canonicalField, canonicalObject, type SObjectDef } from './objects.js';
import { evaluate, parseSoql, SoqlError, type Cond } from './soql.js';
import type { SfRecord } from './store.js';

/**
 * GET /query?q=<SOQL> (subset, see soql.ts) -> {totalSize, done, records[], nextRecordsUrl?};
 * GET /query/{locator} for the following batches. Batch size: Sforce-Query-Options: batchSize=N
 * (200..2000) or the fake's queryBatchSize. Unknown object: INVALID_TYPE; unknown field:
 * INVALID_FIELD; anything the parser does not support: MALFORMED_QUERY (all 400).
 */
export function mountQuery(r: Router, ctx: SalesforceContext): void {
  const { store } = ctx;
  const cursors = new Map<string, Array<Record<string, unknown>>>();

  const resolveField = (sobject: string, def: SObjectDef, name: string): { path: string[]; rel?: { field: string; target: string } } | string => {
    const parts = name.split('.');
    if (parts.length === 1) {
      const c = canonicalField(def, name);
      return c ? { path: [c] } : `No such column '${name}' on entity '${sobject}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`;
    }
    const [relName, sub] = parts as [string, string];
    const rel = Object.entries(def.fields).find(([, f]) => f.relationshipName?.toLowerCase() === relName.toLowerCase());
    if (!rel) return `Didn't understand relationship '${relName}' in field path. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name.`;
    const target = rel[1].referenceTo!;
    const c = canonicalField(store.objects[target]!, sub);
    if (!c) return `No such column '${sub}' on entity '${target}'.`;
    return { path: [rel[1].relationshipName!, c], rel: { field: rel[0], target } };
  };

  const condFields = (c: Cond): string[] => {
    switch (c.kind) {
      case 'and':
      case 'or':
        return c.items.flatMap(condFields);
      case 'not':
        return condFields(c.item);
      default:
        return [c.field];
    }
  };

  const page = (all: Array<Record<string, unknown>>, size: number, locator: string | null, offset: number) => {
    const records = all.slice(offset, offset + size);
    const done = offset + size >= all.length;
    const out: Record<string, unknown> = { totalSize: all.length, done, records };
    if (!done) out['nextRecordsUrl'] = `${DATA}/query/${locator}-${offset + size}`;
    return out;
  };

  r.get(`${DATA}/query`, (req, res) => {
    const q = queryValue(req.query['q']);
    if (!q) return sfError(res, 400, 'MALFORMED_QUERY', 'A query string has to be specified');
    let parsed;
    try {
      parsed = parseSoql(q);
    } catch (e) {
      return sfError(res, 400, 'MALFORMED_QUERY', `\n${q}\n^\nERROR at Row:1:Column:1\n${e instanceof SoqlError ? e.message : String(e)}`);
    }
    const sobject = canonicalObject(store.objects, parsed.from);
    if (!sobject)
      return sfError(res, 400, 'INVALID_TYPE', `\n${q}\n^\nERROR at Row:1:Column:1\nsObject type '${parsed.from}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.`);
    const def = store.objects[sobject]!;
    const selects: Array<{ name: string; path: string[]; rel?: { field: string; target: string } }> = [];
    const names = [...parsed.fields, ...(parsed.where ? condFields(parsed.where) : []), ...(parsed.orderBy ? [parsed.orderBy.field] : [])];
    const resolved = new Map<string, { path: string[]; rel?: { field: string; target: string } }>();
    for (const n of names) {
      const f = resolveField(sobject, def, n);
      if (typeof f === 'string') return sfError(res, 400, 'INVALID_FIELD', `\n${q}\n^\nERROR at Row:1:Column:1\n${f}`);
      resolved.set(n, f);
    }
    for (const n of parsed.fields) selects.push({ name: n, ...resolved.get(n)! });

    const valueOf = (rec: SfRecord, name: string): unknown => {
      const f = resolved.get(name)!;
      if (!f.rel) return rec[f.path[0]!];
      const parent = rec[f.rel.field] ? store.get(f.rel.target, String(rec[f.rel.field])) : undefined;
      return parent ? parent[f.path[1]!] : null;
    };
    let recs = store.all(sobject).filter((rec) => !parsed.where || evaluate(parsed.where, (n) => valueOf(rec, n)));
    if (parsed.orderBy) {
      const { field, desc, nullsLast } = parsed.orderBy;
      recs = recs.sort((a, b) => {
        const va = valueOf(a, field);
        const vb = valueOf(b, field);
        if (va == null || vb == null) return va == vb ? 0 : (va == null) === nullsLast ? 1 : -1;
        const c = va < vb ? -1 : va > vb ? 1 : 0;
        return desc ? -c : c;
      });
    }
    recs = recs.slice(parsed.offset ?? 0, parsed.limit === undefined ? undefined : (parsed.offset ?? 0) + parsed.limit);

    const rows = recs.map((rec) => {
      const row: Record<string, unknown> = { attributes: { type: sobject, url: `${DATA}/sobjects/${sobject}/${rec.Id}` } };
      for (const s of selects) {
        if (!s.rel) {
          row[s.path[0]!] = rec[s.path[0]!] ?? null;
          continue;
        }
        const parentId = rec[s.rel.field];
        const parent = parentId ? store.get(s.rel.target, String(parentId)) : undefined;
        if (!parent) {
          row[s.path[0]!] = null;
          continue;
        }
        const nested = (row[s.path[0]!] as Record<string, unknown> | null | undefined) ?? {
          attributes: { type: s.rel.target, url: `${DATA}/sobjects/${s.rel.target}/${parent.Id}` },
        };
        nested[s.path[1]!] = parent[s.path[1]!] ?? null;
        row[s.path[0]!] = nested;
      }
      return row;
    });
    const opt = /batchSize=(\d+)/i.exec(req.header('sforce-query-options') ?? '');
    const size = opt ? Math.min(2000, Math.max(200, Number(opt[1]))) : ctx.queryBatchSize;
    const locator = `01g${uuid().replace(/-/g, '').slice(0, 12)}`;
    if (rows.length > size) cursors.set(locator, rows);
    res.json(page(rows, size, locator, 0));
  });

  r.get(`${DATA}/query/:locator`, (req, res) => {
    const m = /^(01g[0-9a-f]+)-(\d+)$/.exec(String(req.params['locator']));
    const rows = m ? cursors.get(m[1]!) : undefined;
    if (!m || !rows) return sfError(res, 400, 'INVALID_QUERY_LOCATOR', 'invalid query locator');
    const opt = /batchSize=(\d+)/i.exec(req.header('sforce-query-options') ?? '');
    const size = opt ? Math.min(2000, Math.max(200, Number(opt[1]))) : ctx.queryBatchSize;
    const out = page(rows, size, m[1]!, Number(m[2]));
    if (out['done']) cursors.delete(m[1]!);
    res.json(out);
  });
}
