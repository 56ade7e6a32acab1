import * as z from 'zod';
import { DateOnly, Envelope, NonEmpty, Quantity, Sku, UtcDatetime } from './common.js';

export const ReceiptLot = z.strictObject({
  lot: NonEmpty,
  quantity: Quantity.positive(),
  expiration_date: DateOnly.optional(),
});

export const ReceiptLine = z.strictObject({
  sku: Sku,
  /** What the warehouse counted in (may be less than announced: Odoo keeps a backorder). */
  quantity: Quantity.nonnegative(),
  lots: z.array(ReceiptLot),
  serials: z.array(NonEmpty),
});

/**
 * A warehouse finished receiving an inbound shipment the bridge announced (ASN / ShipBob WRO).
 * Natural reference: (source, receipt_id).
 */
export const CanonicalReceipt = z.strictObject({
  ...Envelope,
  /** The reference the bridge sent with the ASN (the Odoo receipt's name, e.g. WH/IN/00012). */
  receipt_ref: NonEmpty,
  /** The WMS's id of the receiving order (ShipBob WRO id, generic WMS receipt id). */
  receipt_id: NonEmpty,
  received_at: UtcDatetime,
  lines: z.array(ReceiptLine).min(1),
});
export type CanonicalReceipt = z.infer<typeof CanonicalReceipt>;
