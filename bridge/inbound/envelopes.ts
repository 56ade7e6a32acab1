import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import * as z from 'zod';
import { SHIPBOB_O2C_TOPICS, WMS_O2C_TOPICS, hubspotPartnerTopic } from './o2c-topics.js';

/**
 * What a verified webhook body says, per preset: the messages it carries (each with its
 * message id, the unit of deduplication) or why it is invalid (with the field path), or that it
 * carries nothing the bridge applies (other topics: acknowledged and dropped).
 *
 * Message ids:
 *   shipbob      order.shipped    -> "shipbob:shipment:<data.id>" (the same id as the poller's, so a
 *                                    shipment seen by webhook and by poll is applied once); the
 *                                    webhook-id is kept as delivery id and deduplicated as well
 *                return.completed -> "shipbob:return:<data.id>:completed" (+ webhook-id)
 *   hubspot      each relevant event of the delivery -> its eventId (decimal string)
 *   generic_wms  the event id (body.id, equal to X-WMS-Event-Id)
 */
export interface ParsedMessage {
  messageId: string;
  deliveryId?: string;
  topic: string;
  /** The text stored in the inbox (one message: for HubSpot one event of the delivery). */
  body: string;
}

export type ParseOutcome =
  | { kind: 'messages'; messages: ParsedMessage[]; ignored: number }
  | { kind: 'invalid'; field: string; message: string; messageId: string; topic: string }
  | { kind: 'ignored'; reason: string };

export interface ParseOptions {
  /** HubSpot deal stages that mean "approved" (options.approved_stages). */
  approvedStages?: string[];
  /** The target's options (HubSpot partner flows: partner_properties, ignore_change_sources). */
  options?: Record<string, unknown>;
}

/** Dotted/bracketed path of a zod issue: data.products[0].sku */
export function issuePath(prefix: string, path: readonly PropertyKey[]): string {
  const s = path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
  const full = `${prefix}${s}`.replace(/^\./, '');
  return full === '' ? '(body)' : full;
}

function firstIssue(err: z.ZodError, prefix = ''): { field: string; message: string } {
  const i = err.issues[0]!;
  let path = i.path;
  let message = i.message;
  // A union (e.g. id as number or string) reports its own issues: show the most specific one.
  if (i.code === 'invalid_union' && Array.isArray((i as { errors?: z.core.$ZodIssue[][] }).errors)) {
    const inner = (i as { errors: z.core.$ZodIssue[][] }).errors.flat()[0];
    if (inner) { path = [...i.path, ...inner.path]; message = inner.message; }
  }
  return { field: issuePath(prefix, path), message: message.replace(/^Invalid input: /, '') };
}

const hash = (raw: Buffer | string) => createHash('sha256').update(raw).digest('hex').slice(0, 32);
const Id = z.union([z.number().int().nonnegative(), z.string().min(1).max(128)]);
const Text = z.string().min(1).max(1000);

// ---------------------------------------------------------------- ShipBob

const ShipBobEnvelope = z.looseObject({ type: Text, timestamp: z.string().optional(), data: z.looseObject({}) });
const ShipBobShipment = z.looseObject({
  id: Id,
  reference_id: Text,
  tracking: z.looseObject({ carrier: Text, tracking_number: Text }),
  products: z.array(z.looseObject({ inventory_items: z.array(z.looseObject({ quantity: z.number().positive() })).min(1) })).min(1),
});
const ShipBobReturn = z.looseObject({
  id: Id,
  original_shipment_id: Id.nullable().optional(),
  inventory: z.array(z.looseObject({ sku: Text, quantity: z.number().positive(), action_taken: z.array(z.looseObject({ action: Text })).optional() })).min(1),
});

export const SHIPBOB_TOPICS: Record<string, { schema: z.ZodType; id: (data: Record<string, unknown>) => string }> = {
  'order.shipped': { schema: ShipBobShipment, id: (d) => `shipbob:shipment:${String(d.id)}` },
  'return.completed': { schema: ShipBobReturn, id: (d) => `shipbob:return:${String(d.id)}:completed` },
  ...SHIPBOB_O2C_TOPICS, // issue 8: shipment milestones, completed receiving orders (o2c-topics.ts)
};

function parseShipBob(json: unknown, raw: Buffer, headers: IncomingHttpHeaders): ParseOutcome {
  const webhookId = String(headers['webhook-id'] ?? '');
  const env = ShipBobEnvelope.safeParse(json);
  if (!env.success) return { kind: 'invalid', ...firstIssue(env.error), messageId: webhookId || `invalid:${hash(raw)}`, topic: 'unknown' };
  const topic = env.data.type;
  const spec = SHIPBOB_TOPICS[topic];
  if (!spec) return { kind: 'ignored', reason: `ShipBob topic '${topic}' is not applied to Odoo` };
  const data = spec.schema.safeParse(env.data.data);
  if (!data.success) return { kind: 'invalid', ...firstIssue(data.error, 'data'), messageId: webhookId || `invalid:${hash(raw)}`, topic };
  return { kind: 'messages', ignored: 0, messages: [{ messageId: spec.id(env.data.data), deliveryId: webhookId || undefined, topic, body: raw.toString('utf8') }] };
}

// ---------------------------------------------------------------- HubSpot

