import type { Request, Response } from 'express';
import type { z } from 'zod';
import { jsonBody } from '../common/body.js';
import type { Clock } from '../common/clock.js';
import type { Ledger, LedgerRequest } from '../common/ledger.js';
import { validate } from '../common/validation.js';
import { invalidJson, problem, validationProblem } from './errors.js';
import { ShipBobError, type ShipBobStore } from './store.js';
import type { ShipBobWebhooks } from './webhooks.js';

export const API_VERSION = '2026-01';

export interface ShipBobContext {
  store: ShipBobStore;
  ledger: Ledger;
  clock: Clock;
  webhooks: ShipBobWebhooks;
}

/** Parses and validates the JSON body; on failure answers ShipBob's 400 and returns undefined. */
export function parseBody<S extends z.ZodType>(req: Request, res: Response, schema: S): z.output<S> | undefined {
  const j = jsonBody(req);
  if (!j.ok) {
    invalidJson(res, j.message);
    return undefined;
  }
  if (j.empty) {
    problem(res, 400, { errors: { '': ['A non-empty request body is required.'] } });
    return undefined;
  }
  const r = validate(schema, j.value);
  if (!r.ok) {
    validationProblem(res, r.issues);
    return undefined;
  }
  return r.data;
}

export function parseQuery<S extends z.ZodType>(res: Response, schema: S, query: Record<string, unknown>): z.output<S> | undefined {
  const r = validate(schema, query);
  if (!r.ok) {
    validationProblem(res, r.issues);
    return undefined;
  }
  return r.data;
}

export function sendStoreError(res: Response, e: unknown): void {
  if (e instanceof ShipBobError) problem(res, e.status, e.errors ? { errors: e.errors } : { detail: e.message });
  else throw e;
}

export function requestSeq(res: Response): number | undefined {
  return (res.locals['ledgerEntry'] as LedgerRequest | undefined)?.seq;
}

export function idParam(v: unknown): number | undefined {
  const s = String(v ?? '');
  return /^\d+$/.test(s) ? Number(s) : undefined;
}
