import { TransientError } from '../../errors/index.js';
import type { DeliveryResult } from '../connector.js';
import type { Obj } from '../payload.js';
import { batchUpsert, partialFailure } from './batch-upsert.js';
import type { HubSpotContext } from './context.js';
import { toInput } from './input.js';

/** Upserts the event's record into `objectType` by the unique id property (idempotent). */
export async function upsertRecord(ctx: HubSpotContext, objectType: string, payload: Obj = ctx.req.payload): Promise<DeliveryResult & { externalRef: string }> {
  const input = toInput(payload, ctx.options.idProperty, ctx.req.resId);
  const out = await batchUpsert(ctx.call, objectType, [input]);
  if (out.errors.length > 0) throw partialFailure(ctx.req.target, objectType, out.errors, out.ids.size);
  const id = out.ids.get(input.id);
  if (!id) throw new TransientError(`${ctx.req.target}: HubSpot upsert of ${objectType} ${input.idProperty}=${input.id} returned no id`, { details: { inDoubt: true } });
  const verb = out.created.has(input.id) ? 'created' : 'updated';
  return {
    externalRef: id,
    links: [{ model: ctx.req.model, res_id: ctx.req.resId, external_id: id }],
    summary: `HubSpot ${objectType} ${id} ${verb} (${input.idProperty}=${input.id})`,
  };
}
