import { PermanentError } from '../errors/index.js';
import type { TargetHttpClient } from '../connectors/http/http-client.js';
import type { InboxRow } from '../state/inbox-store.js';
import { WMS_MILESTONES } from './o2c-topics.js';

type Obj = Record<string, unknown>;

/**
 * Order-to-cash completion (issue 8): stored topic -> mapping event, per preset. Merged into
 * prepare.ts's EVENTS.
 *
 *   shipbob      order.shipment.delivered|exception|on_hold -> shipment.delivered|exception|on_hold (shipbob/milestone.yaml)
 *                order.shipment.accepted|picked|packed|shipped|resumed (poll) -> shipment.<same> (shipbob/milestone.yaml)
 *                receiving.completed (poll)                 -> receiving.completed (shipbob/receipt_completed.yaml)
 *   generic_wms  receipt.completed                          -> receipt.completed (generic_wms/receipt_completed.yaml)
 *                order.<milestone>                          -> order.<milestone> (generic_wms/milestone.yaml)
 *   salesforce   account.changed|created (poll)             -> account.changed|created (salesforce/partner_change|partner_new.yaml)
 *   hubspot      company|contact.propertyChange             -> company|contact.changed (hubspot/partner_change.yaml)
 *                company|contact.creation                   -> company|contact.created (hubspot/partner_new.yaml)
 */
export const O2C_EVENTS: Record<string, Record<string, string>> = {
  shipbob: {
    'order.shipment.delivered': 'shipment.delivered', 'order.shipment.exception': 'shipment.exception', 'order.shipment.on_hold': 'shipment.on_hold',
    'order.shipment.accepted': 'shipment.accepted', 'order.shipment.picked': 'shipment.picked', 'order.shipment.packed': 'shipment.packed', 'order.shipment.shipped': 'shipment.shipped',
    'order.shipment.resumed': 'shipment.resumed',
    'receiving.completed': 'receiving.completed',
  },
  generic_wms: {
    'receipt.completed': 'receipt.completed',
    ...Object.fromEntries(WMS_MILESTONES.map((m) => [`order.${m}`, `order.${m}`])),
  },
  salesforce: { 'account.changed': 'account.changed', 'account.created': 'account.created' },
  hubspot: {
    'company.propertyChange': 'company.changed', 'contact.propertyChange': 'contact.changed',
    'company.creation': 'company.created', 'contact.creation': 'contact.created',
  },
};

export interface O2CPrepareContext {
  /** The validated vendor data of a stored envelope (prepare.ts envelopeData). */
  data: () => Obj;
  /** The target's API client (throws when it has none). */
  client: () => TargetHttpClient;
  correlationId: string;
  options: Obj;
}

const reject = (message: string) => new PermanentError(message, { category: 'validation' });

/**
 * Brings an issue-8 message to the shape its mapping's header documents; undefined for topics
 * that are not issue 8's. Enrichment (reads from the vendor) happens here, never in mappings.
 */
export async function prepareO2C(row: InboxRow, body: Obj, ctx: O2CPrepareContext): Promise<Obj | undefined> {
  switch (row.preset) {
    case 'shipbob':
      if (row.topic === 'receiving.completed') return shipbobReceiving(ctx);
      if (row.topic.startsWith('order.shipment.')) return { ...ctx.data(), webhook_timestamp: body.timestamp ?? new Date(row.received_at).toISOString() };
      return undefined;
    case 'generic_wms':
      if (row.topic === 'receipt.completed' || row.topic.startsWith('order.')) { ctx.data(); return body; }
      return undefined;
    case 'hubspot':
      if (/^(company|contact)\.(propertyChange|creation)$/.test(row.topic)) return hubspotPartner(row, body, ctx);
      return undefined;
    default:
      return undefined;
  }
}

/**
 * A completed ShipBob WRO lists received quantities per inventory item; the lots are on its
 * boxes. Each `inventory_quantities` entry gets `lots: [{lot_number, lot_date, quantity}]`
 * (received quantities summed over the boxes), from the stored `boxes` or else
 * `GET /receiving/{id}/boxes`.
 */
