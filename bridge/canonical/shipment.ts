import * as z from 'zod';
import { DateOnly, Envelope, NonEmpty, Quantity, Sku, UtcDatetime } from './common.js';

export const ShipmentLot = z.strictObject({
  lot: NonEmpty,
  quantity: Quantity.positive(),
  expiration_date: DateOnly.optional(),
});

export const ShipmentLine = z.strictObject({
  sku: Sku,
  quantity: Quantity.positive(),
  lots: z.array(ShipmentLot),
  serials: z.array(NonEmpty),
  /** The SKU ordered when the warehouse shipped a substitute. */
  substituted_for_sku: Sku.optional(),
});

export const ShipmentPackage = z.strictObject({
  package_id: NonEmpty.optional(),
  tracking_number: NonEmpty.optional(),
  weight_kg: z.number().nonnegative().optional(),
  length_cm: z.number().nonnegative().optional(),
  width_cm: z.number().nonnegative().optional(),
  height_cm: z.number().nonnegative().optional(),
});

/** A warehouse shipped (part of) an order. Natural reference: (source, shipment_id). */
export const CanonicalShipment = z.strictObject({
  ...Envelope,
  /** The reference the bridge sent when releasing the order (sale order / picking name). */
  order_ref: NonEmpty,
  shipment_id: NonEmpty,
  shipped_at: UtcDatetime,
  carrier: NonEmpty,
  carrier_service: NonEmpty.optional(),
  tracking_number: NonEmpty,
  tracking_url: z.string().url().optional(),
  lines: z.array(ShipmentLine).min(1),
  packages: z.array(ShipmentPackage).optional(),
});
export type CanonicalShipment = z.infer<typeof CanonicalShipment>;
