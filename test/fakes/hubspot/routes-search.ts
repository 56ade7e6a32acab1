import type { Router } from 'express';
import type { z } from 'zod';
import { type HubSpotContext, objectType, parseBody } from './context.js';
import { hsError, propertyError } from './errors.js';
import { searchBody, type filter } from './schemas.js';
import { objectJson } from './serialize.js';
import type { HsRecord } from './store.js';

/** Search limits HubSpot documents. */
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

/** CONTAINS_TOKEN: a whole word of the value, or a `*` wildcard pattern over the whole value. */
function tokenMatch(v: string, token: string): boolean {
  if (token.includes('*')) {
    const re = new RegExp(`^${token.split('*').map((x) => x.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 'i');
    return re.test(v);
  }
  return v.toLowerCase().split(/[^a-z0-9@._-]+/).includes(token.toLowerCase());
}

function matches(rec: HsRecord, f: Filter): boolean {
  const v = rec.properties[f.propertyName];
  const has = v !== undefined && v !== null && v !== '';
  const val = f.value === undefined ? '' : String(f.value);
  switch (f.operator) {
    case 'HAS_PROPERTY':
      return has;
    case 'NOT_HAS_PROPERTY':
      return !has;
    case 'EQ':
      return has && (v!.toLowerCase() === val.toLowerCase() || (Number.isFinite(Number(v)) && cmp(v!, val) === 0));
    case 'NEQ':
      return !has || v!.toLowerCase() !== val.toLowerCase();
    case 'LT':
      return has && cmp(v!, val) < 0;
    case 'LTE':
      return has && cmp(v!, val) <= 0;
    case 'GT':
      return has && cmp(v!, val) > 0;
    case 'GTE':
      return has && cmp(v!, val) >= 0;
    case 'BETWEEN':
      return has && cmp(v!, val) >= 0 && cmp(v!, String(f.highValue ?? '')) <= 0;
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
    let recs = ctx.store.all(type).filter((rec) => groups.length === 0 || groups.some((g) => g.filters.every((f) => matches(rec, f))));
    if (body.query) {
      const q = body.query.toLowerCase();
      recs = recs.filter((rec) => Object.values(rec.properties).some((v) => v?.toLowerCase().includes(q)));
    }
    const sort = body.sorts?.[0];
    const sortProp = typeof sort === 'string' ? sort.replace(/^-/, '') : sort?.propertyName ?? 'hs_object_id';
    const desc = typeof sort === 'string' ? sort.startsWith('-') : sort?.direction === 'DESCENDING';
    recs.sort((a, b) => {
      const c = cmp(a.properties[sortProp] ?? '', b.properties[sortProp] ?? '') || Number(a.id) - Number(b.id);
      return desc ? -c : c;
    });
    const page = recs.slice(after, after + limit);
    const out: Record<string, unknown> = { total: recs.length, results: page.map((rec) => objectJson(rec, body.properties ?? [])) };
    if (after + limit < recs.length) out['paging'] = { next: { after: String(after + limit) } };
    res.json(out);
  });
}
