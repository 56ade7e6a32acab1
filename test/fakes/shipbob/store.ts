import type { z } from 'zod';
import { Sequence } from '../common/ids.js';
import type { Clock } from '../common/clock.js';
import type { orderCreate, productCreate, productPatch, returnCreate, variantCreate } from './schemas.js';

/** ShipBob's state: products/variants, inventory per fulfilment centre and lot, orders, shipments, returns. */

export interface Location {
  id: number;
  name: string;
}

export interface Variant {
  id: number;
  sku: string;
  name: string;
  status: 'Active' | 'Inactive';
  barcodes: Array<{ value: string; sticker_url: string | null }>;
  gtin: string | null;
  upc: string | null;
  lot_information: { is_lot: boolean; minimum_shelf_life_days: number | null };
  dimension: { length: number; width: number; height: number; unit: string } | null;
  weight: { value: number; unit: string } | null;
  value: number | null;
  inventory: { inventory_id: number };
  created_on: string;
  updated_on: string;
}

export interface Product {
  id: number;
  name: string;
  type: 'Regular' | 'Bundle';
  taxonomy_id: number | null;
  variants: Variant[];
  created_on: string;
  updated_on: string;
}

export interface Stock {
  on_hand: number;
  committed: number;
  awaiting: number;
  backordered: number;
  exception: number;
}

export interface LotStock {
  lot_number: string;
  expiration_date: string | null;
  location_id: number;
  on_hand: number;
}

export interface InventoryRecord {
  inventory_id: number;
  sku: string;
  name: string;
  is_lot: boolean;
  byLocation: Map<number, Stock>;
  lots: LotStock[];
}

export interface OrderLine {
  id: number;
  reference_id: string;
  name: string | null;
  quantity: number;
  unit_price: number | null;
  external_line_id: number | null;
  sku: string | null;
  gtin: string | null;
  upc: string | null;
  /** Quantity already on a shipped (completed) shipment. */
  shipped: number;
}

export interface InventoryItem {
  id: number;
  name: string;
  quantity: number;
  lot: string | null;
  expiration_date: string | null;
  serial_numbers: string[];
}

export interface ShipmentProduct {
  id: number;
  reference_id: string;
  name: string;
  sku: string;
  inventory_items: InventoryItem[];
}

export type ShipmentStatus = 'Processing' | 'LabeledCreated' | 'Completed' | 'Exception' | 'OnHold' | 'Cancelled';

export interface Tracking {
  carrier: string;
  carrier_service: string;
  tracking_number: string;
  tracking_url: string;
  shipping_date: string;
}

export interface Shipment {
  id: number;
  order_id: number;
  reference_id: string;
  status: ShipmentStatus;
  status_details: Array<{ name: string; description: string }>;
  location: Location;
  created_date: string;
  last_update_at: string;
  tracking: Tracking | null;
  products: ShipmentProduct[];
  actual_fulfillment_date: string | null;
  delivery_date: string | null;
  is_tracking_uploaded: boolean;
}

export type OrderStatus = 'Processing' | 'Exception' | 'PartiallyFulfilled' | 'Fulfilled' | 'Cancelled' | 'ImportReview';

export interface Order {
  id: number;
  channel: { id: number; name: string };
  reference_id: string;
  order_number: string | null;
  status: OrderStatus;
  type: 'DTC' | 'DropShip' | 'B2B';
  created_date: string;
  purchase_date: string | null;
  shipping_method: string;
  recipient: z.output<typeof orderCreate>['recipient'];
  products: OrderLine[];
  shipments: Shipment[];
  tags: Array<{ name: string; value: string }>;
  gift_message: string | null;
  financials: { total_price: number | null };
  location_id: number;
  cancelled: boolean;
}

export interface ReturnLine {
  id: number;
  sku: string;
  name: string;
  quantity: number;
  action_requested: { action: string; instructions: string | null };
  action_taken: Array<{
    quantity_processed: number;
    action: string;
    action_reason: string | null;
    lot_information: { lot_number: string; expiration_date: string | null } | null;
    image_urls: string[];
  }>;
}

