import type { DeliveryResult, OutboundRequest } from '../connector.js';
import type { EventCall } from '../base-connector.js';
import { fillPath } from '../http/url.js';
import { at, str, type Obj } from '../payload.js';
import type { GenericWmsOptions, Operation } from './options.js';
import type { Logger } from '../../log/logger.js';

export interface GenericContext {
  req: OutboundRequest;
  call: EventCall;
  log: Logger;
  options: GenericWmsOptions;
}

/** Placeholder values: {reference}, {sku}, {ref}, {external_id}, {res_id}. */
export function placeholders(ctx: GenericContext): Record<string, string | undefined> {
  const p = ctx.req.payload;
  const o = ctx.options;
  return {
    reference: str(at(p, o.referenceField)) ?? str(p.reference_id) ?? ctx.req.externalRef,
    sku: str(at(p, o.skuField)),
    ref: str(at(p, o.customerRefField)) ?? String(ctx.req.resId),
    external_id: ctx.req.externalRef,
    res_id: String(ctx.req.resId),
  };
}

/**
 * The body of an operation: the payload without the top-level fields that fill a placeholder of
 * `template` ({reference}, {sku}, {ref}): the key travels in the URL, and the profile rejects
 * unknown body fields. Fields not used by the path stay in the body.
 */
export function bodyFor(ctx: GenericContext, template: string): Obj {
  const o = ctx.options;
  const used = new Set([...template.matchAll(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g)].map((m) => m[1]));
  const drop = new Set<string>();
  const p = ctx.req.payload;
  const keyOf = (field: string) => (!field.includes('.') && str(p[field]) !== undefined ? field : undefined);
  if (used.has('reference')) {
    const k = keyOf(o.referenceField) ?? (str(at(p, o.referenceField)) === undefined ? keyOf('reference_id') : undefined);
    if (k) drop.add(k);
  }
  if (used.has('sku')) {
    const k = keyOf(o.skuField);
    if (k) drop.add(k);
  }
  if (used.has('ref')) {
    const k = keyOf(o.customerRefField);
    if (k) drop.add(k);
  }
  return Object.fromEntries(Object.entries(p).filter(([k]) => !drop.has(k)));
}

/**
 * The WMS's id for the record: `id_field` of the answer, else the natural key that addressed it
 * in the path ({reference}, {sku}, {ref}), which is what the generic profile identifies records by.
 */
function idFrom(ctx: GenericContext, body: unknown, template: string, values: Record<string, string | undefined>): string | undefined {
  const fromBody = str(at(body, ctx.options.idField));
  if (fromBody !== undefined) return fromBody;
  const key = /\{(reference|sku|ref)\}/.exec(template)?.[1];
  return key ? values[key] : undefined;
}

/**
 * Sends one configured operation with the payload as body. A "duplicate" status (default 409)
 * means the record is already there: it is fetched (lookup path) and the write counts as done.
 */
export async function runOperation(ctx: GenericContext, op: Operation, what: string, body: Obj | undefined = bodyFor(ctx, op.path)): Promise<DeliveryResult> {
  const values = placeholders(ctx);
  const path = fillPath(op.path, values);
  const res = await ctx.call({ method: op.method, path, body, accept: ctx.options.duplicateStatuses });
  let dedup = false;
  let resBody: unknown = res.body;
  if (ctx.options.duplicateStatuses.includes(res.status)) {
    dedup = true;
    const lookup = op.lookupPath ?? (op.path.includes('{') && !/\/cancel$/.test(op.path) ? op.path : undefined);
    if (lookup) {
      const got = await ctx.call({ method: 'GET', path: fillPath(lookup, values), accept: ctx.options.notFoundStatuses });
      if (!ctx.options.notFoundStatuses.includes(got.status)) resBody = got.body;
    }
  }
  const id = idFrom(ctx, resBody, op.path, values) ?? ctx.req.externalRef;
  const label = `${what} ${path}`;
  return {
    externalRef: id,
    links: id ? [{ model: ctx.req.model, res_id: ctx.req.resId, external_id: id }] : undefined,
    summary: dedup ? `${label}: already present in the WMS (HTTP ${res.status}); treated as done` : `${label}: ${res.status === 201 ? 'created' : 'accepted'}${id ? ` (id ${id})` : ''}`,
    deduplicated: dedup || undefined,
  };
}
