import { PermanentError } from '../../errors/index.js';
import type { DeliveryResult } from '../connector.js';
import { isObj, str } from '../payload.js';
import type { HubSpotContext } from './context.js';
import { toInput } from './input.js';
import { upsertRecord } from './upsert-record.js';

/**
 * kind 'order_status': updates the deal's properties (e.g. dealstage). With a known HubSpot id
 * (sync.link): `PATCH /crm/v3/objects/deals/{id}`; otherwise
 * `PATCH /crm/v3/objects/deals/{odoo id}?idProperty=<deal_id_property>`. A deal HubSpot does not
 * have is a 'rejected' error (deliver the order first) unless order_status_method is 'upsert'.
 * PATCH of the same properties is idempotent.
 */
export async function updateOrderStatus(ctx: HubSpotContext): Promise<DeliveryResult> {
  const prop = ctx.options.dealIdProperty;
  if (ctx.options.orderStatusMethod === 'upsert') {
    return upsertRecord(ctx, ctx.options.orderObject, { id_property: prop, ...ctx.req.payload });
  }
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