async function shipbobReceiving(ctx: O2CPrepareContext): Promise<Obj> {
  const wro = ctx.data();
  let boxes = wro.boxes as Obj[] | undefined;
  if (!Array.isArray(boxes)) {
    const res = await ctx.client().request<Obj[]>({ method: 'GET', path: `receiving/${encodeURIComponent(String(wro.id))}/boxes`, correlationId: ctx.correlationId });
    boxes = Array.isArray(res.body) ? res.body : [];
  }
  const lots = new Map<string, Map<string, { lot_number: string; lot_date: unknown; quantity: number }>>();
  for (const b of boxes) {
    for (const it of (Array.isArray(b.box_items) ? b.box_items : []) as Obj[]) {
      const q = Number(it.received_quantity ?? 0);
      if (!it.lot_number || !(q > 0)) continue;
      const key = String(it.inventory_id ?? it.sku);
      const per = lots.get(key) ?? new Map();
      const cur = per.get(String(it.lot_number)) ?? { lot_number: String(it.lot_number), lot_date: it.lot_date ?? null, quantity: 0 };
      cur.quantity += q;
      per.set(String(it.lot_number), cur);
      lots.set(key, per);
    }
  }
  const completed = ((wro.status_history ?? []) as Obj[]).filter((h) => h.status === 'Completed').map((h) => h.timestamp).pop();
  return {
    ...wro,
    completed_date: wro.completed_date ?? completed ?? wro.last_updated_date,
    inventory_quantities: (wro.inventory_quantities as Obj[]).map((q) => ({ ...q, lots: [...(lots.get(String(q.inventory_id ?? q.sku))?.values() ?? [])] })),
  };
}

const COMPANY_PROPS = ['name', 'domain', 'website', 'phone', 'address', 'address2', 'city', 'zip', 'state', 'country', 'vat_number', 'hubspot_owner_id', 'hs_lastmodifieddate', 'createdate'];
const CONTACT_PROPS = ['firstname', 'lastname', 'email', 'phone', 'mobilephone', 'address', 'city', 'zip', 'state', 'country', 'company', 'hubspot_owner_id', 'hs_lastmodifieddate', 'createdate'];

/**
 * HubSpot sends only the changed property (or, on creation, only the id): read the object
 * (`GET /crm/v3/objects/{companies|contacts}/{id}`, with a contact's company association) so the
 * mapping can propose a whole address when one part of it changed, and create a partner with
 * all its data. Message: {event, object_type, object: {id, properties}, company_id?, owner?}.
 * A 404 (deleted since) rejects the message. An owner change (`hubspot_owner_id`) also reads the
 * owner the record has now (`GET /crm/v3/owners/{id}`): `owner: {id, email}`, or null when it
 * has none; an owner id HubSpot does not know (404) rejects the message.
 */
async function hubspotPartner(row: InboxRow, ev: Obj, ctx: O2CPrepareContext): Promise<Obj> {
  const type = row.topic.startsWith('company') ? 'company' : 'contact';
  const extra = (k: string) => (Array.isArray(ctx.options[k]) ? (ctx.options[k] as unknown[]).map(String) : []);
  const props = type === 'company' ? [...COMPANY_PROPS, ...extra('company_properties')] : [...CONTACT_PROPS, ...extra('contact_properties')];
  const res = await ctx.client().request<Obj>({
    method: 'GET', path: `/crm/v3/objects/${type === 'company' ? 'companies' : 'contacts'}/${encodeURIComponent(String(ev.objectId))}`,
    query: { properties: props.join(','), ...(type === 'contact' ? { associations: 'companies' } : {}) }, accept: [404], correlationId: ctx.correlationId,
  });
  if (res.status === 404 || !res.body) throw reject(`HubSpot ${type} ${String(ev.objectId)} no longer exists`);
  const obj = res.body;
  const assoc = (obj.associations ?? {}) as Record<string, { results?: Array<{ id: string }> }>;
  const companyId = assoc.companies?.results?.[0]?.id;
  const message: Obj = { event: ev, object_type: type, object: { id: obj.id, properties: obj.properties ?? {} }, ...(companyId ? { company_id: String(companyId) } : {}) };
  if (ev.propertyName === 'hubspot_owner_id') message.owner = await hubspotOwner(((obj.properties ?? {}) as Obj).hubspot_owner_id, ctx);
  return message;
}

/** The owner a record has now (its current hubspot_owner_id, not the event's value, which may be stale): {id, email} or null. */
async function hubspotOwner(ownerId: unknown, ctx: O2CPrepareContext): Promise<Obj | null> {
  const id = typeof ownerId === 'string' || typeof ownerId === 'number' ? String(ownerId).trim() : '';
  if (!id) return null;
  const res = await ctx.client().request<Obj>({ method: 'GET', path: `/crm/v3/owners/${encodeURIComponent(id)}`, accept: [404], correlationId: ctx.correlationId });
  if (res.status === 404 || !res.body) throw reject(`HubSpot owner ${id} does not exist (or is archived): cannot tell Odoo who the account manager is`);
  return { id: String(res.body.id ?? id), email: res.body.email ?? null };
}