export type ReturnStatus = 'AwaitingArrival' | 'Arrived' | 'Processing' | 'Completed' | 'Cancelled';

export interface Return {
  id: number;
  reference_id: string;
  status: ReturnStatus;
  return_type: 'Regular';
  channel: { id: number; name: string };
  original_shipment_id: number | null;
  store_order_id: string | null;
  tracking_number: string | null;
  customer_name: string | null;
  fulfillment_center: Location;
  inventory: ReturnLine[];
  insert_date: string;
  arrived_date: string | null;
  completed_date: string | null;
}

export interface ShipLine {
  sku: string;
  quantity: number;
  substitute_sku?: string;
  lots?: Array<{ lot: string; quantity: number; expiration_date?: string | null }>;
  serial_numbers?: string[];
}

export interface ReturnAction {
  sku: string;
  quantity: number;
  action: 'Restock' | 'Quarantine' | 'Dispose';
  reason?: string;
  lot_number?: string;
  expiration_date?: string | null;
}

/** What the warehouse ships (test control): see ShipBobStore.ship. */
export interface ShipInput {
  /** Without lines, everything still open ships. */
  lines?: Array<{
    /** The ordered SKU (the order line's reference_id). */
    sku: string;
    quantity: number;
    /** The warehouse shipped this SKU instead. */
    substitute_sku?: string;
    lots?: Array<{ lot: string; quantity: number; expiration_date?: string | null }>;
    serial_numbers?: string[];
  }>;
  carrier?: string;
  carrier_service?: string;
  tracking_number?: string;
  tracking_url?: string;
  shipping_date?: string;
}

export class ShipBobError extends Error {
  constructor(
    readonly status: number,
    readonly errors: Record<string, string[]> | undefined,
    detail: string,
  ) {
    super(detail);
  }
}

const TERMINAL: ShipmentStatus[] = ['Completed', 'Cancelled'];

export class ShipBobStore {
  products: Product[] = [];
  inventory: InventoryRecord[] = [];
  orders: Order[] = [];
  returns: Return[] = [];
  private readonly productIds = new Sequence(1000);
  private readonly variantIds = new Sequence(5000);
  private readonly inventoryIds = new Sequence(9000);
  private readonly orderIds = new Sequence(300000);
  private readonly lineIds = new Sequence(700000);
  private readonly shipmentIds = new Sequence(800000);
  private readonly itemIds = new Sequence(1);
  private readonly returnIds = new Sequence(40000);

  constructor(
    readonly locations: Location[],
    readonly channels: Array<{ id: number; name: string }>,
    private readonly clock: Clock,
  ) {}

  reset(): void {
    this.products = [];
    this.inventory = [];
    this.orders = [];
    this.returns = [];
    for (const s of [this.productIds, this.variantIds, this.inventoryIds, this.orderIds, this.lineIds, this.shipmentIds, this.itemIds, this.returnIds]) s.reset();
  }

  location(id?: number | null): Location {
    const loc = id == null ? this.locations[0] : this.locations.find((l) => l.id === id);
    if (!loc) throw new ShipBobError(422, { location_id: [`Fulfillment center ${id} does not exist.`] }, 'unknown location');
    return loc;
  }

  // ---------------- products ----------------
  variantBySku(sku: string): { product: Product; variant: Variant } | undefined {
    const lower = sku.toLowerCase();
    for (const product of this.products) {
      const variant = product.variants.find((v) => v.sku.toLowerCase() === lower);
      if (variant) return { product, variant };
    }
    return undefined;
  }

  inventoryBySku(sku: string): InventoryRecord | undefined {
    const lower = sku.toLowerCase();
    return this.inventory.find((i) => i.sku.toLowerCase() === lower);
  }

  private ensureInventory(sku: string, name: string, isLot: boolean): InventoryRecord {
    let rec = this.inventoryBySku(sku);
    if (!rec) {
      rec = { inventory_id: this.inventoryIds.next(), sku, name, is_lot: isLot, byLocation: new Map(), lots: [] };
      this.inventory.push(rec);
    }
    return rec;
  }

