import { PermanentError } from '../../errors/index.js';
import type { DeliveryResult } from '../connector.js';
import { isObj, str, type Obj } from '../payload.js';
import { associateDefault, readAssociations, readByIds, resolveRefs } from './associations.js';
import { batchUpsert, partialFailure } from './batch-upsert.js';
import type { HubSpotContext } from './context.js';
import { toInput } from './input.js';
import { upsertRecord } from './upsert-record.js';
import { verb, writeRecord } from './write-record.js';

/** Payload keys that make an order_status event a full deal write (deal, associations, line items). */
const DEAL_KEYS = ['hubspot_id', 'create_properties', 'associations', 'line_items'];

/**
 * kind 'order_status'. Two shapes:
 *
 * Deal write (the payload has hubspot_id / create_properties / associations / line_items; the
 * shipped mapping): the order's deal is written (writeRecord: PATCH the linked deal, else PATCH by
 * the unique Odoo-order-id property, else batch upsert with create_properties - so a deal is
 * created once and its name/pipeline are set only then); `associations` (company, contact) become
 * default associations; `line_items` are upserted by their unique Odoo-line-id property and
 * associated with the deal (a deal that already has line items of its own - the rep's, from
 * HubSpot - keeps them: the bridge does not add a second set); line items of the bridge no longer
 * in the order are archived. Every step is idempotent.
 *
 * Status only (anything else): PATCH the deal's properties by its HubSpot id (sync.link), else
 * `PATCH /crm/v3/objects/deals/{odoo id}?idProperty=<deal_id_property>`; a deal HubSpot does not
 * have is 'rejected' (deliver the order first) unless order_status_method is 'upsert'.
 */
export async function updateOrderStatus(ctx: HubSpotContext): Promise<DeliveryResult> {
  const p = ctx.req.payload;
  if (ctx.options.orderStatusMethod === 'upsert') {
    return upsertRecord(ctx, ctx.options.orderObject, p.idProperty || p.id_property ? p : { ...p, id_property: ctx.options.dealIdProperty });
  }
  if (DEAL_KEYS.some((k) => k in p)) return writeDeal(ctx);
  return patchStatus(ctx);
}

async function writeDeal(ctx: HubSpotContext): Promise<DeliveryResult> {
  const p = ctx.req.payload;
  const type = ctx.options.orderObject;
  const payload: Obj = p.idProperty || p.id_property ? { ...p } : { ...p, id_property: ctx.options.dealIdProperty };
  if (!str(p.hubspot_id) && ctx.req.externalRef) payload.hubspot_id = ctx.req.externalRef;
  const w = await writeRecord(ctx, type, payload);
  const notes: string[] = [];
  const refs = readAssociations(p.associations);
  if (refs.length > 0) {
    const { byType, skipped } = await resolveRefs(ctx.call, ctx.req.target, `deal ${w.id}`, refs);
    for (const [to, ids] of byType) {
      await associateDefault(ctx.call, ctx.req.target, type, w.id, to, ids);
      notes.push(`associated with ${to} ${ids.join(', ')}`);
    }
    for (const s of skipped) notes.push(`${s} not in HubSpot (not associated)`);
  }
  if (Array.isArray(p.line_items)) notes.push(await syncLineItems(ctx, type, w.id, p.line_items.filter(isObj)));
  const shown = ['dealstage', 'pipeline'].map((k) => (w.input.properties[k] !== undefined ? `${k}=${String(w.input.properties[k])}` : '')).filter(Boolean);
  return {
    externalRef: w.id,
    links: [{ model: ctx.req.model, res_id: ctx.req.resId, external_id: w.id }],
    summary: `HubSpot deal ${w.id} ${verb(w)} (${[`${w.input.idProperty}=${w.input.id}`, ...shown].join(', ')})${notes.length ? `; ${notes.join('; ')}` : ''}`,
  };
}