const HubSpotEvent = z.looseObject({
  eventId: z.union([z.number().int().nonnegative(), z.string().regex(/^\d{1,20}$/)]),
  subscriptionType: Text,
  // Required of the events applied (below), not of the others a delivery may carry: HubSpot
  // batches every subscription of the app, and e.g. deal.associationChange has fromObjectId /
  // toObjectId instead. One such event must not refuse the approved deal beside it.
  objectId: z.union([z.number().int().nonnegative(), z.string().regex(/^\d{1,20}$/)]).optional(),
  propertyName: z.string().optional(),
  propertyValue: z.string().optional(),
  occurredAt: z.number().optional(),
});
const HubSpotDelivery = z.array(HubSpotEvent).min(1).max(1000);

function parseHubSpot(json: unknown, raw: Buffer, opts: ParseOptions): ParseOutcome {
  const r = HubSpotDelivery.safeParse(json);
  if (!r.success) return { kind: 'invalid', ...firstIssue(r.error), messageId: `invalid:${hash(raw)}`, topic: 'unknown' };
  const stages = opts.approvedStages ?? ['closedwon'];
  const messages: ParsedMessage[] = [];
  const seen = new Set<string>();
  for (const [i, ev] of r.data.entries()) {
    const relevant = ev.subscriptionType === 'deal.propertyChange' && ev.propertyName === 'dealstage' && stages.includes(String(ev.propertyValue));
    const partnerTopic = relevant ? undefined : hubspotPartnerTopic(ev as { subscriptionType: string; propertyName?: string; changeSource?: string }, opts.options);
    const id = String(ev.eventId);
    if ((!relevant && !partnerTopic) || seen.has(id)) continue;
    if (ev.objectId === undefined) {
      return { kind: 'invalid', field: `[${i}].objectId`, message: `required for ${ev.subscriptionType} (the record it is about)`, messageId: `invalid:${hash(raw)}`, topic: partnerTopic ?? 'deal.propertyChange' };
    }
    seen.add(id);
    messages.push({ messageId: id, topic: partnerTopic ?? 'deal.propertyChange', body: JSON.stringify(ev) });
  }
  if (messages.length === 0) return { kind: 'ignored', reason: `no deal moved to an approved stage (${stages.join(', ')}) and no watched company/contact change in this delivery` };
  return { kind: 'messages', messages, ignored: r.data.length - messages.length };
}

// ---------------------------------------------------------------- generic WMS

const WmsEnvelope = z.looseObject({ id: z.string().min(1).max(200), type: Text, created_at: z.string().optional(), data: z.looseObject({}) });
const WmsLine = z.looseObject({ sku: Text, quantity: z.number().positive() });
export const WMS_TOPICS: Record<string, z.ZodType> = {
  'shipment.shipped': z.looseObject({
    order_reference: Text, shipment_id: Id, carrier: Text, tracking_number: Text, shipped_at: Text,
    lines: z.array(WmsLine.extend({ lots: z.array(z.looseObject({ lot: Text, quantity: z.number().positive() })).optional() })).min(1),
  }),
  'return.received': z.looseObject({ return_id: Id, order_reference: Text, received_at: Text, lines: z.array(WmsLine).min(1) }),
  ...WMS_O2C_TOPICS, // issue 8: receipt.completed, order.<milestone> (o2c-topics.ts)
};

function parseWms(json: unknown, raw: Buffer, headers: IncomingHttpHeaders): ParseOutcome {
  const headerId = String(headers['x-wms-event-id'] ?? '');
  const env = WmsEnvelope.safeParse(json);
  if (!env.success) return { kind: 'invalid', ...firstIssue(env.error), messageId: headerId || `invalid:${hash(raw)}`, topic: 'unknown' };
  const { id, type } = env.data;
  if (headerId && headerId !== id) return { kind: 'invalid', field: 'id', message: `does not match the X-WMS-Event-Id header (${headerId})`, messageId: `invalid:${hash(raw)}`, topic: type };
  const schema = WMS_TOPICS[type];
  if (!schema) return { kind: 'ignored', reason: `WMS event type '${type}' is not applied to Odoo` };
  const data = schema.safeParse(env.data.data);
  if (!data.success) return { kind: 'invalid', ...firstIssue(data.error, 'data'), messageId: id, topic: type };
  return { kind: 'messages', ignored: 0, messages: [{ messageId: id, topic: type, body: raw.toString('utf8') }] };
}

/** Parses a verified raw body for a preset. Never throws. */
export function parseWebhook(preset: string, raw: Buffer, headers: IncomingHttpHeaders, opts: ParseOptions = {}): ParseOutcome {
  let json: unknown;
  try {
    json = JSON.parse(raw.toString('utf8'));
  } catch (err) {
    return { kind: 'invalid', field: '(body)', message: `not valid JSON: ${err instanceof Error ? err.message : String(err)}`, messageId: `invalid:${hash(raw)}`, topic: 'unknown' };
  }
  switch (preset) {
    case 'shipbob': return parseShipBob(json, raw, headers);
    case 'hubspot': return parseHubSpot(json, raw, opts);
    case 'generic_wms': return parseWms(json, raw, headers);
    default: return { kind: 'ignored', reason: `preset ${preset} sends no webhooks` };
  }
}
