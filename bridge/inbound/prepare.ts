import fs from 'node:fs';
import path from 'node:path';
import type { TargetConfig } from '../config/schema.js';
import { PermanentError } from '../errors/index.js';
import { loadMapping, runMapping, formatRunIssue, type CompiledMapping } from '../mapping/index.js';
import type { ApplyItem } from '../odoo/contract.js';
import type { TargetHttpClient } from '../connectors/http/http-client.js';
import type { InboxRow } from '../state/inbox-store.js';
import { loadProblems } from '../runtime/mapping-registry.js';
import { SHIPBOB_TOPICS, WMS_TOPICS, issuePath } from './envelopes.js';
import { prepareO2C } from './o2c-prepare.js';
import { inboundEventOf } from './inbound-events.js';
import type { MappingStore } from '../state/mapping-store.js';

type Obj = Record<string, unknown>;

/**
 * A message ready for sync_apply (the canonical payload), the mapping that made it, and the
 * mapping's input (the message as shaped and enriched for the mapping).
 */
export interface PreparedMessage { item: ApplyItem; mappingVersion: string; input: unknown }

/** The mapping could not map the shaped message: a rejection that still knows the mapping's input. */
export class InboundMappingError extends PermanentError {
  constructor(message: string, mappingVersion: string, readonly input: unknown) {
    super(message, { category: 'mapping', details: { mapping_version: mappingVersion } });
  }
}

/** Turns a stored inbox message into a sync_apply item. Throws PermanentError (reject) or TransientError (hold). */
export interface MessagePreparer {
  prepare(row: InboxRow): Promise<PreparedMessage>;
}

/** Reads a target's vendor API for enrichment (the connector's HTTP client). */
export type ClientOf = (code: string) => TargetHttpClient | undefined;

const KINDS: Record<string, ApplyItem['kind']> = {
  'canonical.shipment': 'shipment', 'canonical.return': 'return', 'canonical.stock_snapshot': 'stock_snapshot', 'canonical.sale_order': 'sale_order',
  'canonical.receipt': 'receipt', 'canonical.milestone': 'milestone', 'canonical.partner_change': 'partner_change', 'canonical.partner_new': 'partner_new',
};

/**
 * The vendor's message is first brought to the shape the mapping's header documents (the
 * vendor's own shape, enriched with reads from the vendor where the message lacks something),
 * then mapped with the mapping serving its event (inbound-events.ts); the mapping's output
 * schema validates the canonical payload. The shaped message (`input`) is kept with the inbox
 * row, so that `mappings diff` can map it again without reading the vendor.
 */

function reject(message: string, details?: Obj): PermanentError {
  return new PermanentError(message, { category: 'validation', details });
}

function parseBody(row: InboxRow): Obj {
  try {
    const v = JSON.parse(row.body) as unknown;
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw reject('(body): expected a JSON object');
    return v as Obj;
  } catch (err) {
    if (err instanceof PermanentError) throw err;
    throw reject(`(body): not valid JSON (${err instanceof Error ? err.message : String(err)})`);
  }
}

/** The vendor data of a stored envelope, validated again (a replayed message goes through the same checks). */
function envelopeData(row: InboxRow, body: Obj): Obj {
  const data = body.data;
  if (data === null || typeof data !== 'object' || Array.isArray(data)) throw reject('data: expected an object');
  const schema = row.preset === 'shipbob' ? SHIPBOB_TOPICS[row.topic]?.schema : row.preset === 'generic_wms' ? WMS_TOPICS[row.topic] : undefined;
  if (schema) {
    const r = schema.safeParse(data);
    if (!r.success) {
      const i = r.error.issues[0]!;
      throw reject(`${issuePath('data', i.path)}: ${i.message.replace(/^Invalid input: /, '')}`);
    }
  }
  return data as Obj;
}

export class InboundPreparer implements MessagePreparer {
  private readonly byTarget = new Map<string, { preset: string; events: Map<string, CompiledMapping>; vars: Obj; options: Obj }>();
  /** Source text of every loaded inbound mapping, by version (kept in the state file: `useStore`). */
  private readonly sources = new Map<string, { file: string; system: string; source: string }>();

