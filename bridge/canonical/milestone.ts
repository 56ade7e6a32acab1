import * as z from 'zod';
import { Envelope, NonEmpty, UtcDatetime } from './common.js';

/**
 * Fulfilment milestones in the order they normally happen; exception / on_hold may come at any
 * time, and resumed (the hold or exception was released, the shipment is processed again) after
 * one of them.
 */
export const MILESTONES = ['accepted', 'allocated', 'picked', 'packed', 'shipped', 'delivered', 'exception', 'on_hold', 'resumed'] as const;

export const ProofOfDelivery = z.strictObject({
  delivered_at: UtcDatetime,
  /** The carrier's own event text (e.g. "Delivered, Front Door/Porch"). */
  carrier_event: NonEmpty.optional(),
  signed_by: NonEmpty.optional(),
  location: NonEmpty.optional(),
});

/**
 * A fulfilment milestone of a released order (WMS status change). Natural reference:
 * (source, order_ref, milestone, shipment_id, occurred_at).
 */
export const CanonicalMilestone = z.strictObject({
  ...Envelope,
  /** The reference the bridge sent when releasing the order (sale order / picking name). */
  order_ref: NonEmpty,
  milestone: z.enum(MILESTONES),
  occurred_at: UtcDatetime,
  shipment_id: NonEmpty.optional(),
  carrier: NonEmpty.optional(),
  tracking_number: NonEmpty.optional(),
  /** Why (exception / on_hold; resumed: optional): the WMS's reason code or text. */
  reason: NonEmpty.optional(),
  /** delivered only. */
  proof_of_delivery: ProofOfDelivery.optional(),
});
export type CanonicalMilestone = z.infer<typeof CanonicalMilestone>;
