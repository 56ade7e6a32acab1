import { isObj, str } from '../payload.js';
import type { DeliveryResult } from '../connector.js';
import { batchUpsert, partialFailure } from './batch-upsert.js';
import type { HubSpotContext } from './context.js';
import { toInput } from './input.js';
import { upsertRecord } from './upsert-record.js';

/**
 * kind 'customer': a company by default, a contact when the payload says `object_type:
 * contacts` (a person). `contacts: [{properties, id?, res_id?}]` upserts the company's people
 * too (one batch); those with `res_id` get a sync.link. A 207 on either batch fails the
 * event; upserts are idempotent so the retry rewrites what already went through.
 */
export async function upsertCustomer(ctx: HubSpotContext): Promise<DeliveryResult> {
  const p = ctx.req.payload;
  const type = p.object_type === 'contacts' ? 'contacts' : 'companies';
  const main = await upsertRecord(ctx, type);
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
