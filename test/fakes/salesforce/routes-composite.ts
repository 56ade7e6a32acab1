import type { Router } from 'express';
import { z } from 'zod';
import { validate } from '../common/validation.js';
import { body, DATA, requestSeq, sobjectParam, type SalesforceContext } from './context.js';
import { SfFault, sfError, type SfCollectionError } from './errors.js';
import { canonicalField } from './objects.js';
import type { PreparedWrite } from './store.js';

export const MAX_COLLECTION = 200;

const collectionBody = z.strictObject({
  allOrNone: z.boolean().optional(),
  records: z.array(z.record(z.string(), z.unknown())),
});

type Result = { id?: string; success: boolean; errors: SfCollectionError[]; created?: boolean };

/**
 * PATCH /composite/sobjects/{SObject}/{ExternalIdField} — sObject Collections upsert.
 * Up to 200 records, each with attributes.type; allOrNone (default false). Always 200 with one
 * result per record: {id, success, errors[], created} or {success:false, errors[{statusCode,
 * message, fields}]}. With allOrNone and any failure nothing is written and the valid records
 * report ALL_OR_NONE_OPERATION_ROLLED_BACK.
 */
export function mountComposite(r: Router, ctx: SalesforceContext): void {
  const { store, ledger } = ctx;

  r.patch(`${DATA}/composite/sobjects/:sobject/:field`, (req, res) => {
    const sobject = sobjectParam(req, res, ctx);
    if (!sobject) return;
    const def = store.objects[sobject]!;
    const field = canonicalField(def, String(req.params['field']));
    if (!field || !def.fields[field]!.externalId)
      return sfError(res, 404, 'NOT_FOUND', `Provided external ID field does not exist or is not accessible: ${String(req.params['field'])}`);
    const b = body(req, res);
    if (b === undefined) return;
    const parsed = validate(collectionBody, b);
    if (!parsed.ok) {
      const i = parsed.issues[0]!;
      return sfError(res, 400, 'JSON_PARSER_ERROR', i.code === 'unrecognized_keys' ? `Unrecognized field "${i.keys?.[0]}" at [line:1, column:1]` : `${i.path || 'body'}: ${i.message}`);
    }
    const { records, allOrNone = false } = parsed.data;
    if (records.length > MAX_COLLECTION)
      return sfError(res, 400, 'EXCEEDED_ID_LIMIT', `record limit reached. cannot submit more than ${MAX_COLLECTION} records into this call`);

    const plans: Array<PreparedWrite | SfCollectionError[]> = [];
    const seen = new Map<string, number>();
    records.forEach((rec, i) => {
      const attrs = rec['attributes'] as { type?: unknown } | undefined;
      if (!attrs || typeof attrs.type !== 'string') {
        plans.push([{ statusCode: 'INVALID_TYPE', message: 'Must send a concrete entity type.', fields: [] }]);
        return;
      }
      if (attrs.type.toLowerCase() !== sobject.toLowerCase()) {
        plans.push([{ statusCode: 'INVALID_TYPE', message: `Record type ${attrs.type} does not match ${sobject}.`, fields: [] }]);
        return;
      }
      const extKey = Object.keys(rec).find((k) => k.toLowerCase() === field.toLowerCase());
      const value = extKey ? rec[extKey] : undefined;
      if (value === undefined || value === null || value === '') {
        plans.push([{ statusCode: 'MISSING_ARGUMENT', message: `${field} not specified`, fields: [] }]);
        return;
      }
      const key = String(value);
      if (seen.has(key)) {
        plans.push([{ statusCode: 'DUPLICATE_EXTERNAL_ID', message: `Duplicate external id specified: ${key}`, fields: [field] }]);
        return;
      }
      seen.set(key, i);
      try {
        const matches = store.findBy(sobject, field, key);
        if (matches.length > 1) throw SfFault.of(300, 'DUPLICATE_EXTERNAL_ID', `Multiple ${sobject} records match ${field} ${key}`);
        const existing = matches[0];
        const p = store.prepare(sobject, rec, existing ? 'update' : 'insert', existing, field);
        if (!existing) p.values[field] = key;
        plans.push(p);
      } catch (e) {
        if (!(e instanceof SfFault)) throw e;
        plans.push(e.errors.map((x) => ({ statusCode: x.errorCode, message: x.message, fields: x.fields ?? [] })));
      }
    });

    const failed = plans.some((p) => Array.isArray(p));
    const results: Result[] = plans.map((p) => {
      if (Array.isArray(p)) return { success: false, errors: p };
      if (allOrNone && failed)
        return {
          success: false,
          errors: [{ statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK', message: 'Record rolled back because not all records were valid and the request was using AllOrNone header', fields: [] }],
        };
      const { record, created } = store.apply(p);
      ledger.effect(created ? 'create' : 'update', sobject, String(record[field]), record.Id, requestSeq(res));
      return { id: record.Id, success: true, errors: [], created };
    });
    res.json(results);
  });
}