  private makeVariant(v: z.output<typeof variantCreate>, productName: string): Variant {
    const now = this.clock.iso();
    const isLot = v.lot_information?.is_lot ?? false;
    const inv = this.ensureInventory(v.sku, v.name ?? productName, isLot);
    return {
      id: this.variantIds.next(),
      sku: v.sku,
      name: v.name ?? productName,
      status: 'Active',
      barcodes: (v.barcodes ?? []).map((b) => ({ value: b.value, sticker_url: b.sticker_url ?? null })),
      gtin: v.gtin ?? null,
      upc: v.upc ?? null,
      lot_information: { is_lot: isLot, minimum_shelf_life_days: v.lot_information?.minimum_shelf_life_days ?? null },
      dimension: v.dimension ? { ...v.dimension, unit: v.dimension.unit ?? 'in' } : null,
      weight: typeof v.weight === 'number' ? { value: v.weight, unit: 'oz' } : null,
      value: v.value ?? null,
      inventory: { inventory_id: inv.inventory_id },
      created_on: now,
      updated_on: now,
    };
  }

  createProduct(input: z.output<typeof productCreate>): Product {
    const errors: Record<string, string[]> = {};
    const seen = new Set<string>();
    input.variants.forEach((v, i) => {
      const k = v.sku.toLowerCase();
      if (seen.has(k) || this.variantBySku(v.sku)) errors[`variants[${i}].sku`] = [`A product variant with SKU '${v.sku}' already exists.`];
      seen.add(k);
    });
    if (Object.keys(errors).length) throw new ShipBobError(422, errors, 'duplicate sku');
    const now = this.clock.iso();
    const product: Product = {
      id: this.productIds.next(),
      name: input.name,
      type: input.type_id === 2 ? 'Bundle' : 'Regular',
      taxonomy_id: input.taxonomy_id ?? null,
      variants: input.variants.map((v) => this.makeVariant(v, input.name)),
      created_on: now,
      updated_on: now,
    };
    this.products.push(product);
    return product;
  }

  patchProduct(id: number, input: z.output<typeof productPatch>): Product | undefined {
    const product = this.products.find((p) => p.id === id);
    if (!product) return undefined;
    const now = this.clock.iso();
    if (input.name !== undefined) product.name = input.name;
    if (input.taxonomy_id !== undefined) product.taxonomy_id = input.taxonomy_id;
    for (const [i, v] of (input.variants ?? []).entries()) {
      if (v.id !== undefined) {
        const existing = product.variants.find((x) => x.id === v.id);
        if (!existing) throw new ShipBobError(422, { [`variants[${i}].id`]: [`Variant ${v.id} does not belong to product ${id}.`] }, 'bad variant');
        if (v.sku !== undefined && v.sku.toLowerCase() !== existing.sku.toLowerCase() && this.variantBySku(v.sku))
          throw new ShipBobError(422, { [`variants[${i}].sku`]: [`A product variant with SKU '${v.sku}' already exists.`] }, 'dup');
        if (v.sku !== undefined) existing.sku = v.sku;
        if (v.name !== undefined) existing.name = v.name;
        if (v.gtin !== undefined) existing.gtin = v.gtin ?? null;
        if (v.upc !== undefined) existing.upc = v.upc ?? null;
        if (v.barcodes !== undefined)
          existing.barcodes = v.barcodes.map((b) => ({ value: b.value, sticker_url: b.sticker_url ?? null }));
        if (v.lot_information !== undefined)
          existing.lot_information = { is_lot: v.lot_information.is_lot, minimum_shelf_life_days: v.lot_information.minimum_shelf_life_days ?? null };
        if (v.dimension !== undefined) existing.dimension = { ...v.dimension, unit: v.dimension.unit ?? 'in' };
        if (v.weight !== undefined) existing.weight = typeof v.weight === 'number' ? { value: v.weight, unit: 'oz' } : null;
        if (v.value !== undefined) existing.value = v.value ?? null;
        existing.updated_on = now;
      } else {
        if (!v.sku) throw new ShipBobError(400, { [`variants[${i}].sku`]: ['The sku field is required.'] }, 'sku');
        if (this.variantBySku(v.sku)) throw new ShipBobError(422, { [`variants[${i}].sku`]: [`A product variant with SKU '${v.sku}' already exists.`] }, 'dup');
        product.variants.push(this.makeVariant({ ...v, sku: v.sku }, product.name));
      }
    }
    product.updated_on = now;
    return product;
  }