  constructor(dir: string, targets: Record<string, TargetConfig>, private readonly clientOf: ClientOf = () => undefined) {
    const problems: string[] = [];
    for (const [code, t] of Object.entries(targets)) {
      const folder = path.join(dir, t.mappings ?? t.preset);
      const events = new Map<string, CompiledMapping>();
      if (fs.existsSync(folder)) {
        for (const name of fs.readdirSync(folder).filter((n) => /\.ya?ml$/.test(n)).sort()) {
          const file = path.join(folder, name);
          try {
            const text = fs.readFileSync(file, 'utf8');
            const m = loadMapping(text, file);
            if (m.direction !== 'inbound') continue;
            for (const ev of m.events) events.set(ev, m);
            this.sources.set(m.version, { file, system: m.system, source: text });
          } catch (err) {
            problems.push(...loadProblems(err));
          }
        }
      }
      this.byTarget.set(code, { preset: t.preset, events, vars: (t.options.vars ?? {}) as Obj, options: t.options });
    }
    if (problems.length > 0) throw new PermanentError(`inbound mappings have errors:\n${problems.join('\n')}`, { category: 'mapping', details: { problems } });
  }

  count(): number {
    let n = 0;
    for (const t of this.byTarget.values()) n += new Set(t.events.values()).size;
    return n;
  }

  /** The target's inbound mapping serving `event`, if any (reconciliation maps stock pages with it). */
  mapping(target: string, event: string): CompiledMapping | undefined {
    return this.byTarget.get(target)?.events.get(event);
  }

  /**
   * Keeps the source of every loaded inbound mapping in the state file (by version): the old
   * side of `mappings diff` on inbox messages.
   */
  useStore(store: Pick<MappingStore, 'remember'>): this {
    for (const [version, m] of this.sources) store.remember({ version, ...m });
    return this;
  }

  /** The version of each loaded inbound mapping file. */
  fileVersions(): Map<string, string> {
    const out = new Map<string, string>();
    for (const t of this.byTarget.values()) for (const m of t.events.values()) out.set(m.file, m.version);
    return out;
  }

  async prepare(row: InboxRow): Promise<PreparedMessage> {
    const t = this.byTarget.get(row.source);
    if (!t) throw reject(`target '${row.source}' is no longer configured`);
    const event = inboundEventOf(row.preset, row.topic);
    if (!event) throw reject(`no inbound flow for ${row.preset} '${row.topic}' messages`);
    const m = t.events.get(event);
    if (!m) throw new PermanentError(`no inbound mapping serves event '${event}' in the mappings of target '${row.source}'`, { category: 'mapping' });
    const kind = KINDS[m.output];
    if (!kind) throw new PermanentError(`mapping ${m.file} outputs ${m.output}, which sync_apply does not take`, { category: 'mapping' });
    const message = await this.message(row, t.options);
    const r = runMapping(m, message, { event, vars: t.vars, meta: { message_id: row.message_id, received_at: new Date(row.received_at).toISOString(), source: row.source } });
    if (!r.ok) {
      throw new InboundMappingError(`mapping ${path.basename(m.file)} failed: ${r.errors.slice(0, 5).map((e) => formatRunIssue(e)).join('; ')}`, m.version, message);
    }
    const item: ApplyItem = { target: row.source, message_id: row.apply_id ?? row.message_id, kind, payload: r.value as Obj };
    if (row.trace_id) item.trace_id = row.trace_id;
    return { item, mappingVersion: m.version, input: message };
  }

