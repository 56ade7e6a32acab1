import type { Router } from 'express';
import type { z } from 'zod';
import { type HubSpotContext, objectType, parseBody } from './context.js';
import { hsError, propertyError } from './errors.js';
import { searchBody, type filter } from './schemas.js';
import { objectJson } from './serialize.js';
import type { PropertyDef } from './properties.js';
import type { HsRecord } from './store.js';

/**
 * Search limits HubSpot documents. At most 10,000 results of one search can be paged through:
 * a page reaching past them (`after` + `limit` > 10,000, so any `after` >= 10,000) is refused
 * with 400 VALIDATION_ERROR; `total` still counts every match.
 */
export const SEARCH_LIMITS = { maxGroups: 5, maxFiltersPerGroup: 6, maxFilters: 18, maxLimit: 200, maxResults: 10_000 };

type Filter = z.output<typeof filter>;

function cmp(a: string, b: string): number {
  const na = Number(a);
  const nb = Number(b);
  if (a.trim() !== '' && b.trim() !== '' && Number.isFinite(na) && Number.isFinite(nb)) return na - nb;
  const da = Date.parse(a);
  const db = Date.parse(b);
  if (!Number.isNaN(da) && !Number.isNaN(db) && /\d{4}-\d{2}-\d{2}/.test(a)) return da - db;
  return a.localeCompare(b);
}

/** A date or date-time as epoch milliseconds: filters take epoch ms (number or string) or ISO 8601; values are stored as ISO 8601. */
function epochMs(v: string): number {
  return /^-?\d+$/.test(v.trim()) ? Number(v) : Date.parse(v);
}

/** Compares two values of a property: date and date-time properties by instant, whatever the notation. */
function cmpAs(def: PropertyDef | undefined, a: string, b: string): number {
  if (def && (def.type === 'datetime' || def.type === 'date')) {
    const x = epochMs(a);
    const y = epochMs(b);
    if (!Number.isNaN(x) && !Number.isNaN(y)) return x - y;
  }
  return cmp(a, b);
}