  // ---------------- inventory ----------------
  stockAt(rec: InventoryRecord, locationId: number): Stock {
    let s = rec.byLocation.get(locationId);
    if (!s) {
      s = { on_hand: 0, committed: 0, awaiting: 0, backordered: 0, exception: 0 };
      rec.byLocation.set(locationId, s);
    }
    return s;
  }

  /** Test control: sets stock for a SKU at a location (and its lots). Creates the product if unknown. */
  setInventory(input: {
    sku: string;
    location_id?: number;
    on_hand?: number;
    awaiting?: number;
    backordered?: number;
    exception?: number;
    lots?: Array<{ lot_number: string; expiration_date?: string | null; quantity: number }>;
  }): InventoryRecord {
    const loc = this.location(input.location_id);
    let rec = this.inventoryBySku(input.sku);
    if (!rec) {
      this.createProduct({ name: input.sku, variants: [{ sku: input.sku, lot_information: { is_lot: !!input.lots?.length } }] });
      rec = this.inventoryBySku(input.sku)!;
    }
    const s = this.stockAt(rec, loc.id);
    if (input.lots) {
      rec.is_lot = true;
      rec.lots = rec.lots.filter((l) => l.location_id !== loc.id);
      for (const l of input.lots) rec.lots.push({ lot_number: l.lot_number, expiration_date: l.expiration_date ?? null, location_id: loc.id, on_hand: l.quantity });
      s.on_hand = input.lots.reduce((a, l) => a + l.quantity, 0);
    }
    if (input.on_hand !== undefined) s.on_hand = input.on_hand;
    if (input.awaiting !== undefined) s.awaiting = input.awaiting;
    if (input.backordered !== undefined) s.backordered = input.backordered;
    if (input.exception !== undefined) s.exception = input.exception;
    return rec;
  }

  static fulfillable(s: Stock): number {
    return Math.max(0, s.on_hand - s.committed - s.exception);
  }

  // ---------------- orders ----------------
  findOrderByReference(channelId: number, referenceId: string): Order | undefined {
    return this.orders.find((o) => o.channel.id === channelId && o.reference_id === referenceId);
  }

  createOrder(channelId: number, input: z.output<typeof orderCreate>): Order {
    const channel = this.channels.find((c) => c.id === channelId)!;
    const loc = this.location(input.location_id);
    const now = this.clock.iso();
    let unknownSku = false;
    const lines: OrderLine[] = input.products.map((p, i) => {
      let sku = p.reference_id ?? null;
      if (p.id !== undefined) {
        const v = this.products.flatMap((x) => x.variants).find((x) => x.id === p.id);
        if (!v) throw new ShipBobError(422, { [`products[${i}].id`]: [`Product ${p.id} does not exist.`] }, 'unknown product');
        sku = v.sku;
      }
      const match = sku ? this.variantBySku(sku) : undefined;
      if (!match) unknownSku = true;
      return {
        id: this.lineIds.next(),
        reference_id: sku ?? '',
        name: p.name ?? match?.variant.name ?? null,
        quantity: p.quantity,
        unit_price: p.unit_price ?? null,
        external_line_id: p.external_line_id ?? null,
        sku: match?.variant.sku ?? null,
        gtin: p.gtin ?? match?.variant.gtin ?? null,
        upc: p.upc ?? match?.variant.upc ?? null,
        shipped: 0,
      };
    });
    const order: Order = {
      id: this.orderIds.next(),
      channel: { id: channel.id, name: channel.name },
      reference_id: input.reference_id,
      order_number: input.order_number ?? null,
      status: unknownSku ? 'ImportReview' : 'Processing',
      type: input.type ?? 'DTC',
      created_date: now,
      purchase_date: input.purchase_date ?? null,
      shipping_method: input.shipping_method,
      recipient: input.recipient,
      products: lines,
      shipments: [],
      tags: input.tags ?? [],
      gift_message: input.gift_message ?? null,
      financials: { total_price: input.financials?.total_price ?? null },
      location_id: loc.id,
      cancelled: false,
    };
    // One open shipment holds everything not yet shipped.
    order.shipments.push(this.newShipment(order, loc, 'Processing', lines.map((l) => ({ line: l, sku: l.reference_id, quantity: l.quantity }))));
    for (const l of lines) {
      const rec = this.inventoryBySku(l.reference_id);
      if (rec) this.stockAt(rec, loc.id).committed += l.quantity;
    }
    this.orders.push(order);
    return order;
  }