  /** The message in the shape the mapping expects. */
  private async message(row: InboxRow, options: Obj): Promise<Obj> {
    const body = parseBody(row);
    switch (`${row.preset}|${row.topic}`) {
      case 'shipbob|order.shipped': return this.shipbobShipment(row, envelopeData(row, body), options);
      case 'shipbob|return.completed': return this.shipbobReturn(row, envelopeData(row, body));
      // The generic WMS mappings read the documented webhook ({id, type, created_at, data}) as is.
      case 'generic_wms|shipment.shipped': return { ...body, data: await this.wmsShipment(row, envelopeData(row, body)) };
      case 'generic_wms|return.received': envelopeData(row, body); return body;
      case 'hubspot|deal.propertyChange': return this.hubspotDeal(row, body, options);
      default:
        return (await prepareO2C(row, body, { data: () => envelopeData(row, body), client: () => this.client(row), correlationId: row.trace_id ?? `inbox-${row.id}`, options })) ?? body;
    }
  }

  private client(row: InboxRow): TargetHttpClient {
    const c = this.clientOf(row.source);
    if (!c) throw new PermanentError(`target '${row.source}' has no API client to enrich ${row.topic} messages`, { category: 'internal' });
    return c;
  }

  private correlation(row: InboxRow): string {
    return row.trace_id ?? `inbox-${row.id}`;
  }

  /**
   * ShipBob's shipment lists the SKUs that left the warehouse, not which ordered SKU a substitute
   * replaced. The order is read (`GET /order/<order_id>`, one read per shipment) and each
   * product whose SKU the order does not have gets `substitute_for`: the one ordered SKU whose
   * quantity no shipment of the order (shipped or still open) covers. Ambiguous or unexplained:
   * left as is (Odoo reports the SKU as not on the delivery). Order unknown (404) or no API
   * client (tests, bench): the shipment is mapped as received.
   */
  private async shipbobShipment(row: InboxRow, data: Obj, options: Obj): Promise<Obj> {
    const http = this.clientOf(row.source);
    if (!http || data.order_id === undefined || data.order_id === null) return data;
    const products = (data.products as Obj[]).map((p) => ({ ...p }));
    const skuOf = (p: Obj) => String(p.sku ?? p.reference_id ?? '').toLowerCase();
    const channel: Record<string, string> = options.channel_id === undefined ? {} : { shipbob_channel_id: String(options.channel_id) };
    const res = await http.request<Obj>({ method: 'GET', path: `order/${encodeURIComponent(String(data.order_id))}`, accept: [404], headers: channel, correlationId: this.correlation(row) });
    const order = res.body;
    if (res.status === 404 || !order || !Array.isArray(order.products)) return data;
    const ordered = new Map<string, { sku: string; open: number }>();
    for (const l of order.products as Obj[]) {
      const sku = String(l.reference_id ?? l.sku ?? '');
      const prev = ordered.get(sku.toLowerCase());
      ordered.set(sku.toLowerCase(), { sku: prev?.sku ?? sku, open: (prev?.open ?? 0) + Number(l.quantity ?? 0) });
    }
    const substitutes = products.filter((p) => !ordered.has(skuOf(p)));
    if (substitutes.length === 0) return data;
    // What every shipment of the order (this one included) covers under the ordered SKUs.
    for (const s of (Array.isArray(order.shipments) ? order.shipments : []) as Obj[]) {
      if (s.status === 'Cancelled') continue;
      for (const p of (Array.isArray(s.products) ? s.products : []) as Obj[]) {
        const o = ordered.get(skuOf(p));
        if (o) o.open -= ((p.inventory_items ?? []) as Obj[]).reduce((a, i) => a + Number(i.quantity ?? 0), 0);
      }
    }
    for (const p of substitutes) {
      const qty = ((p.inventory_items ?? []) as Obj[]).reduce((a, i) => a + Number(i.quantity ?? 0), 0);
      const candidates = [...ordered.values()].filter((o) => o.open >= qty && qty > 0);
      if (candidates.length !== 1) continue;
      p.substitute_for = candidates[0]!.sku;
      candidates[0]!.open -= qty;
    }
    return { ...data, products };
  }

