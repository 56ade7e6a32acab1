import type { DB } from '../../state/state-store.js';
import type { InFlightEntry, InFlightSource } from '../inventory.js';

type Obj = Record<string, unknown>;

/**
 * Stock in flight from the sidecar's inbox (bridge/state/inbox-store.ts): shipments and
 * restocked returns the WMS reported but Odoo has not applied yet (state pending). Read with a
 * streaming cursor; the result is bounded by the pending inbox (normally a handful of rows).
 *
 *   shipbob     order.shipped     data.location.id, data.products[].inventory_items[] {quantity, lot}  (out)
 *               return.completed  data.fulfillment_center.id, data.inventory[] {sku, quantity, action_taken[].action = Restock}  (in)
 *               receiving.completed  data.fulfillment_center.id, data.inventory_quantities[] {sku, received_quantity}, data.boxes[].box_items[] {sku, lot_number, quantity}  (in)
 *   generic_wms shipment.shipped  data.lines[] {sku, quantity, lots[]}  (out)
 *               return.received   data.lines[] {sku, quantity, disposition = restock}  (in)
 *               receipt.completed data.lines[] {sku, quantity, lots[{lot, quantity}]}  (in)
 */
export class InboxInFlight implements InFlightSource {
  constructor(private readonly db: DB, private readonly source: string) {}

  async pending(): Promise<InFlightEntry[]> {
    const out: InFlightEntry[] = [];
    const rows = this.db.prepare("SELECT preset, topic, body FROM inbox WHERE source = ? AND state = 'pending'").iterate(this.source) as IterableIterator<{ preset: string; topic: string; body: string }>;
    for (const row of rows) {
      let body: Obj;
      try { body = JSON.parse(row.body) as Obj; } catch { continue; }
      out.push(...entriesOf(row.preset, row.topic, body));
    }
    return out;
  }
}

export function entriesOf(preset: string, topic: string, body: Obj): InFlightEntry[] {
  const data = (body.data ?? {}) as Obj;
  const out: InFlightEntry[] = [];
  if (preset === 'shipbob' && topic === 'order.shipped') {
    const loc = (data.location as Obj | undefined)?.id;
    for (const p of (data.products as Obj[] | undefined) ?? []) {
      for (const it of (p.inventory_items as Obj[] | undefined) ?? []) {
        out.push({ sku: String(p.sku ?? p.reference_id), quantity: Number(it.quantity) || 0, direction: 'out', ...(loc !== undefined ? { location: String(loc) } : {}), ...(it.lot ? { lot: String(it.lot) } : {}) });
      }
    }
  } else if (preset === 'shipbob' && topic === 'return.completed') {
    const loc = (data.fulfillment_center as Obj | undefined)?.id;
    for (const l of (data.inventory as Obj[] | undefined) ?? []) {
      const actions = (l.action_taken as Obj[] | undefined) ?? [];
      const restock = actions.length === 0 || actions.some((a) => String(a.action).toLowerCase() === 'restock');
      if (restock) out.push({ sku: String(l.sku), quantity: Number(l.quantity) || 0, direction: 'in', ...(loc !== undefined ? { location: String(loc) } : {}) });
    }
  } else if (preset === 'shipbob' && topic === 'receiving.completed') {
    const fc = (data.fulfillment_center as Obj | undefined)?.id;
    const loc = fc !== undefined ? { location: String(fc) } : {};
    for (const l of (data.inventory_quantities as Obj[] | undefined) ?? []) out.push({ sku: String(l.sku), quantity: Number(l.received_quantity) || 0, direction: 'in', ...loc });
    for (const b of (data.boxes as Obj[] | undefined) ?? []) {
      for (const it of (b.box_items as Obj[] | undefined) ?? []) {
        if (it.lot_number) out.push({ sku: String(it.sku), lot: String(it.lot_number), quantity: Number(it.quantity) || 0, direction: 'in', ...loc, lotOnly: true });
      }
    }
  } else if (preset === 'generic_wms' && topic === 'receipt.completed') {
    for (const l of (data.lines as Obj[] | undefined) ?? []) {
      out.push({ sku: String(l.sku), quantity: Number(l.quantity) || 0, direction: 'in' });
      for (const lot of (l.lots as Obj[] | undefined) ?? []) if (lot.lot) out.push({ sku: String(l.sku), lot: String(lot.lot), quantity: Number(lot.quantity) || 0, direction: 'in', lotOnly: true });
    }
  } else if (preset === 'generic_wms' && topic === 'shipment.shipped') {
    for (const l of (data.lines as Obj[] | undefined) ?? []) out.push({ sku: String(l.sku), quantity: Number(l.quantity) || 0, direction: 'out' });
  } else if (preset === 'generic_wms' && topic === 'return.received') {
    for (const l of (data.lines as Obj[] | undefined) ?? []) if (!l.disposition || l.disposition === 'restock') out.push({ sku: String(l.sku), quantity: Number(l.quantity) || 0, direction: 'in' });
  }
  return out.filter((e) => e.quantity > 0);
}
