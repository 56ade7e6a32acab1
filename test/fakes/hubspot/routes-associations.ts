import type { Response, Router } from 'express';
import { defaultAssocType } from './associations.js';
import { type HubSpotContext, parseBody, requestSeq } from './context.js';
import { hsError, hsErrorBody, notFound, type HubSpotErrorBody } from './errors.js';
import { OBJECT_TYPES, type ObjectType } from './properties.js';
import { batchAssociateDefault } from './schemas.js';
import type { HsRecord } from './store.js';

/** HubSpot's limit on v4 association batch inputs is larger; the fake holds the bridge to 100 (vendor-apis: batches of at most 100). */
export const MAX_ASSOC_BATCH = 100;

/**
 * Associations API v4, default (unlabeled) associations:
 *  PUT  /crm/v4/objects/{fromType}/{fromId}/associations/default/{toType}/{toId}
 *       -> 200 {status: COMPLETE, results[{from{id}, to{id}, associationSpec}]}; 404 when either record is unknown
 *  POST /crm/v4/associations/{fromType}/{toType}/batch/associate/default {inputs[{from{id}, to{id}}]}
 *       -> 200 as above (one result per input); 207 with errors[] (OBJECT_NOT_FOUND, context.ids) for
 *       inputs naming unknown records, the others are associated; 400 on a bad body or > 100 inputs.
 * Associating a pair twice is harmless (no second association). Every association is recorded in
 * the ledger: effect 'create' (new) or 'update' (already there), resource 'associations', key
 * `<fromType>:<fromId>-><toType>:<toId>`, id = the association type id.
 */
export function mountAssociations(r: Router, ctx: HubSpotContext): void {
  const { store, ledger } = ctx;

  const types = (res: Response, from: string, to: string): { from: ObjectType; to: ObjectType; typeId: number } | undefined => {
    for (const t of [from, to]) {
      if (!(OBJECT_TYPES as readonly string[]).includes(t)) {
        hsError(res, 400, 'VALIDATION_ERROR', `Unable to infer object type from: ${t}`);
        return undefined;
      }
    }
    const at = defaultAssocType(from as ObjectType, to as ObjectType);
    if (!at) {
      hsError(res, 400, 'VALIDATION_ERROR', `No default association type between ${from} and ${to}.`);
      return undefined;
    }
    return { from: from as ObjectType, to: to as ObjectType, typeId: at.id };
  };

  const associate = (res: Response, a: HsRecord, b: HsRecord, typeId: number) => {
    const added = store.associate(a, b, typeId);
    ledger.effect(added ? 'create' : 'update', 'associations', `${a.type}:${a.id}->${b.type}:${b.id}`, String(typeId), requestSeq(res));
    return { from: { id: a.id }, to: { id: b.id }, associationSpec: { associationCategory: 'HUBSPOT_DEFINED', associationTypeId: typeId } };
  };

  r.put('/crm/v4/objects/:type/:id/associations/default/:toType/:toId', (req, res) => {
    const t = types(res, String(req.params['type']), String(req.params['toType']));
    if (!t) return;
    const from = store.get(t.from, String(req.params['id']));
    const to = store.get(t.to, String(req.params['toId']));
    if (!from || !to) return notFound(res, `No ${!from ? t.from : t.to} with id ${!from ? String(req.params['id']) : String(req.params['toId'])}`);
    const now = ctx.clock.iso();
    res.json({ status: 'COMPLETE', results: [associate(res, from, to, t.typeId)], startedAt: now, completedAt: now });
  });

  r.post('/crm/v4/associations/:fromType/:toType/batch/associate/default', (req, res) => {
    const t = types(res, String(req.params['fromType']), String(req.params['toType']));
    if (!t) return;
    const startedAt = ctx.clock.iso();
    const input = parseBody(req, res, batchAssociateDefault);
    if (!input) return;
    if (input.inputs.length === 0) return hsError(res, 400, 'VALIDATION_ERROR', 'inputs must not be empty');
    if (input.inputs.length > MAX_ASSOC_BATCH)
      return hsError(res, 400, 'VALIDATION_ERROR', `Batch input size ${input.inputs.length} exceeds the maximum of ${MAX_ASSOC_BATCH}.`, { context: { maxInputs: [String(MAX_ASSOC_BATCH)] } });
    const results: unknown[] = [];
    const missing: string[] = [];
    for (const i of input.inputs) {
      const from = store.get(t.from, i.from.id);
      const to = store.get(t.to, i.to.id);
      if (!from) missing.push(`${t.from}:${i.from.id}`);
      if (!to) missing.push(`${t.to}:${i.to.id}`);
      if (from && to) results.push(associate(res, from, to, t.typeId));
    }
    const body: Record<string, unknown> = { status: 'COMPLETE', results, startedAt, completedAt: ctx.clock.iso() };
    if (missing.length) {
      const { correlationId: _c, ...err } = hsErrorBody('OBJECT_NOT_FOUND', `No records with these ids: ${missing.join(', ')}`, {
        context: { ids: missing.map((m) => m.split(':')[1]!) },
      }) as HubSpotErrorBody;
      body['numErrors'] = 1;
      body['errors'] = [err];
      return res.status(207).json(body);
    }
    res.json(body);
  });
}