  /**
   * The generic WMS reports each line by `line_ref` (the Odoo order line it released) and the SKU
   * it actually shipped; a substitution shows only as a SKU differing from the released line's.
   * The order is read (`GET /orders/<order_reference>`) and each line whose SKU differs from its
   * released line's gets `ordered_sku`. Order unknown (404) or no API client (tests, bench): the
   * data stays as received.
   */
  private async wmsShipment(row: InboxRow, data: Obj): Promise<Obj> {
    const http = this.clientOf(row.source);
    const lines = data.lines as Obj[];
    if (!http || !lines.some((l) => typeof l.line_ref === 'string')) return data;
    const res = await http.request<Obj>({ method: 'GET', path: `/orders/${encodeURIComponent(String(data.order_reference))}`, accept: [404], correlationId: this.correlation(row) });
    if (res.status === 404 || !res.body || !Array.isArray(res.body.lines)) return data;
    const byRef = new Map((res.body.lines as Obj[]).map((l) => [String(l.line_ref), String(l.sku)]));
    return {
      ...data,
      lines: lines.map((l) => {
        const ordered = byRef.get(String(l.line_ref));
        return ordered && ordered !== l.sku ? { ...l, ordered_sku: ordered } : l;
      }),
    };
  }

  /** ShipBob returns name the original shipment; the mapping needs that order's reference_id. */
  private async shipbobReturn(row: InboxRow, data: Obj): Promise<Obj> {
    if (typeof data.order_reference_id === 'string' && data.order_reference_id) return data;
    const shipmentId = data.original_shipment_id;
    if (shipmentId === null || shipmentId === undefined) throw reject('data.original_shipment_id: the return names no original shipment, so its order cannot be found');
    const res = await this.client(row).request<Obj>({ method: 'GET', path: `shipment/${encodeURIComponent(String(shipmentId))}`, correlationId: this.correlation(row) });
    const ref = res.body?.reference_id;
    if (typeof ref !== 'string' || !ref) throw reject(`ShipBob shipment ${String(shipmentId)} has no reference_id`);
    return { ...data, order_reference_id: ref };
  }

  /** HubSpot sends only the changed property; read the deal, its company, contact and line items. */
  private async hubspotDeal(row: InboxRow, ev: Obj, options: Obj): Promise<Obj> {
    const http = this.client(row);
    const get = async (type: string, id: string, properties: string[], associations?: string[]) => (await http.request<Obj>({
      method: 'GET', path: `/crm/v3/objects/${type}/${encodeURIComponent(id)}`,
      query: { properties: properties.join(','), ...(associations ? { associations: associations.join(',') } : {}) }, correlationId: this.correlation(row),
    })).body;
    const extra = (k: string) => (Array.isArray(options[k]) ? (options[k] as unknown[]).map(String) : []);
    const deal = await get('deals', String(ev.objectId), ['dealname', 'dealstage', 'odoo_expected_date', 'deal_currency_code', ...extra('deal_properties')], ['companies', 'contacts', 'line_items']);
    const assoc = (deal.associations ?? {}) as Record<string, { results?: Array<{ id: string }> }>;
    const ids = (k: string) => (assoc[k]?.results ?? assoc[k.replace('_', ' ')]?.results ?? []).map((x) => String(x.id));
    const [companyId] = ids('companies');
    const [contactId] = ids('contacts');
    if (!companyId) throw reject(`HubSpot deal ${String(ev.objectId)} has no associated company`);
    if (!contactId) throw reject(`HubSpot deal ${String(ev.objectId)} has no associated contact`);
    const company = await get('companies', companyId, ['name', 'vat_number', 'address', 'address2', 'city', 'zip', 'state', 'country', ...extra('company_properties')]);
    const contact = await get('contacts', contactId, ['email', 'firstname', 'lastname']);
    const lineItems: Obj[] = [];
    for (const id of ids('line_items')) lineItems.push(await get('line_items', id, ['hs_sku', 'quantity', 'price', 'hs_discount_percentage', 'name']));
    const strip = (o: Obj) => ({ id: o.id, properties: o.properties ?? {} });
    return { deal: strip(deal), company: strip(company), contact: strip(contact), line_items: lineItems.map(strip), event: ev };
  }
}
