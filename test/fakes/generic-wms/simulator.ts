import type { WebhookDelivery } from '../common/webhooks.js';
import type { WmsContext } from './routes.js';
import type { StockRow, WmsShipment } from './store.js';

export class WmsSimError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** What happens on the warehouse floor: picking, shipping (full, partial, substitutes, lots, serials), returns, stock. */
export class WmsSimulator {
  constructor(private readonly ctx: WmsContext) {}

  private order(reference: string) {
    const o = this.ctx.store.orders.get(reference);
    if (!o) throw new WmsSimError(404, `order ${reference} not found`);
    return o;
  }

  startPicking(reference: string) {
    const o = this.order(reference);
    if (o.status !== 'open') throw new WmsSimError(409, `order ${reference} is ${o.status}`);
    o.status = 'picking';
    return this.ctx.store.orderJson(o);
  }

  async ship(
    reference: string,
    input: {
      lines?: Array<{ line_ref: string; quantity: number; sku?: string; lots?: Array<{ lot: string; quantity: number; expiry?: string | null }>; serials?: string[] }>;
      carrier?: string;
      tracking_number?: string;
      tracking_url?: string;
      duplicates?: number;
    } = {},
  ): Promise<{ shipment: WmsShipment; deliveries: WebhookDelivery[] }> {
    const o = this.order(reference);
    if (o.status === 'cancelled' || o.status === 'shipped') throw new WmsSimError(409, `order ${reference} is ${o.status}`);
    const wanted =
      input.lines ??
      o.body.lines.map((l) => ({ line_ref: l.line_ref, quantity: l.quantity - (o.shipped.get(l.line_ref) ?? 0) })).filter((l) => l.quantity > 0);
    const shipment: WmsShipment = {
      shipment_id: this.ctx.store.nextShipmentId(),
      carrier: input.carrier ?? 'DHL',
      tracking_number: input.tracking_number ?? `JD${Date.now()}`,
      tracking_url: input.tracking_url ?? null,
      shipped_at: this.ctx.clock.iso(),
      lines: wanted.map((w) => {
        const line = o.body.lines.find((l) => l.line_ref === w.line_ref);
        if (!line) throw new WmsSimError(422, `order ${reference} has no line ${w.line_ref}`);
        const left = line.quantity - (o.shipped.get(line.line_ref) ?? 0);
        if (w.quantity > left) throw new WmsSimError(422, `line ${w.line_ref}: only ${left} left to ship`);
        const sw = w as { sku?: string; lots?: Array<{ lot: string; quantity: number; expiry?: string | null }>; serials?: string[] };
        return {
          line_ref: line.line_ref,
          sku: sw.sku ?? line.sku,
          quantity: w.quantity,
          lots: (sw.lots ?? []).map((l) => ({ lot: l.lot, quantity: l.quantity, expiry: l.expiry ?? null })),
          serials: sw.serials ?? [],
        };
      }),
    };
    for (const l of shipment.lines) o.shipped.set(l.line_ref, (o.shipped.get(l.line_ref) ?? 0) + l.quantity);
    o.shipments.push(shipment);
    this.ctx.store.refresh(o);
    const deliveries = await this.ctx.webhooks.emit('shipment.shipped', { order_reference: reference, order_status: o.status, ...shipment }, input.duplicates === undefined ? {} : { duplicates: input.duplicates });
    return { shipment, deliveries };
  }

  async receiveReturn(input: {
    order_reference?: string;
    return_id?: string;
    lines: Array<{ sku: string; quantity: number; condition?: 'resaleable' | 'damaged'; disposition?: 'restock' | 'quarantine' | 'scrap'; lot?: string }>;
    duplicates?: number;
  }) {
    if (input.order_reference) this.order(input.order_reference);
    const data = {
      return_id: input.return_id ?? `RET-${Date.now()}`,
      order_reference: input.order_reference ?? null,
      received_at: this.ctx.clock.iso(),
      lines: input.lines.map((l) => ({ sku: l.sku, quantity: l.quantity, condition: l.condition ?? 'resaleable', disposition: l.disposition ?? 'restock', lot: l.lot ?? null })),
    };
    for (const l of data.lines.filter((x) => x.disposition === 'restock')) {
      const row = this.ctx.store.stock.find((s) => s.sku === l.sku && s.lot === l.lot);
      if (row) row.on_hand += l.quantity;
      else this.ctx.store.stock.push({ sku: l.sku, location: 'MAIN', lot: l.lot, expiry: null, on_hand: l.quantity, reserved: 0 });
    }
    this.ctx.ledger.effect('create', 'return', data.return_id, data.return_id);
    return { return: data, deliveries: await this.ctx.webhooks.emit('return.received', data, input.duplicates === undefined ? {} : { duplicates: input.duplicates }) };
  }

  setStock(rows: Array<Partial<StockRow> & { sku: string; on_hand: number }>): StockRow[] {
    for (const r of rows) {
      const row: StockRow = { sku: r.sku, location: r.location ?? 'MAIN', lot: r.lot ?? null, expiry: r.expiry ?? null, on_hand: r.on_hand, reserved: r.reserved ?? 0 };
      const i = this.ctx.store.stock.findIndex((s) => s.sku === row.sku && s.location === row.location && s.lot === row.lot);
      if (i >= 0) this.ctx.store.stock[i] = row;
      else this.ctx.store.stock.push(row);
    }
    return this.ctx.store.stock;
  }
}