  private newShipment(order: Order, loc: Location, status: ShipmentStatus, items: Array<{ line: OrderLine; sku: string; quantity: number; lots?: Array<{ lot: string; quantity: number; expiration_date?: string | null }>; serials?: string[] }>): Shipment {
    const now = this.clock.iso();
    return {
      id: this.shipmentIds.next(),
      order_id: order.id,
      reference_id: order.reference_id,
      status,
      status_details: [],
      location: loc,
      created_date: now,
      last_update_at: now,
      tracking: null,
      products: items.map((it) => {
        const v = this.variantBySku(it.sku)?.variant;
        const lots = it.lots?.length ? it.lots : [{ lot: null as string | null, quantity: it.quantity, expiration_date: null as string | null }];
        return {
          id: v?.id ?? it.line.id,
          reference_id: it.sku,
          name: v?.name ?? it.line.name ?? it.sku,
          sku: it.sku,
          inventory_items: lots.map((l, idx) => ({
            id: this.itemIds.next(),
            name: v?.name ?? it.sku,
            quantity: l.quantity,
            lot: l.lot ?? null,
            expiration_date: l.expiration_date ?? null,
            serial_numbers: idx === 0 ? (it.serials ?? []) : [],
          })),
        };
      }),
      actual_fulfillment_date: null,
      delivery_date: null,
      is_tracking_uploaded: false,
    };
  }

  openShipment(order: Order): Shipment | undefined {
    return order.shipments.find((s) => !TERMINAL.includes(s.status));
  }

  refreshStatus(order: Order): void {
    if (order.cancelled) {
      order.status = 'Cancelled';
      return;
    }
    const shipped = order.products.reduce((a, l) => a + Math.min(l.shipped, l.quantity), 0);
    const total = order.products.reduce((a, l) => a + l.quantity, 0);
    if (shipped >= total) order.status = 'Fulfilled';
    else if (order.shipments.some((s) => s.status === 'Exception')) order.status = 'Exception';
    else if (shipped > 0) order.status = 'PartiallyFulfilled';
    else if (order.status !== 'ImportReview') order.status = 'Processing';
  }

  cancelOrder(order: Order): Array<{ shipment_id: number; action: string; is_success: boolean; reason: string | null }> {
    if (order.status === 'Fulfilled' || order.status === 'PartiallyFulfilled')
      throw new ShipBobError(422, { orderId: [`Order ${order.id} has shipped and can no longer be cancelled.`] }, 'shipped');
    const results = [];
    const loc = this.location(order.location_id);
    for (const s of order.shipments) {
      if (s.status === 'Completed') continue;
      if (s.status !== 'Cancelled') {
        s.status = 'Cancelled';
        s.last_update_at = this.clock.iso();
      }
      results.push({ shipment_id: s.id, action: 'Cancel', is_success: true, reason: null });
    }
    if (!order.cancelled)
      for (const l of order.products) {
        const rec = this.inventoryBySku(l.reference_id);
        if (rec) {
          const st = this.stockAt(rec, loc.id);
          st.committed = Math.max(0, st.committed - (l.quantity - l.shipped));
        }
      }
    order.cancelled = true;
    this.refreshStatus(order);
    return results;
  }