/** The ids of the line items associated with a deal (`GET /crm/v3/objects/deals/{id}?associations=line_items`). */
async function dealLineItemIds(ctx: HubSpotContext, type: string, dealId: string): Promise<string[]> {
  const res = await ctx.call({ method: 'GET', path: `/crm/v3/objects/${encodeURIComponent(type)}/${encodeURIComponent(dealId)}`, query: { associations: 'line_items', properties: 'hs_object_id' } });
  const a = isObj(res.body) && isObj(res.body.associations) ? res.body.associations : {};
  const list = isObj(a['line items']) ? a['line items'] : isObj(a.line_items) ? a.line_items : {};
  return [...new Set((Array.isArray(list.results) ? list.results : []).filter(isObj).map((r) => str(r.id)).filter((x): x is string => x !== undefined))];
}

async function syncLineItems(ctx: HubSpotContext, type: string, dealId: string, items: Obj[]): Promise<string> {
  const inputs = items.map((li) => toInput(li, ctx.options.lineItemIdProperty, undefined));
  const idProperty = inputs[0]?.idProperty ?? ctx.options.lineItemIdProperty;
  const current = await dealLineItemIds(ctx, type, dealId);
  const props = current.length ? await readByIds(ctx.call, 'line_items', current, [idProperty]) : new Map<string, Obj>();
  const foreign = current.filter((id) => !str(props.get(id)?.[idProperty]));
  if (foreign.length > 0) return `deal has ${foreign.length} line item(s) of its own (from HubSpot): kept, none added`;
  let ids: string[] = [];
  if (inputs.length > 0) {
    const out = await batchUpsert(ctx.call, 'line_items', inputs);
    if (out.errors.length > 0) throw partialFailure(ctx.req.target, 'line_items', out.errors, out.ids.size);
    ids = inputs.map((i) => out.ids.get(i.id)).filter((x): x is string => x !== undefined);
    const missing = ids.filter((id) => !current.includes(id));
    if (missing.length > 0) await associateDefault(ctx.call, ctx.req.target, type, dealId, 'line_items', missing);
  }
  const wanted = new Set(inputs.map((i) => i.id));
  const stale = current.filter((id) => !wanted.has(str(props.get(id)?.[idProperty]) ?? ''));
  for (const id of stale) await ctx.call({ method: 'DELETE', path: `/crm/v3/objects/line_items/${encodeURIComponent(id)}`, accept: [404] });
  return `${ids.length} line item(s) upserted (${ids.filter((id) => !current.includes(id)).length} newly associated)${stale.length ? `, ${stale.length} archived` : ''}`;
}

async function patchStatus(ctx: HubSpotContext): Promise<DeliveryResult> {
  const prop = ctx.options.dealIdProperty;
  const input = toInput(ctx.req.payload, prop, ctx.req.resId);
  const base = `/crm/v3/objects/${encodeURIComponent(ctx.options.orderObject)}`;
  const body = { properties: input.properties };
  if (ctx.req.externalRef) {
    const res = await ctx.call({ method: 'PATCH', path: `${base}/${encodeURIComponent(ctx.req.externalRef)}`, body, accept: [404] });
    if (res.status !== 404) return done(ctx, ctx.req.externalRef, input.id);
  }
  const res = await ctx.call({ method: 'PATCH', path: `${base}/${encodeURIComponent(input.id)}`, query: { idProperty: input.idProperty }, body, accept: [404] });
  if (res.status === 404) {
    throw new PermanentError(`${ctx.req.target}: HubSpot has no deal with ${input.idProperty}=${input.id}; deliver the order first`, { category: 'rejected', details: { status: 404 } });
  }
  const id = isObj(res.body) ? str(res.body.id) : undefined;
  return done(ctx, id ?? ctx.req.externalRef, input.id);
}

function done(ctx: HubSpotContext, id: string | undefined, key: string): DeliveryResult {
  const props = Object.keys(toInput(ctx.req.payload, ctx.options.dealIdProperty, ctx.req.resId).properties).join(', ');
  return {
    externalRef: id,
    links: id ? [{ model: ctx.req.model, res_id: ctx.req.resId, external_id: id }] : undefined,
    summary: `HubSpot deal ${id ?? key} updated (${props})`,
  };
}
