import { z } from 'zod';
import type { Clock } from '../common/clock.js';
import { Sequence } from '../common/ids.js';
import { ShipBobError, type Location, type ShipBobStore } from './store.js';

/**
 * Warehouse receiving orders (WRO), ShipBob API 2026-01 `/receiving`. Written from ShipBob's
 * documented receiving API (1.0 -> 2026-01 keep the same shape); where the docs are silent the
 * choices are listed in docs/presets/shipbob.md ("Receiving").
 */

const int = z.number().int();
const nonEmpty = z.string().trim().min(1);

export const PACKAGE_TYPES = ['Package', 'Pallet', 'FloorLoadedContainer'] as const;
export const BOX_PACKAGING_TYPES = ['EverythingInOneBox', 'OneSkuPerBox', 'MultipleSkuPerBox'] as const;

export const boxItemInput = z
  .object({
    quantity: int.min(1),
    inventory_id: int.positive().optional(),
    /** Accepted by the 2026-01 API instead of inventory_id (resolved to the inventory item). */
    sku: nonEmpty.optional(),
    lot_number: z.string().max(100).optional().nullable(),
    lot_date: z.iso.datetime({ offset: true }).optional().nullable(),
  })
  .refine((b) => b.inventory_id !== undefined || b.sku !== undefined, { message: 'Either inventory_id or sku must be provided.', path: ['inventory_id'] });

export const receivingCreate = z.object({
  fulfillment_center: z.object({ id: int.positive() }),
  package_type: z.enum(PACKAGE_TYPES),
  box_packaging_type: z.enum(BOX_PACKAGING_TYPES),
  boxes: z.array(z.object({ tracking_number: nonEmpty.max(100), box_items: z.array(boxItemInput).min(1) })).min(1),
  expected_arrival_date: z.iso.datetime({ offset: true }),
  purchase_order_number: z.string().max(100).optional().nullable(),
});

export type WroStatus = 'Awaiting' | 'Arrived' | 'PartiallyArrived' | 'Processing' | 'Completed' | 'Incomplete' | 'Cancelled';

export interface WroBoxItem {
  inventory_id: number;
  sku: string;
  quantity: number;
  received_quantity: number;
  stowed_quantity: number;
  lot_number: string | null;
  lot_date: string | null;
}

export interface WroBox {
  box_id: number;
  box_number: number;
  box_status: 'Awaiting' | 'Arrived' | 'Completed' | 'Cancelled';
  tracking_number: string;
  arrived_date: string | null;
  received_date: string | null;
  box_items: WroBoxItem[];
}

export interface Wro {
  id: number;
  channel_id: number;
  purchase_order_number: string | null;
  status: WroStatus;
  package_type: (typeof PACKAGE_TYPES)[number];
  box_packaging_type: (typeof BOX_PACKAGING_TYPES)[number];
  expected_arrival_date: string;
  insert_date: string;
  last_updated_date: string;
  completed_date: string | null;
  fulfillment_center: Location;
  boxes: WroBox[];
  status_history: Array<{ id: number; status: WroStatus; timestamp: string }>;
}

export interface ReceiveInput {
  /** Without lines everything announced is received as announced. */
  lines?: Array<{ sku: string; quantity: number; lots?: Array<{ lot_number: string; lot_date?: string | null; quantity: number }> }>;
}

export class ReceivingStore {
  wros: Wro[] = [];
  private readonly ids = new Sequence(60000);
  private readonly boxIds = new Sequence(1);
  private readonly historyIds = new Sequence(1);

  constructor(private readonly store: ShipBobStore, private readonly clock: Clock) {}

  reset(): void {
    this.wros = [];
    this.ids.reset();
    this.boxIds.reset();
    this.historyIds.reset();
  }

  find(id: number): Wro | undefined {
    return this.wros.find((w) => w.id === id);
  }

  private setStatus(w: Wro, status: WroStatus): void {
    const now = this.clock.iso();
    w.status = status;
    w.last_updated_date = now;
    w.status_history.push({ id: this.historyIds.next(), status, timestamp: now });
  }