  /**
   * Test control: the warehouse ships an order. Without lines, everything still open ships.
   * A line can ship a substitute SKU, split across lots, with serial numbers.
   */
  ship(
    order: Order,
    input: ShipInput,
  ): Shipment {
    if (order.cancelled) throw new ShipBobError(422, { orderId: ['Order is cancelled.'] }, 'cancelled');
    const open = this.openShipment(order);
    if (!open) throw new ShipBobError(422, { orderId: ['Order has nothing left to ship.'] }, 'nothing to ship');
    const loc = open.location;
    const wanted: ShipLine[] =
      input.lines ??
      order.products.filter((l) => l.quantity > l.shipped).map((l) => ({ sku: l.reference_id, quantity: l.quantity - l.shipped }));
    const items = wanted.map((w) => {
      const line = order.products.find((l) => l.reference_id.toLowerCase() === w.sku.toLowerCase() && l.quantity - l.shipped > 0);
      if (!line) throw new ShipBobError(422, { sku: [`Order has no open line for SKU '${w.sku}'.`] }, 'no line');
      if (w.quantity > line.quantity - line.shipped) throw new ShipBobError(422, { quantity: [`Only ${line.quantity - line.shipped} of '${w.sku}' left to ship.`] }, 'qty');
      const it: { line: OrderLine; sku: string; quantity: number; lots?: Array<{ lot: string; quantity: number; expiration_date?: string | null }>; serials?: string[] } = {
        line,
        sku: w.substitute_sku ?? line.reference_id,
        quantity: w.quantity,
      };
      if (w.lots) it.lots = w.lots;
      if (w.serial_numbers) it.serials = w.serial_numbers;
      return it;
    });
    const shipment = this.newShipment(order, loc, 'Completed', items);
    const now = input.shipping_date ?? this.clock.iso();
    const tn = input.tracking_number ?? `1Z${String(shipment.id).padStart(16, '0')}`;
    shipment.tracking = {
      carrier: input.carrier ?? 'UPS',
      carrier_service: input.carrier_service ?? 'Ground',
      tracking_number: tn,
      tracking_url: input.tracking_url ?? `https://www.ups.com/track?tracknum=${tn}`,
      shipping_date: now,
    };
    shipment.actual_fulfillment_date = now;
    for (const it of items) {
      it.line.shipped += it.quantity;
      const orderedRec = this.inventoryBySku(it.line.reference_id);
      if (orderedRec) {
        const st = this.stockAt(orderedRec, loc.id);
        st.committed = Math.max(0, st.committed - it.quantity);
      }
      const shippedRec = this.inventoryBySku(it.sku);
      if (shippedRec) {
        const st = this.stockAt(shippedRec, loc.id);
        st.on_hand = Math.max(0, st.on_hand - it.quantity);
        for (const l of it.lots ?? []) {
          const lot = shippedRec.lots.find((x) => x.lot_number === l.lot && x.location_id === loc.id);
          if (lot) lot.on_hand = Math.max(0, lot.on_hand - l.quantity);
        }
      }
    }
    // The open shipment keeps what is left; when nothing is left it is replaced by the shipped one.
    for (const p of open.products) {
      const line = order.products.find((l) => l.reference_id === p.reference_id);
      const left = line ? line.quantity - line.shipped : 0;
      p.inventory_items = left > 0 ? [{ ...p.inventory_items[0]!, quantity: left, lot: null, expiration_date: null, serial_numbers: [] }] : [];
    }
    open.products = open.products.filter((p) => p.inventory_items.length > 0);
    if (open.products.length === 0) order.shipments = order.shipments.filter((s) => s !== open);
    order.shipments.push(shipment);
    this.refreshStatus(order);
    return shipment;
  }

  findShipment(id: number): { order: Order; shipment: Shipment } | undefined {
    for (const order of this.orders) {
      const shipment = order.shipments.find((s) => s.id === id);
      if (shipment) return { order, shipment };
    }
    return undefined;
  }