/** CONTAINS_TOKEN: a whole word of the value, or a `*` wildcard pattern over the whole value. */
function tokenMatch(v: string, token: string): boolean {
  if (token.includes('*')) {
    const re = new RegExp(`^${token.split('*').map((x) => x.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 'i');
    return re.test(v);
  }
  return v.toLowerCase().split(/[^a-z0-9@._-]+/).includes(token.toLowerCase());
}

function matches(rec: HsRecord, f: Filter, def: PropertyDef | undefined): boolean {
  const v = rec.properties[f.propertyName];
  const order = (a: string, b: string) => cmpAs(def, a, b);
  const has = v !== undefined && v !== null && v !== '';
  const val = f.value === undefined ? '' : String(f.value);
  switch (f.operator) {
    case 'HAS_PROPERTY':
      return has;
    case 'NOT_HAS_PROPERTY':
      return !has;
    case 'EQ':
      return has && (v!.toLowerCase() === val.toLowerCase() || ((def?.type === 'datetime' || def?.type === 'date' || Number.isFinite(Number(v))) && order(v!, val) === 0));
    case 'NEQ':
      return !has || v!.toLowerCase() !== val.toLowerCase();
    case 'LT':
      return has && order(v!, val) < 0;
    case 'LTE':
      return has && order(v!, val) <= 0;
    case 'GT':
      return has && order(v!, val) > 0;
    case 'GTE':
      return has && order(v!, val) >= 0;
    case 'BETWEEN':
      return has && order(v!, val) >= 0 && order(v!, String(f.highValue ?? '')) <= 0;
    case 'IN':
      return has && (f.values ?? []).some((x) => String(x).toLowerCase() === v!.toLowerCase());
    case 'NOT_IN':
      return !has || !(f.values ?? []).some((x) => String(x).toLowerCase() === v!.toLowerCase());
    case 'CONTAINS_TOKEN':
      return has && tokenMatch(v!, val);
    case 'NOT_CONTAINS_TOKEN':
      return !has || !tokenMatch(v!, val);
  }
}

/** POST /crm/v3/objects/{type}/search: filterGroups (OR of ANDs), one sort, query, properties, limit<=200, after. */
export function mountSearch(r: Router, ctx: HubSpotContext): void {
  r.post('/crm/v3/objects/:type/search', (req, res) => {
    const type = objectType(req, res);
    if (!type) return;
    const body = parseBody(req, res, searchBody);
    if (!body) return;
    const groups = body.filterGroups ?? [];
    const total = groups.reduce((a, g) => a + g.filters.length, 0);
    if (groups.length > SEARCH_LIMITS.maxGroups || groups.some((g) => g.filters.length > SEARCH_LIMITS.maxFiltersPerGroup) || total > SEARCH_LIMITS.maxFilters)
      return hsError(res, 400, 'VALIDATION_ERROR', `Too many filters or filter groups: at most ${SEARCH_LIMITS.maxGroups} groups, ${SEARCH_LIMITS.maxFiltersPerGroup} filters per group and ${SEARCH_LIMITS.maxFilters} filters in total.`);
    if ((body.sorts ?? []).length > 1) return hsError(res, 400, 'VALIDATION_ERROR', 'Only one sort is supported.');
    const defs = ctx.schema[type];
    const unknown = groups.flatMap((g) => g.filters.map((f) => f.propertyName)).filter((p) => !defs[p]);
    if (unknown.length) return propertyError(res, [...new Set(unknown)].map((name) => ({ name, error: 'PROPERTY_DOESNT_EXIST' as const, message: `Property "${name}" does not exist` })), ctx.portalId);
    for (const g of groups)
      for (const f of g.filters) {
        if (['IN', 'NOT_IN'].includes(f.operator) && !f.values) return hsError(res, 400, 'VALIDATION_ERROR', `Operator ${f.operator} requires values.`);
        if (f.operator === 'BETWEEN' && (f.value === undefined || f.highValue === undefined)) return hsError(res, 400, 'VALIDATION_ERROR', 'Operator BETWEEN requires value and highValue.');
        if (!['IN', 'NOT_IN', 'HAS_PROPERTY', 'NOT_HAS_PROPERTY'].includes(f.operator) && f.value === undefined)
          return hsError(res, 400, 'VALIDATION_ERROR', `Operator ${f.operator} requires a value.`);
      }
    const after = body.after === undefined ? 0 : Number(body.after);
    if (!Number.isInteger(after) || after < 0) return hsError(res, 400, 'VALIDATION_ERROR', `Invalid after value: ${String(body.after)}`);
    const limit = body.limit ?? 10;
    if (after + limit > SEARCH_LIMITS.maxResults) return hsError(res, 400, 'VALIDATION_ERROR', `The search API can page through at most ${SEARCH_LIMITS.maxResults} results.`);
    let recs = ctx.store.all(type).filter((rec) => groups.length === 0 || groups.some((g) => g.filters.every((f) => matches(rec, f, defs[f.propertyName]))));
    if (body.query) {
      const q = body.query.toLowerCase();
      recs = recs.filter((rec) => Object.values(rec.properties).some((v) => v?.toLowerCase().includes(q)));
    }
    const sort = body.sorts?.[0];
    const sortProp = typeof sort === 'string' ? sort.replace(/^-/, '') : sort?.propertyName ?? 'hs_object_id';
    const desc = typeof sort === 'string' ? sort.startsWith('-') : sort?.direction === 'DESCENDING';
    recs.sort((a, b) => {
      const c = cmpAs(defs[sortProp], a.properties[sortProp] ?? '', b.properties[sortProp] ?? '') || Number(a.id) - Number(b.id);
      return desc ? -c : c;
    });
    const page = recs.slice(after, after + limit);
    const out: Record<string, unknown> = { total: recs.length, results: page.map((rec) => objectJson(rec, body.properties ?? [])) };
    if (after + limit < recs.length) out['paging'] = { next: { after: String(after + limit) } };
    res.json(out);
  });
}
