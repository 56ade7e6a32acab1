import { ShipBobStore, type InventoryRecord, type Order, type Product, type Return, type Shipment } from './store.js';

/** JSON shapes of ShipBob 2026-01 resources (internal bookkeeping stripped). */

export function productJson(p: Product) {
  return {
    id: p.id,
    name: p.name,
    type: p.type,
    taxonomy: p.taxonomy_id === null ? null : { id: p.taxonomy_id },
    variants: p.variants.map((v) => ({ ...v })),
    created_on: p.created_on,
    updated_on: p.updated_on,
  };
}

export function shipmentJson(s: Shipment) {
  return {
    id: s.id,
    order_id: s.order_id,
    reference_id: s.reference_id,
    status: s.status,
    status_details: s.status_details,
    location: { id: s.location.id, name: s.location.name },
    created_date: s.created_date,
    last_update_at: s.last_update_at,
    tracking: s.tracking,
    products: s.products.map((p) => ({ ...p, inventory_items: p.inventory_items.map((i) => ({ ...i })) })),
    actual_fulfillment_date: s.actual_fulfillment_date,
    delivery_date: s.delivery_date,
    is_tracking_uploaded: s.is_tracking_uploaded,
  };
}

export function orderJson(o: Order) {
  return {
    id: o.id,
    created_date: o.created_date,
    purchase_date: o.purchase_date,
    reference_id: o.reference_id,
    order_number: o.order_number,
    status: o.status,
    type: o.type,
    channel: o.channel,
    shipping_method: o.shipping_method,
    recipient: o.recipient,
    products: o.products.map((l) => ({
      id: l.id,
      reference_id: l.reference_id,
      name: l.name,
      quantity: l.quantity,
      unit_price: l.unit_price,
      external_line_id: l.external_line_id,
      sku: l.sku,
      gtin: l.gtin,
      upc: l.upc,
    })),
    tags: o.tags,
    shipments: o.shipments.map(shipmentJson),
    gift_message: o.gift_message,
    financials: o.financials,
    location_id: o.location_id,
  };
}

export function returnJson(r: Return) {
  return JSON.parse(JSON.stringify(r)) as Return;
}

function totals(rec: InventoryRecord) {
  let on = 0,
    com = 0,
    aw = 0,
    bo = 0,
    ex = 0,
    ful = 0;
  for (const s of rec.byLocation.values()) {
    on += s.on_hand;
    com += s.committed;
    aw += s.awaiting;
    bo += s.backordered;
    ex += s.exception;
    ful += ShipBobStore.fulfillable(s);
  }
  return { on, com, aw, bo, ex, ful };
}

export function inventoryLevelJson(rec: InventoryRecord) {
  const t = totals(rec);
  return {
    inventory_id: rec.inventory_id,
    sku: rec.sku,
    name: rec.name,
    is_lot: rec.is_lot,
    total_on_hand_quantity: t.on,
    total_fulfillable_quantity: t.ful,
    total_sellable_quantity: t.ful,
    total_committed_quantity: t.com,
    total_awaiting_quantity: t.aw,
    total_backordered_quantity: t.bo,
    total_exception_quantity: t.ex,
  };
}

export function inventoryLocationsJson(rec: InventoryRecord, locName: (id: number) => string) {
  return {
    inventory_id: rec.inventory_id,
    sku: rec.sku,
    name: rec.name,
    locations: [...rec.byLocation.entries()].map(([id, s]) => ({
      location_id: id,
      location_name: locName(id),
      on_hand_quantity: s.on_hand,
      fulfillable_quantity: ShipBobStore.fulfillable(s),
      committed_quantity: s.committed,
      awaiting_quantity: s.awaiting,
      backordered_quantity: s.backordered,
      exception_quantity: s.exception,
    })),
  };
}

export function lotsJson(rec: InventoryRecord, locName: (id: number) => string) {
  return rec.lots.map((l) => ({
    inventory_id: rec.inventory_id,
    sku: rec.sku,
    lot_number: l.lot_number,
    expiration_date: l.expiration_date,
    location_id: l.location_id,
    location_name: locName(l.location_id),
    on_hand_quantity: l.on_hand,
  }));
}
