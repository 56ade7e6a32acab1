import type { z } from 'zod';
import type { Clock } from '../common/clock.js';
import type { customerBody, itemBody, orderBody } from './schemas.js';

export type OrderBody = z.output<typeof orderBody>;
export type OrderStatus = 'open' | 'picking' | 'partially_shipped' | 'shipped' | 'cancelled';

export interface WmsShipmentLine {
  line_ref: string;
  sku: string;
  quantity: number;
  lots: Array<{ lot: string; quantity: number; expiry: string | null }>;
  serials: string[];
}

export interface WmsShipment {
  shipment_id: string;
  carrier: string;
  tracking_number: string;
  tracking_url: string | null;
  shipped_at: string;
  lines: WmsShipmentLine[];
}

export interface WmsOrder {
  reference: string;
  status: OrderStatus;
  version: number;
  body: OrderBody;
  created_at: string;
  updated_at: string;
  shipped: Map<string, number>;
  shipments: WmsShipment[];
}

export interface StockRow {
  sku: string;
  location: string;
  lot: string | null;
  expiry: string | null;
  on_hand: number;
  reserved: number;
}

export class WmsStore {
  orders = new Map<string, WmsOrder>();
  items = new Map<string, z.output<typeof itemBody> & { sku: string; updated_at: string }>();
  customers = new Map<string, z.output<typeof customerBody> & { ref: string; updated_at: string }>();
  stock: StockRow[] = [];
  private shipmentSeq = 1;

  constructor(private readonly clock: Clock) {}

  reset(): void {
    this.orders.clear();
    this.items.clear();
    this.customers.clear();
    this.stock = [];
    this.shipmentSeq = 1;
  }

  nextShipmentId(): string {
    return `SHP-${String(this.shipmentSeq++).padStart(6, '0')}`;
  }

  orderJson(o: WmsOrder) {
    return {
      reference: o.reference,
      status: o.status,
      version: o.version,
      ...o.body,
      lines: o.body.lines.map((l) => ({ ...l, shipped_quantity: o.shipped.get(l.line_ref) ?? 0 })),
      shipments: o.shipments,
      created_at: o.created_at,
      updated_at: o.updated_at,
    };
  }

  refresh(o: WmsOrder): void {
    if (o.status === 'cancelled') return;
    const total = o.body.lines.reduce((a, l) => a + l.quantity, 0);
    const shipped = o.body.lines.reduce((a, l) => a + Math.min(l.quantity, o.shipped.get(l.line_ref) ?? 0), 0);
    if (shipped >= total) o.status = 'shipped';
    else if (shipped > 0) o.status = 'partially_shipped';
    o.updated_at = this.clock.iso();
  }
}

/** Canonical JSON (sorted keys) to compare an incoming order with the stored one. */
export function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object')
    return `{${Object.keys(v)
      .sort()
      .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(v);
}
