import type { Router } from 'express';
import { queryValue } from '../common/body.js';
import { decodeCursor, encodeCursor } from '../common/pagination.js';
import { assocType } from './associations.js';
import { type HubSpotContext, listParam, objectType, parseBody, requestSeq } from './context.js';
import { hsError, notFound, propertyError } from './errors.js';
import { checkProperties, OBJECT_TYPES, SINGULAR, type ObjectType } from './properties.js';
import { createInput, listQuery, updateInput } from './schemas.js';
import { validate } from '../common/validation.js';
import { objectJson, writeJson } from './serialize.js';
import type { HsRecord } from './store.js';

/**
 * HubSpot's conflict message: "Contact already exists. Existing ID: <id>" for a contact's email
 * (the documented case); the same "Existing ID" form for a custom unique-value property (assumed).
 */
export function conflictMessage(type: ObjectType, c: { prop: string; value: string; existing: HsRecord }): string {
  if (type === 'contacts' && c.prop === 'email') return `Contact already exists. Existing ID: ${c.existing.id}`;
  return `A ${SINGULAR[type]} with ${c.prop} "${c.value}" already exists. Existing ID: ${c.existing.id}`;
}

/** Another record already holding one of the unique values being written. */
export function uniqueConflict(ctx: HubSpotContext, type: ObjectType, values: Record<string, string | null>, self?: HsRecord): { prop: string; value: string; existing: HsRecord } | undefined {
  for (const [prop, value] of Object.entries(values)) {
    if (!ctx.schema[type][prop]?.unique || value === null || value === '') continue;
    const existing = ctx.store.findBy(type, prop, value);
    if (existing && existing !== self) return { prop, value, existing };
  }
  return undefined;
}

/**
 * Basic CRUD: POST /crm/v3/objects/{type} (with associations), GET /{type}/{id}
 * (?properties, ?associations, ?idProperty), PATCH /{type}/{id} (?idProperty), DELETE (archive),
 * GET /{type} list (?limit<=100, ?after, ?properties, ?associations).
 */
