import { isObj, str } from '../payload.js';
import type { DeliveryResult } from '../connector.js';
import { associateDefault, readAssociations, resolveRefs } from './associations.js';
import { batchUpsert, partialFailure } from './batch-upsert.js';
import type { HubSpotContext } from './context.js';
import { toInput } from './input.js';
import { resolveOwner } from './owners.js';
import { verb, writeRecord } from './write-record.js';

/**
 * kind 'customer': a company by default, a contact when the payload says `object_type:
 * contacts` (a person). Steps, each idempotent so a retry redoes them harmlessly:
 *  1. `owner: {email, optional?}` -> `hubspot_owner_id` (owners API by email, cached);
 *  2. the record is written (writeRecord: PATCH by linked id, else batch upsert by the unique
 *     Odoo-id property; a CONFLICT naming an existing record adopts it);
 *  3. `associations: [{to, hubspot_id? | id + idProperty, optional?}]` (e.g. a contact's company)
 *     become default associations (v4 batch associate); a company HubSpot does not have yet is a
 *     TransientError (retried) unless optional;
 *  4. `contacts: [{properties, id?, res_id?}]` upserts the company's people too (one batch);
 *     those with `res_id` get a sync.link.
 */
export async function upsertCustomer(ctx: HubSpotContext): Promise<DeliveryResult> {
  const p = ctx.req.payload;
  const type = p.object_type === 'contacts' ? 'contacts' : 'companies';
  const what = `${ctx.req.model} ${ctx.req.resId}`;
  const owner = await resolveOwner(ctx.call, ctx.owners, p.owner, what);
  const refs = readAssociations(p.associations);
  const w = await writeRecord(ctx, type, p, owner.hubspot_owner_id ? { hubspot_owner_id: owner.hubspot_owner_id } : {});
  const notes: string[] = [];
  if (owner.hubspot_owner_id) notes.push(`owner ${owner.hubspot_owner_id}`);
  if (owner.note) notes.push(owner.note);
  if (refs.length > 0) {
    const { byType, skipped } = await resolveRefs(ctx.call, ctx.req.target, `${type} ${w.id}`, refs);
    for (const [to, ids] of byType) {
      await associateDefault(ctx.call, ctx.req.target, type, w.id, to, ids);
      notes.push(`associated with ${to} ${ids.join(', ')}`);
    }
    for (const s of skipped) notes.push(`${s} not in HubSpot (not associated)`);
  }
  const main: DeliveryResult = {
    externalRef: w.id,
    links: [{ model: ctx.req.model, res_id: ctx.req.resId, external_id: w.id }],
    summary: `HubSpot ${type} ${w.id} ${verb(w)} (${w.input.idProperty}=${w.input.id})${notes.length ? `; ${notes.join('; ')}` : ''}`,
  };
  const people = Array.isArray(p.contacts) ? p.contacts.filter(isObj) : [];
  if (people.length === 0) return main;
  const inputs = people.map((c) => toInput(c, ctx.options.idProperty, typeof c.res_id === 'number' ? c.res_id : undefined));
  const out = await batchUpsert(ctx.call, 'contacts', inputs);
  if (out.errors.length > 0) throw partialFailure(ctx.req.target, 'contacts', out.errors, out.ids.size);
  const links = [...(main.links ?? [])];
  people.forEach((c, i) => {
    const id = out.ids.get(inputs[i]!.id);
    const resId = typeof c.res_id === 'number' ? c.res_id : undefined;
    if (id && resId !== undefined) links.push({ model: str(c.model) ?? 'res.partner', res_id: resId, external_id: id });
  });
  return { ...main, links, summary: `${main.summary}; ${out.ids.size} contact(s) upserted` };
}
