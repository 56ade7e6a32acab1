import * as z from 'zod';
import { Envelope, NonEmpty, Quantity, Sku, UtcDatetime } from './common.js';

export const RETURN_DISPOSITIONS = ['restock', 'quarantine', 'scrap'] as const;

export const ReturnLine = z.strictObject({
  sku: Sku,
  quantity: Quantity.positive(),
  disposition: z.enum(RETURN_DISPOSITIONS),
  lot: NonEmpty.optional(),
});

/** A warehouse received a customer return. Natural reference: (source, return_id). */
export const CanonicalReturn = z.strictObject({
  ...Envelope,
  return_id: NonEmpty,
  order_ref: NonEmpty,
  received_at: UtcDatetime,
  lines: z.array(ReturnLine).min(1),
});
export type CanonicalReturn = z.infer<typeof CanonicalReturn>;
