import type { DeliveryResult } from '../connector.js';
import type { Obj } from '../payload.js';
import type { HubSpotContext } from './context.js';
import { verb, writeRecord } from './write-record.js';

/** Writes the event's record into `objectType` by the unique id property (idempotent; see writeRecord). */
export async function upsertRecord(ctx: HubSpotContext, objectType: string, payload: Obj = ctx.req.payload): Promise<DeliveryResult & { externalRef: string }> {
  const w = await writeRecord(ctx, objectType, payload);
  return {
    externalRef: w.id,
    links: [{ model: ctx.req.model, res_id: ctx.req.resId, external_id: w.id }],
    summary: `HubSpot ${objectType} ${w.id} ${verb(w)} (${w.input.idProperty}=${w.input.id})`,
  };
}
