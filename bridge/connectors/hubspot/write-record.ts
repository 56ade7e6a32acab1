import { TransientError } from '../../errors/index.js';
import { isObj, str, type Obj } from '../payload.js';
import { batchUpsert, partialFailure, type UpsertInput } from './batch-upsert.js';
import type { HubSpotContext } from './context.js';
import { toInput } from './input.js';

export interface Written {
  id: string;
  created: boolean;
  /** An existing HubSpot record took the Odoo id (CONFLICT "Existing ID" on a unique value such as a contact's email). */
  adopted: boolean;
  input: UpsertInput;
}

const EXISTING_ID = /Existing ID:\s*(\d+)/;

/**
 * Writes one mapped record into `objectType`, idempotently:
 *  1. `hubspot_id` known (the sync.link of a record HubSpot created, e.g. the company of a won
 *     deal): `PATCH /crm/v3/objects/{type}/{hubspot_id}` with the properties and the unique Odoo-id
 *     property (stamps it, so later upserts find the same record). A 404 falls through.
 *  2. `create_properties` given (set only when the record is created, e.g. a deal's name and
 *     pipeline): `PATCH .../{odoo id}?idProperty=...` first; a 404 falls through.
 *  3. Batch upsert by the unique property with properties + create_properties.
 * A CONFLICT on the upsert that names "Existing ID: <id>" (another unique value of the record,
 * e.g. a contact's email, already belongs to a record a user created) adopts that record: it is
 * PATCHed with the properties and the Odoo id, instead of failing forever.
 */
export async function writeRecord(ctx: HubSpotContext, objectType: string, payload: Obj, extra: Obj = {}): Promise<Written> {
  const input = toInput(payload, ctx.options.idProperty, ctx.req.resId);
  const written = { ...input.properties, ...extra };
  // PATCHes carry the unique Odoo-id value too (batch upsert sets it from `id` itself).
  const props = { ...written, [input.idProperty]: input.id };
  const base = `/crm/v3/objects/${encodeURIComponent(objectType)}`;
  const known = str(payload.hubspot_id);
  if (known) {
    const res = await ctx.call({ method: 'PATCH', path: `${base}/${encodeURIComponent(known)}`, body: { properties: props }, accept: [404] });
    if (res.status !== 404) return { id: known, created: false, adopted: false, input };
    ctx.log.warn(`HubSpot ${objectType} ${known} (linked) no longer exists; writing by ${input.idProperty}=${input.id}`);
  }
  const createProps = isObj(payload.create_properties) ? payload.create_properties : {};
  if (Object.keys(createProps).length > 0) {
    const res = await ctx.call({ method: 'PATCH', path: `${base}/${encodeURIComponent(input.id)}`, query: { idProperty: input.idProperty }, body: { properties: props }, accept: [404] });
    const id = res.status !== 404 && isObj(res.body) ? str(res.body.id) : undefined;
    if (id) return { id, created: false, adopted: false, input };
  }
  const out = await batchUpsert(ctx.call, objectType, [{ ...input, properties: { ...createProps, ...written } }]);
  if (out.errors.length > 0) {
    const existing = out.errors.length === 1 && out.errors[0]!.category === 'CONFLICT' ? EXISTING_ID.exec(out.errors[0]!.message)?.[1] : undefined;
    if (!existing) throw partialFailure(ctx.req.target, objectType, out.errors, out.ids.size);
    ctx.log.info(`HubSpot ${objectType} ${existing} already holds a unique value of ${input.idProperty}=${input.id}: adopting it`);
    await ctx.call({ method: 'PATCH', path: `${base}/${encodeURIComponent(existing)}`, body: { properties: props } });
    return { id: existing, created: false, adopted: true, input };
  }
  const id = out.ids.get(input.id);
  if (!id) throw new TransientError(`${ctx.req.target}: HubSpot upsert of ${objectType} ${input.idProperty}=${input.id} returned no id`, { details: { inDoubt: true } });
  return { id, created: out.created.has(input.id), adopted: false, input };
}

export function verb(w: Written): string {
  return w.adopted ? 'adopted (existing record)' : w.created ? 'created' : 'updated';
}
