import type { Router } from 'express';
import { queryValue } from '../common/body.js';
import { body, DATA, recordJson, requestSeq, sobjectParam, type SalesforceContext } from './context.js';
import { sendFault, SfFault, sfError } from './errors.js';
import { validId } from './ids.js';
import { canonicalField } from './objects.js';
import { z } from 'zod';
import { validate } from '../common/validation.js';

/** getUpdated query: ISO 8601 date-times with a time zone. */
const isoDateTime = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})$/, 'must be an ISO 8601 date-time with a time zone');
export const updatedQuery = z.object({ start: isoDateTime, end: isoDateTime });

/**
 * sObject rows:
 *  POST   /sobjects/{SObject}                         insert -> 201 {id, success, errors}
 *  GET    /sobjects/{SObject}/{id}[?fields=]          read
 *  PATCH  /sobjects/{SObject}/{id}                    update -> 204
 *  PATCH  /sobjects/{SObject}/{ExternalIdField}/{v}   upsert -> 201 {id, success, errors, created:true}
 *                                                     or 200 {..., created:false} (204 if configured)
 *  DELETE /sobjects/{SObject}/{id}                    -> 204
 *  GET    /sobjects/{SObject}/updated/?start=&end=    -> {ids, latestDateCovered}
 */
export function mountSObjects(r: Router, ctx: SalesforceContext): void {
  const { store, ledger } = ctx;

  r.get(`${DATA}/sobjects/:sobject/updated`, (req, res) => {
    const sobject = sobjectParam(req, res, ctx);
    if (!sobject) return;
    const q = validate(updatedQuery, { start: queryValue(req.query['start']), end: queryValue(req.query['end']) });
    if (!q.ok) {
      const i = q.issues.find((x) => x.code === 'invalid_type') ?? q.issues[0]!;
      return i.code === 'invalid_type'
        ? sfError(res, 400, 'MISSING_ARGUMENT', `${i.path} parameter is required`)
        : sfError(res, 400, 'INVALID_REPLICATION_DATE', `${i.path}: ${i.message}`);
    }
    const { start, end } = q.data;
    const s = Date.parse(start);
    const e = Date.parse(end);
    if (e <= s) return sfError(res, 400, 'INVALID_REPLICATION_DATE', 'end date must be after start date');
    if (s < ctx.clock.now() - 30 * 24 * 3600 * 1000) return sfError(res, 400, 'INVALID_REPLICATION_DATE', 'startDate cannot be more than 30 days ago');
    const endMinute = Math.floor(Math.min(e, ctx.clock.now()) / 60_000) * 60_000;
    const ids = store
      .all(sobject)
      .filter((rec) => {
        const t = Date.parse(String(rec['SystemModstamp']).replace('+0000', 'Z'));
        return t >= Math.floor(s / 60_000) * 60_000 && t < endMinute + 60_000 && t <= e;
      })
      .map((rec) => rec.Id);
    res.json({ ids, latestDateCovered: new Date(endMinute).toISOString().replace('Z', '+0000') });
  });

  r.post(`${DATA}/sobjects/:sobject`, (req, res) => {
    const sobject = sobjectParam(req, res, ctx);
    if (!sobject) return;
    const b = body(req, res);
    if (b === undefined) return;
    try {
      const { record } = store.apply(store.prepare(sobject, b, 'insert'));
      ledger.effect('create', sobject, String(record['Odoo_Id__c'] ?? record.Id), record.Id, requestSeq(res));
      res.status(201).json({ id: record.Id, success: true, errors: [] });
    } catch (e) {
      sendFault(res, e);
    }
  });

  r.get(`${DATA}/sobjects/:sobject/:id`, (req, res) => {
    const sobject = sobjectParam(req, res, ctx);
    if (!sobject) return;
    const id = String(req.params['id']);
    const rec = validId(id) ? store.get(sobject, id) : undefined;
    if (!rec) return sfError(res, 404, 'NOT_FOUND', 'The requested resource does not exist');
    const fieldsParam = queryValue(req.query['fields']);
    let fields: string[] | undefined;
    if (fieldsParam) {
      fields = [];
      for (const f of fieldsParam.split(',')) {
        const c = canonicalField(store.objects[sobject]!, f.trim());
        if (!c) return sfError(res, 400, 'INVALID_FIELD', `No such column '${f.trim()}' on entity '${sobject}'.`);
        fields.push(c);
      }
    }
    res.json(recordJson(sobject, rec, fields));
  });

  r.patch(`${DATA}/sobjects/:sobject/:id`, (req, res) => {
    const sobject = sobjectParam(req, res, ctx);
    if (!sobject) return;
    const id = String(req.params['id']);
    const rec = validId(id) ? store.get(sobject, id) : undefined;
    if (!rec) return sfError(res, 404, 'NOT_FOUND', 'Provided external ID field does not exist or is not accessible: ' + id);
    const b = body(req, res);
    if (b === undefined) return;
    try {
      store.apply(store.prepare(sobject, b, 'update', rec));
      ledger.effect('update', sobject, String(rec['Odoo_Id__c'] ?? rec.Id), rec.Id, requestSeq(res));
      res.status(204).end();
    } catch (e) {
      sendFault(res, e);
    }
  });

  r.patch(`${DATA}/sobjects/:sobject/:field/:value`, (req, res) => {
    const sobject = sobjectParam(req, res, ctx);
    if (!sobject) return;
    const def = store.objects[sobject]!;
    const field = canonicalField(def, String(req.params['field']));
    if (!field || (field !== 'Id' && !def.fields[field]!.externalId))
      return sfError(res, 404, 'NOT_FOUND', `Provided external ID field does not exist or is not accessible: ${String(req.params['field'])}`);
    const value = String(req.params['value']);
    const b = body(req, res);
    if (b === undefined) return;
    try {
      if (b && typeof b === 'object' && !Array.isArray(b)) {
        const inBody = Object.entries(b as Record<string, unknown>).find(([k]) => k.toLowerCase() === field.toLowerCase());
        if (inBody && String(inBody[1]) !== value)
          throw SfFault.of(400, 'INVALID_FIELD', `The value of ${field} in the request body (${String(inBody[1])}) does not match the value in the URL (${value}).`, [field]);
      }
      const matches = store.findBy(sobject, field, value);
      if (matches.length > 1) {
        return res.status(300).json(matches.map((m) => `${DATA}/sobjects/${sobject}/${m.Id}`));
      }
      if (field === 'Id' && matches.length === 0) return sfError(res, 404, 'NOT_FOUND', 'The requested resource does not exist');
      const existing = matches[0];
      const prepared = store.prepare(sobject, b, existing ? 'update' : 'insert', existing, field);
      if (!existing) prepared.values[field] = value;
      const { record, created } = store.apply(prepared);
      ledger.effect(created ? 'create' : 'update', sobject, value, record.Id, requestSeq(res));
      if (created) return res.status(201).json({ id: record.Id, success: true, errors: [], created: true });
      if (ctx.upsertUpdateStatus === 204) return res.status(204).end();
      res.status(200).json({ id: record.Id, success: true, errors: [], created: false });
    } catch (e) {
      sendFault(res, e);
    }
  });

  r.delete(`${DATA}/sobjects/:sobject/:id`, (req, res) => {
    const sobject = sobjectParam(req, res, ctx);
    if (!sobject) return;
    const id = String(req.params['id']);
    const rec = validId(id) ? store.get(sobject, id) : undefined;
    if (!rec) return sfError(res, 404, 'ENTITY_IS_DELETED', 'entity is deleted');
    store.delete(sobject, id);
    ledger.effect('delete', sobject, String(rec['Odoo_Id__c'] ?? rec.Id), rec.Id, requestSeq(res));
    res.status(204).end();
  });

  r.get(`${DATA}/limits`, (_req, res) => {
    const info = String(res.getHeader('Sforce-Limit-Info') ?? 'api-usage=0/0');
    const [used, max] = info.replace('api-usage=', '').split('/').map(Number);
    res.json({ DailyApiRequests: { Max: max, Remaining: (max ?? 0) - (used ?? 0) } });
  });
}
