import { createHash } from 'node:crypto';
import * as z from 'zod';

/**
 * Order-to-cash completion (issue 8): the vendor topics that become receipts, fulfilment
 * milestones and partner proposals, with their payload checks and message ids. Kept apart from
 * envelopes.ts (which spreads these tables into its own) so it has no imports from there.
 */

type Obj = Record<string, unknown>;
const Id = z.union([z.number().int().nonnegative(), z.string().min(1).max(128)]);
const Text = z.string().min(1).max(1000);
const digest = (v: unknown) => createHash('sha256').update(JSON.stringify(v ?? null)).digest('hex').slice(0, 16);

// ---------------------------------------------------------------- ShipBob

/**
 * Milestones the ShipBob poller derives from shipment statuses (topics `order.shipment.<m>`):
 * accepted (the order has a shipment: once per order, `shipbob:order:<order_id>:accepted`), picked / packed (status Processing with status detail Picked /
 * Packed or Labeled), shipped (status Completed).
 */
export const SHIPBOB_POLLED_MILESTONES = ['accepted', 'picked', 'packed', 'shipped'] as const;

/** ShipBob shipment milestones (webhooks; the shipment object as data). */
const ShipBobShipmentStatus = z.looseObject({ id: Id, reference_id: Text });

/** ShipBob warehouse receiving order, as the poller stores it (GET /receiving + boxes). */
const ShipBobWro = z.looseObject({
  id: Id,
  purchase_order_number: Text,
  status: z.literal('Completed'),
  inventory_quantities: z.array(z.looseObject({ sku: Text, received_quantity: z.number().nonnegative() })).min(1),
});

/**
 * Message ids: delivered once per shipment (`shipbob:shipment:<id>:delivered`); an exception or
 * hold per shipment and reason (`...:exception:<hash of status_details>`), so ShipBob's retries and
 * a re-sent identical state are one message while a new reason is a new one.
 */
export const SHIPBOB_O2C_TOPICS: Record<string, { schema: z.ZodType; id: (data: Obj) => string }> = {
  'order.shipment.delivered': { schema: ShipBobShipmentStatus, id: (d) => `shipbob:shipment:${String(d.id)}:delivered` },
  'order.shipment.exception': { schema: ShipBobShipmentStatus, id: (d) => `shipbob:shipment:${String(d.id)}:exception:${digest(d.status_details)}` },
  'order.shipment.on_hold': { schema: ShipBobShipmentStatus, id: (d) => `shipbob:shipment:${String(d.id)}:on_hold:${digest(d.status_details)}` },
  // Polled only (ShipBob has no webhook for it): the shipment is Processing again after a hold or
  // exception. Once per hold: `resumes` is the message id of the hold it ends (poll-milestones.ts).
  'order.shipment.resumed': { schema: ShipBobShipmentStatus, id: (d) => `shipbob:shipment:${String(d.id)}:resumed:${digest(d.resumes)}` },
  'receiving.completed': { schema: ShipBobWro, id: (d) => `shipbob:receiving:${String(d.id)}:completed` },
  // Polled shipment statuses (poll-milestones.ts; ShipBob has no webhook for these): once per shipment and milestone.
  // Accepted is the order's (once, whichever of its shipments shows it first); the others per shipment.
  ...Object.fromEntries(SHIPBOB_POLLED_MILESTONES.map((m) => [`order.shipment.${m}`, {
    schema: ShipBobShipmentStatus,
    id: (d: Obj) => (m === 'accepted' && d.order_id != null ? `shipbob:order:${String(d.order_id)}:accepted` : `shipbob:shipment:${String(d.id)}:${m}`),
  }])),
};

// ---------------------------------------------------------------- generic WMS

const WmsLot = z.looseObject({ lot: Text, quantity: z.number().positive() });
export const WMS_MILESTONES = ['accepted', 'allocated', 'picked', 'packed', 'shipped', 'delivered', 'exception', 'on_hold', 'resumed'] as const;
const WmsMilestone = z.looseObject({ order_reference: Text, occurred_at: Text });

export const WMS_O2C_TOPICS: Record<string, z.ZodType> = {
  'receipt.completed': z.looseObject({
    receipt_reference: Text, receipt_id: Id, received_at: Text,
    lines: z.array(z.looseObject({ sku: Text, quantity: z.number().nonnegative(), lots: z.array(WmsLot).optional() })).min(1),
  }),
  ...Object.fromEntries(WMS_MILESTONES.map((m) => [`order.${m}`, WmsMilestone])),
};

// ---------------------------------------------------------------- HubSpot

/** HubSpot properties whose change becomes a partner proposal, per object type (options.partner_properties overrides). */
export const HUBSPOT_PARTNER_PROPERTIES: Record<'company' | 'contact', string[]> = {
  company: ['name', 'domain', 'website', 'phone', 'address', 'address2', 'city', 'zip', 'state', 'country', 'vat_number', 'hubspot_owner_id'],
  contact: ['firstname', 'lastname', 'email', 'phone', 'mobilephone', 'address', 'city', 'zip', 'state', 'country', 'hubspot_owner_id'],
};

/** Change sources that are the bridge's own writes echoed back (options.ignore_change_sources). */
export const DEFAULT_IGNORED_SOURCES = ['INTEGRATION'];

export interface HubSpotPartnerEvent { subscriptionType: string; propertyName?: string; changeSource?: string }

/**
 * Whether a HubSpot event is a partner flow: `company|contact.creation` always;
 * `company|contact.propertyChange` when the property is watched and the change does not come
 * from a source the bridge ignores (its own writes). Returns the stored topic or undefined.
 */
export function hubspotPartnerTopic(ev: HubSpotPartnerEvent, options: Obj = {}): string | undefined {
  const m = /^(company|contact)\.(propertyChange|creation)$/.exec(ev.subscriptionType);
  if (!m) return undefined;
  const type = m[1] as 'company' | 'contact';
  if (m[2] === 'creation') return ev.subscriptionType;
  const ignored = Array.isArray(options.ignore_change_sources) ? (options.ignore_change_sources as unknown[]).map(String) : DEFAULT_IGNORED_SOURCES;
  if (ev.changeSource && ignored.includes(ev.changeSource)) return undefined;
  const configured = (options.partner_properties as Record<string, unknown> | undefined)?.[type];
  const watched = Array.isArray(configured) ? configured.map(String) : HUBSPOT_PARTNER_PROPERTIES[type];
  return ev.propertyName && watched.includes(ev.propertyName) ? ev.subscriptionType : undefined;
}