  // ---------------- returns ----------------
  createReturn(
    channelId: number,
    input: z.output<typeof returnCreate>,
  ): Return {
    const channel = this.channels.find((c) => c.id === channelId)!;
    const fc = this.location(input.fulfillment_center.id);
    if (this.returns.some((r) => r.reference_id === input.reference_id && r.channel.id === channelId))
      throw new ShipBobError(422, { reference_id: [`A return with reference_id '${input.reference_id}' already exists.`] }, 'dup');
    let order: Order | undefined;
    if (input.original_shipment_id != null) {
      const found = this.findShipment(input.original_shipment_id);
      if (!found) throw new ShipBobError(422, { original_shipment_id: [`Shipment ${input.original_shipment_id} does not exist.`] }, 'no shipment');
      order = found.order;
    }
    const lines = input.inventory.map((l, i) => {
      const rec = this.inventory.find((r) => r.inventory_id === l.id);
      if (!rec) throw new ShipBobError(422, { [`inventory[${i}].id`]: [`Inventory ${l.id} does not exist.`] }, 'no inventory');
      return { rec, quantity: l.quantity, action: l.requested_action };
    });
    return this.addReturn(channel, fc, input.reference_id, order, input.original_shipment_id ?? null, input.tracking_number ?? null, lines);
  }

  addReturn(
    channel: { id: number; name: string },
    fc: Location,
    referenceId: string,
    order: Order | undefined,
    shipmentId: number | null,
    tracking: string | null,
    lines: Array<{ rec: InventoryRecord; quantity: number; action: string }>,
  ): Return {
    const r: Return = {
      id: this.returnIds.next(),
      reference_id: referenceId,
      status: 'AwaitingArrival',
      return_type: 'Regular',
      channel,
      original_shipment_id: shipmentId,
      store_order_id: order?.reference_id ?? null,
      tracking_number: tracking,
      customer_name: order?.recipient.name ?? null,
      fulfillment_center: fc,
      inventory: lines.map((l) => ({
        id: l.rec.inventory_id,
        sku: l.rec.sku,
        name: l.rec.name,
        quantity: l.quantity,
        action_requested: { action: l.action, instructions: null },
        action_taken: [],
      })),
      insert_date: this.clock.iso(),
      arrived_date: null,
      completed_date: null,
    };
    this.returns.push(r);
    return r;
  }

  /** Test control: the warehouse processes a return; restocked units go back on hand. */
  completeReturn(
    r: Return,
    actions?: Array<{ sku: string; quantity: number; action: 'Restock' | 'Quarantine' | 'Dispose'; reason?: string; lot_number?: string; expiration_date?: string | null }>,
  ): Return {
    if (r.status === 'Completed' || r.status === 'Cancelled') throw new ShipBobError(422, { id: [`Return ${r.id} is ${r.status}.`] }, 'done');
    const acts: ReturnAction[] = actions ?? r.inventory.map((l) => ({ sku: l.sku, quantity: l.quantity, action: 'Restock' as const }));
    for (const a of acts) {
      const line = r.inventory.find((l) => l.sku.toLowerCase() === a.sku.toLowerCase());
      if (!line) throw new ShipBobError(422, { sku: [`Return has no line for SKU '${a.sku}'.`] }, 'no line');
      line.action_taken.push({
        quantity_processed: a.quantity,
        action: a.action,
        action_reason: a.reason ?? null,
        lot_information: a.lot_number ? { lot_number: a.lot_number, expiration_date: a.expiration_date ?? null } : null,
        image_urls: [],
      });
      const rec = this.inventoryBySku(line.sku);
      if (rec && a.action === 'Restock') {
        this.stockAt(rec, r.fulfillment_center.id).on_hand += a.quantity;
        if (a.lot_number) {
          const lot = rec.lots.find((l) => l.lot_number === a.lot_number && l.location_id === r.fulfillment_center.id);
          if (lot) lot.on_hand += a.quantity;
          else rec.lots.push({ lot_number: a.lot_number, expiration_date: a.expiration_date ?? null, location_id: r.fulfillment_center.id, on_hand: a.quantity });
        }
      }
    }
    const now = this.clock.iso();
    r.arrived_date ??= now;
    r.completed_date = now;
    r.status = 'Completed';
    return r;
  }
}
