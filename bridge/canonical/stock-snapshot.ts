import * as z from 'zod';
import { Envelope, NonEmpty, Quantity, Sku, UtcDatetime } from './common.js';

export const StockLine = z.strictObject({
  sku: Sku,
  on_hand: Quantity,
  available: Quantity,
  lot: NonEmpty.optional(),
});

/** Stock levels at one warehouse location at one moment. Natural reference: (source, location, as_of). */
export const CanonicalStockSnapshot = z.strictObject({
  ...Envelope,
  /** The warehouse's location / facility id (mapped to an Odoo stock.location by configuration). */
  location: NonEmpty,
  as_of: UtcDatetime,
  lines: z.array(StockLine),
});
export type CanonicalStockSnapshot = z.infer<typeof CanonicalStockSnapshot>;