  create(channelId: number, input: z.output<typeof receivingCreate>): Wro {
    const fc = this.store.location(input.fulfillment_center.id);
    const errors: Record<string, string[]> = {};
    const boxes: WroBox[] = input.boxes.map((b, bi) => ({
      box_id: this.boxIds.next(),
      box_number: bi + 1,
      box_status: 'Awaiting',
      tracking_number: b.tracking_number,
      arrived_date: null,
      received_date: null,
      box_items: b.box_items.map((it, ii) => {
        const rec = it.inventory_id !== undefined ? this.store.inventory.find((x) => x.inventory_id === it.inventory_id) : this.store.inventoryBySku(it.sku!);
        if (!rec) {
          errors[`boxes[${bi}].box_items[${ii}].${it.inventory_id !== undefined ? 'inventory_id' : 'sku'}`] = [`Inventory item '${it.inventory_id ?? it.sku}' does not exist.`];
          return undefined as unknown as WroBoxItem;
        }
        if (rec.is_lot && !it.lot_number) errors[`boxes[${bi}].box_items[${ii}].lot_number`] = [`Inventory item '${rec.sku}' is lot tracked: lot_number is required.`];
        return { inventory_id: rec.inventory_id, sku: rec.sku, quantity: it.quantity, received_quantity: 0, stowed_quantity: 0, lot_number: it.lot_number ?? null, lot_date: it.lot_date ?? null };
      }),
    }));
    if (input.box_packaging_type === 'OneSkuPerBox') {
      input.boxes.forEach((_b, bi) => {
        if (new Set(boxes[bi]!.box_items.filter(Boolean).map((x) => x.inventory_id)).size > 1) errors[`boxes[${bi}].box_items`] = ['OneSkuPerBox allows a single inventory item per box.'];
      });
    }
    if (input.box_packaging_type === 'EverythingInOneBox' && input.boxes.length > 1) errors['boxes'] = ['EverythingInOneBox allows one box.'];
    if (Object.keys(errors).length) throw new ShipBobError(422, errors, 'invalid receiving order');
    const now = this.clock.iso();
    const w: Wro = {
      id: this.ids.next(),
      channel_id: channelId,
      purchase_order_number: input.purchase_order_number ?? null,
      status: 'Awaiting',
      package_type: input.package_type,
      box_packaging_type: input.box_packaging_type,
      expected_arrival_date: input.expected_arrival_date,
      insert_date: now,
      last_updated_date: now,
      completed_date: null,
      fulfillment_center: fc,
      boxes,
      status_history: [{ id: this.historyIds.next(), status: 'Awaiting', timestamp: now }],
    };
    this.wros.push(w);
    for (const b of boxes) for (const it of b.box_items) {
      const rec = this.store.inventory.find((x) => x.inventory_id === it.inventory_id)!;
      this.store.stockAt(rec, fc.id).awaiting += it.quantity;
    }
    return w;
  }

  cancel(w: Wro): void {
    if (w.status === 'Cancelled') return;
    if (w.status !== 'Awaiting') throw new ShipBobError(422, { status: [`A receiving order in status '${w.status}' cannot be cancelled.`] }, 'not cancellable');
    for (const b of w.boxes) {
      b.box_status = 'Cancelled';
      for (const it of b.box_items) {
        const rec = this.store.inventory.find((x) => x.inventory_id === it.inventory_id)!;
        const s = this.store.stockAt(rec, w.fulfillment_center.id);
        s.awaiting = Math.max(0, s.awaiting - it.quantity);
      }
    }
    this.setStatus(w, 'Cancelled');
  }

  arrive(w: Wro): Wro {
    if (w.status !== 'Awaiting') throw new ShipBobError(422, undefined, `receiving order ${w.id} is ${w.status}`);
    const now = this.clock.iso();
    for (const b of w.boxes) { b.box_status = 'Arrived'; b.arrived_date = now; }
    this.setStatus(w, 'Arrived');
    return w;
  }

