import type { Router } from 'express';
import { type HubSpotContext, objectType, parseBody, requestSeq } from './context.js';
import { hsError, hsErrorBody, propertyError, type HubSpotErrorBody } from './errors.js';
import { checkProperties } from './properties.js';
import { batchRead, batchUpsert } from './schemas.js';
import { objectJson, writeJson } from './serialize.js';
import { conflictMessage, uniqueConflict } from './routes-objects.js';

export const MAX_BATCH = 100;

/**
 * POST /crm/v3/objects/{type}/batch/upsert — the bridge's idempotent write.
 *  - at most 100 inputs; ids must be unique within the batch; idProperty must be a defined,
 *    unique-value property (400 otherwise);
 *  - unknown property names anywhere: 400 VALIDATION_ERROR (PROPERTY_DOESNT_EXIST);
 *  - invalid values or conflicts on a single input: 207 with errors[] and numErrors,
 *    the other inputs are written;
 *  - 200 {status: "COMPLETE", results[{id, properties, createdAt, updatedAt, archived, new}]}.
 * POST /crm/v3/objects/{type}/batch/read — {inputs[{id}], properties, idProperty}; missing -> 207.
 */
export function mountBatch(r: Router, ctx: HubSpotContext): void {
  const { store, schema, ledger } = ctx;

  r.post('/crm/v3/objects/:type/batch/upsert', (req, res) => {
    const type = objectType(req, res);
    if (!type) return;
    const startedAt = ctx.clock.iso();
    const input = parseBody(req, res, batchUpsert);
    if (!input) return;
    if (input.inputs.length === 0) return hsError(res, 400, 'VALIDATION_ERROR', 'inputs must not be empty');
    if (input.inputs.length > MAX_BATCH)
      return hsError(res, 400, 'VALIDATION_ERROR', `Batch input size ${input.inputs.length} exceeds the maximum of ${MAX_BATCH}.`, {
        context: { maxInputs: [String(MAX_BATCH)] },
      });
    for (const idProperty of new Set(input.inputs.map((i) => i.idProperty))) {
      const def = schema[type][idProperty];
      if (!def) return propertyError(res, [{ name: idProperty, error: 'PROPERTY_DOESNT_EXIST', message: `Property "${idProperty}" does not exist` }], ctx.portalId);
      if (!def.unique) return hsError(res, 400, 'VALIDATION_ERROR', `Property "${idProperty}" is not a unique value property and cannot be used as idProperty.`);
    }
    const seen = new Set<string>();
    const dups = new Set<string>();
    for (const i of input.inputs) {
      const k = `${i.idProperty}\u0000${i.id}`;
      if (seen.has(k)) dups.add(i.id);
      seen.add(k);
    }
    if (dups.size) return hsError(res, 400, 'VALIDATION_ERROR', `Duplicate IDs found in batch input: [${[...dups].join(', ')}]. IDs must be unique`);
    const unknown = input.inputs.flatMap((i) => Object.keys(i.properties).filter((p) => !schema[type][p]));
    if (unknown.length)
      return propertyError(
        res,
        [...new Set(unknown)].map((name) => ({ name, error: 'PROPERTY_DOESNT_EXIST' as const, message: `Property "${name}" does not exist` })),
        ctx.portalId,
      );

    const results: Array<Record<string, unknown>> = [];
    const errors: HubSpotErrorBody[] = [];
    for (const i of input.inputs) {
      const forced = ctx.forcedFailures.get(i.id);
      if (forced !== undefined) {
        errors.push(withoutCorrelation(hsErrorBody('VALIDATION_ERROR', forced, { context: { ids: [i.id] } })));
        continue;
      }
      const { problems, values } = checkProperties(schema[type], i.properties);
      if (problems.length) {
        errors.push(
          withoutCorrelation(
            hsErrorBody('VALIDATION_ERROR', problems.map((p) => p.message).join('; '), {
              context: { ids: [i.id], propertyName: problems.map((p) => p.name) },
              errors: problems.map((p) => ({ message: p.message, code: p.error, context: { propertyName: [p.name] } })),
            }),
          ),
        );
        continue;
      }
      values[i.idProperty] = i.id;
      const existing = store.findBy(type, i.idProperty, i.id);
      const conflict = uniqueConflict(ctx, type, values, existing);
      if (conflict) {
        errors.push(withoutCorrelation(hsErrorBody('CONFLICT', conflictMessage(type, conflict), { context: { ids: [i.id] } })));
        continue;
      }
      if (existing) {
        store.update(existing, values);
        ledger.effect('update', type, i.id, existing.id, requestSeq(res));
        results.push({ ...writeJson(existing, Object.keys(values)), new: false });
      } else {
        const rec = store.create(type, values);
        ledger.effect('create', type, i.id, rec.id, requestSeq(res));
        results.push({ ...writeJson(rec, Object.keys(values)), new: true });
      }
    }
    const body: Record<string, unknown> = { status: 'COMPLETE', results, startedAt, completedAt: ctx.clock.iso() };
    if (errors.length) {
      body['numErrors'] = errors.length;
      body['errors'] = errors;
      return res.status(207).json(body);
    }
    res.json(body);
  });

  r.post('/crm/v3/objects/:type/batch/read', (req, res) => {
    const type = objectType(req, res);
    if (!type) return;
    const startedAt = ctx.clock.iso();
    const input = parseBody(req, res, batchRead);
    if (!input) return;
    if (input.inputs.length > MAX_BATCH) return hsError(res, 400, 'VALIDATION_ERROR', `Batch input size ${input.inputs.length} exceeds the maximum of ${MAX_BATCH}.`);
    const prop = input.idProperty;
    if (prop && prop !== 'hs_object_id' && !schema[type][prop]?.unique)
      return hsError(res, 400, 'VALIDATION_ERROR', `Property "${prop}" is not a unique value property.`);
    const results = [];
    const missing: string[] = [];
    for (const { id } of input.inputs) {
      const rec = prop ? store.findBy(type, prop, id) : store.get(type, id);
      if (rec) results.push(objectJson(rec, input.properties ?? []));
      else missing.push(id);
    }
    const body: Record<string, unknown> = { status: 'COMPLETE', results, startedAt, completedAt: ctx.clock.iso() };
    if (missing.length) {
      body['numErrors'] = 1;
      body['errors'] = [
        withoutCorrelation(
          hsErrorBody('OBJECT_NOT_FOUND', `Could not get some ${type.toUpperCase()} objects, they may be deleted or not exist. Check that ids are valid.`, {
            context: { ids: missing },
          }),
        ),
      ];
      return res.status(207).json(body);
    }
    res.json(body);
  });
}

function withoutCorrelation(b: HubSpotErrorBody): HubSpotErrorBody {
  const { correlationId: _c, ...rest } = b;
  return rest as HubSpotErrorBody;
}
