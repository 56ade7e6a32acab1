import type { Request, Response } from 'express';
import type { z } from 'zod';
import { jsonBody } from '../common/body.js';
import type { Clock } from '../common/clock.js';
import type { Ledger, LedgerRequest } from '../common/ledger.js';
import { validate, type Issue } from '../common/validation.js';
import { hsError, invalidJson } from './errors.js';
import { OBJECT_TYPES, type ObjectType, type PropertySchema } from './properties.js';
import type { HubSpotStore } from './store.js';

export interface HubSpotContext {
  store: HubSpotStore;
  schema: PropertySchema;
  ledger: Ledger;
  clock: Clock;
  portalId: number;
  /** Test control: upsert inputs whose id is listed here fail with this message (207 partial failure). */
  forcedFailures: Map<string, string>;
}

/** The message HubSpot's Jackson-based deserializer gives for the first schema issue. */
function jacksonMessage(issues: Issue[]): string {
  const unknown = issues.find((i) => i.code === 'unrecognized_keys');
  if (unknown) return `Invalid input JSON on line 1, column 1: Unrecognized field "${unknown.keys?.[0] ?? ''}" (at ${unknown.path || '$'}), not marked as ignorable`;
  const missing = issues.filter((i) => i.code === 'invalid_type' && /received undefined/.test(i.message));
  if (missing.length) return `Some required fields were not set: [${missing.map((i) => i.path.split('.').pop()).join(', ')}]`;
  const i = issues[0]!;
  return `Invalid input JSON on line 1, column 1: Cannot deserialize value at ${i.path || '$'}: ${i.message}`;
}

export function parseBody<S extends z.ZodType>(req: Request, res: Response, schema: S): z.output<S> | undefined {
  const j = jsonBody(req);
  if (!j.ok) {
    invalidJson(res, j.message);
    return undefined;
  }
  if (j.empty) {
    hsError(res, 400, 'VALIDATION_ERROR', 'Invalid input JSON: No content to map due to end-of-input');
    return undefined;
  }
  const r = validate(schema, j.value);
  if (!r.ok) {
    hsError(res, 400, 'VALIDATION_ERROR', jacksonMessage(r.issues), {
      errors: r.issues.map((i) => ({ message: i.message, in: i.path || '$', code: i.code })),
    });
    return undefined;
  }
  return r.data;
}

export function objectType(req: Request, res: Response): ObjectType | undefined {
  const t = String(req.params['type']);
  if ((OBJECT_TYPES as readonly string[]).includes(t)) return t as ObjectType;
  hsError(res, 400, 'VALIDATION_ERROR', `Unable to infer object type from: ${t}`);
  return undefined;
}

export function requestSeq(res: Response): number | undefined {
  return (res.locals['ledgerEntry'] as LedgerRequest | undefined)?.seq;
}

export function listParam(v: unknown): string[] {
  const arr = Array.isArray(v) ? v : v === undefined ? [] : [v];
  return arr.flatMap((x) => String(x).split(',')).map((s) => s.trim()).filter(Boolean);
}