export function mountObjects(r: Router, ctx: HubSpotContext): void {
  const { store, schema, ledger } = ctx;

  const resolveId = (type: ObjectType, idOrValue: string, idProperty: string | undefined): HsRecord | undefined | 'bad-prop' => {
    if (!idProperty || idProperty === 'hs_object_id') return store.get(type, idOrValue);
    const def = schema[type][idProperty];
    if (!def || !def.unique) return 'bad-prop';
    return store.findBy(type, idProperty, idOrValue);
  };

  r.post('/crm/v3/objects/:type', (req, res) => {
    const type = objectType(req, res);
    if (!type) return;
    const input = parseBody(req, res, createInput);
    if (!input) return;
    const { problems, values } = checkProperties(schema[type], input.properties);
    if (problems.length) return propertyError(res, problems, ctx.portalId);
    const conflict = uniqueConflict(ctx, type, values);
    if (conflict)
      return hsError(res, 409, 'CONFLICT', conflictMessage(type, conflict));
    const targets: Array<{ rec: HsRecord; typeId: number }> = [];
    for (const a of input.associations ?? []) {
      for (const t of a.types) {
        const at = assocType(t.associationTypeId);
        const target = at ? store.get(at.to, a.to.id) : undefined;
        if (!at || at.from !== type || t.associationCategory !== 'HUBSPOT_DEFINED')
          return hsError(res, 400, 'VALIDATION_ERROR', `${t.associationCategory} ${t.associationTypeId} is not a valid association type from ${type}.`);
        if (!target) return hsError(res, 400, 'VALIDATION_ERROR', `One or more associations are invalid: ${at.to} ${a.to.id} does not exist.`, { context: { id: [a.to.id] } });
        targets.push({ rec: target, typeId: at.id });
      }
    }
    const rec = store.create(type, values);
    const key = values['odoo_id'] ?? rec.id;
    ledger.effect('create', type, key ?? rec.id, rec.id, requestSeq(res));
    for (const t of targets) {
      store.associate(rec, t.rec, t.typeId);
      ledger.effect('create', 'associations', `${rec.type}:${rec.id}->${t.rec.type}:${t.rec.id}`, String(t.typeId), requestSeq(res));
    }
    res.status(201).json(writeJson(rec, Object.keys(values)));
  });

  r.get('/crm/v3/objects/:type/:id', (req, res) => {
    const type = objectType(req, res);
    if (!type) return;
    const rec = resolveId(type, String(req.params['id']), queryValue(req.query['idProperty']));
    if (rec === 'bad-prop') return hsError(res, 400, 'VALIDATION_ERROR', `${String(req.query['idProperty'])} is not a unique property of ${type}.`);
    if (!rec) return notFound(res);
    const assoc = listParam(req.query['associations']).filter((t): t is ObjectType => (OBJECT_TYPES as readonly string[]).includes(t));
    res.json(objectJson(rec, listParam(req.query['properties']), assoc));
  });

  r.patch('/crm/v3/objects/:type/:id', (req, res) => {
    const type = objectType(req, res);
    if (!type) return;
    const input = parseBody(req, res, updateInput);
    if (!input) return;
    const rec = resolveId(type, String(req.params['id']), queryValue(req.query['idProperty']));
    if (rec === 'bad-prop') return hsError(res, 400, 'VALIDATION_ERROR', `${String(req.query['idProperty'])} is not a unique property of ${type}.`);
    if (!rec) return notFound(res);
    const { problems, values } = checkProperties(schema[type], input.properties);
    if (problems.length) return propertyError(res, problems, ctx.portalId);
    const conflict = uniqueConflict(ctx, type, values, rec);
    if (conflict) return hsError(res, 409, 'CONFLICT', conflictMessage(type, conflict));
    store.update(rec, values);
    ledger.effect('update', type, rec.properties['odoo_id'] ?? rec.id, rec.id, requestSeq(res));
    res.json(writeJson(rec, Object.keys(values)));
  });

  r.delete('/crm/v3/objects/:type/:id', (req, res) => {
    const type = objectType(req, res);
    if (!type) return;
    const rec = store.get(type, String(req.params['id']));
    if (rec) {
      rec.archived = true;
      ledger.effect('delete', type, rec.properties['odoo_id'] ?? rec.id, rec.id, requestSeq(res));
    }
    res.status(204).end();
  });

  r.get('/crm/v3/objects/:type', (req, res) => {
    const type = objectType(req, res);
    if (!type) return;
    const q = validate(listQuery, { limit: queryValue(req.query['limit']), after: queryValue(req.query['after']), archived: queryValue(req.query['archived']) });
    if (!q.ok) return hsError(res, 400, 'VALIDATION_ERROR', `${q.issues[0]!.path}: ${q.issues[0]!.message}`);
    const limit = q.data.limit ?? 10;
    let offset = 0;
    if (q.data.after !== undefined) {
      const c = decodeCursor<{ o: number }>(q.data.after);
      if (!c || typeof c.o !== 'number') return hsError(res, 400, 'VALIDATION_ERROR', `Invalid after value: ${q.data.after}`);
      offset = c.o;
    }
    const all = store.all(type).sort((a, b) => Number(a.id) - Number(b.id));
    const assoc = listParam(req.query['associations']).filter((t): t is ObjectType => (OBJECT_TYPES as readonly string[]).includes(t));
    const results = all.slice(offset, offset + limit).map((rec) => objectJson(rec, listParam(req.query['properties']), assoc));
    const body: Record<string, unknown> = { results };
    if (offset + limit < all.length) {
      const after = encodeCursor({ o: offset + limit });
      body['paging'] = { next: { after, link: `${req.baseUrl}${req.path}?after=${after}&limit=${limit}` } };
    }
    res.json(body);
  });
}