  /**
   * The warehouse counts and stows: received quantities per SKU (and lot) are spread over the
   * announced box items; inventory on hand grows (per lot), awaiting shrinks. Status Completed.
   */
  complete(w: Wro, input: ReceiveInput = {}): Wro {
    if (w.status === 'Completed' || w.status === 'Cancelled') throw new ShipBobError(422, undefined, `receiving order ${w.id} is ${w.status}`);
    const items = w.boxes.flatMap((b) => b.box_items);
    const now = this.clock.iso();
    const lines = input.lines ?? items.map((it) => ({ sku: it.sku, quantity: it.quantity, lots: it.lot_number ? [{ lot_number: it.lot_number, lot_date: it.lot_date, quantity: it.quantity }] : undefined }));
    for (const l of lines) {
      const mine = items.filter((it) => it.sku.toLowerCase() === l.sku.toLowerCase());
      if (!mine.length) throw new ShipBobError(422, { sku: [`SKU '${l.sku}' is not on receiving order ${w.id}.`] }, 'sku');
      const lots = l.lots?.length ? l.lots : [{ lot_number: mine[0]!.lot_number ?? '', lot_date: mine[0]!.lot_date, quantity: l.quantity }];
      for (const lot of lots) {
        // The received lot goes onto the box item announced with that lot, else onto the first item
        // of the SKU (a lot the merchant did not announce is added as a new box item).
        let it = mine.find((x) => (x.lot_number ?? '') === lot.lot_number);
        if (!it) {
          const box = w.boxes.find((b) => b.box_items.includes(mine[0]!))!;
          it = { ...mine[0]!, quantity: 0, received_quantity: 0, stowed_quantity: 0, lot_number: lot.lot_number || null, lot_date: lot.lot_date ?? null };
          box.box_items.push(it);
        }
        it.received_quantity += lot.quantity;
        it.stowed_quantity += lot.quantity;
        const rec = this.store.inventory.find((x) => x.inventory_id === it.inventory_id)!;
        const s = this.store.stockAt(rec, w.fulfillment_center.id);
        s.on_hand += lot.quantity;
        if (lot.lot_number) {
          const have = rec.lots.find((x) => x.lot_number === lot.lot_number && x.location_id === w.fulfillment_center.id);
          if (have) have.on_hand += lot.quantity;
          else rec.lots.push({ lot_number: lot.lot_number, expiration_date: lot.lot_date ?? null, location_id: w.fulfillment_center.id, on_hand: lot.quantity });
        }
      }
    }
    for (const it of items) {
      const rec = this.store.inventory.find((x) => x.inventory_id === it.inventory_id)!;
      const s = this.store.stockAt(rec, w.fulfillment_center.id);
      s.awaiting = Math.max(0, s.awaiting - it.quantity);
    }
    for (const b of w.boxes) { b.box_status = 'Completed'; b.received_date = now; b.arrived_date ??= now; }
    w.completed_date = now;
    this.setStatus(w, 'Completed');
    return w;
  }
}

/** ShipBob's WRO representation (GET /receiving/{id}). */
export function wroJson(w: Wro) {
  const byInv = new Map<number, { inventory_id: number; sku: string; expected_quantity: number; received_quantity: number; stowed_quantity: number }>();
  for (const it of w.boxes.flatMap((b) => b.box_items)) {
    const q = byInv.get(it.inventory_id) ?? { inventory_id: it.inventory_id, sku: it.sku, expected_quantity: 0, received_quantity: 0, stowed_quantity: 0 };
    q.expected_quantity += it.quantity;
    q.received_quantity += it.received_quantity;
    q.stowed_quantity += it.stowed_quantity;
    byInv.set(it.inventory_id, q);
  }
  return {
    id: w.id,
    purchase_order_number: w.purchase_order_number,
    status: w.status,
    package_type: w.package_type,
    box_packaging_type: w.box_packaging_type,
    expected_arrival_date: w.expected_arrival_date,
    insert_date: w.insert_date,
    last_updated_date: w.last_updated_date,
    box_labels_uri: `https://shipbob.example/receiving/${w.id}/labels.pdf`,
    fulfillment_center: { id: w.fulfillment_center.id, name: w.fulfillment_center.name },
    inventory_quantities: [...byInv.values()],
    status_history: w.status_history,
  };
}

/** GET /receiving/{id}/boxes. */
export function wroBoxesJson(w: Wro) {
  return w.boxes.map((b) => ({
    box_id: b.box_id,
    box_number: b.box_number,
    box_status: b.box_status,
    tracking_number: b.tracking_number,
    arrived_date: b.arrived_date,
    received_date: b.received_date,
    box_items: b.box_items.map((it) => ({
      inventory_id: it.inventory_id,
      sku: it.sku,
      quantity: it.quantity,
      received_quantity: it.received_quantity,
      stowed_quantity: it.stowed_quantity,
      lot_number: it.lot_number,
      lot_date: it.lot_date,
    })),
  }));
}
