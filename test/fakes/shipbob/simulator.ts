import type { WebhookDelivery } from '../common/webhooks.js';
import type { ShipBobContext } from './context.js';
import { returnJson, shipmentJson } from './serialize.js';
import { ShipBobError, type Return, type Shipment, type ShipInput } from './store.js';

export type { ShipInput };

export interface EmitOptions {
  /** Extra identical deliveries (same webhook-id). */
  duplicates?: number;
  /** Do not send a webhook (the bridge must find out by polling). */
  silent?: boolean;
}

/** What the warehouse does on its own: ship, deliver, hold, returns, stock. Drives the webhooks. */
export class ShipBobSimulator {
  constructor(private readonly ctx: ShipBobContext) {}

  private async maybeEmit(topic: Parameters<ShipBobContext['webhooks']['emit']>[0], data: unknown, o: EmitOptions): Promise<WebhookDelivery[]> {
    if (o.silent) return [];
    return this.ctx.webhooks.emit(topic, data, o.duplicates === undefined ? {} : { duplicates: o.duplicates });
  }

  private shipment(id: number): Shipment {
    const f = this.ctx.store.findShipment(id);
    if (!f) throw new ShipBobError(404, undefined, `shipment ${id} not found`);
    return f.shipment;
  }

  private ret(id: number): Return {
    const r = this.ctx.store.returns.find((x) => x.id === id);
    if (!r) throw new ShipBobError(404, undefined, `return ${id} not found`);
    return r;
  }

  async ship(orderId: number, input: ShipInput = {}, o: EmitOptions = {}): Promise<{ shipment: ReturnType<typeof shipmentJson>; deliveries: WebhookDelivery[] }> {
    const order = this.ctx.store.orders.find((x) => x.id === orderId);
    if (!order) throw new ShipBobError(404, undefined, `order ${orderId} not found`);
    const s = this.ctx.store.ship(order, input);
    const json = shipmentJson(s);
    return { shipment: json, deliveries: await this.maybeEmit('order.shipped', json, o) };
  }

  /**
   * The warehouse works on a shipment (ShipBob status reference: status Processing with status
   * detail Picked 100 / Packed 101 / Labeled 102). ShipBob sends no webhook for these: the
   * bridge sees them by polling the order's shipments.
   */
  progress(shipmentId: number, step: 'Picked' | 'Packed' | 'Labeled') {
    const s = this.shipment(shipmentId);
    if (s.status !== 'Processing') throw new ShipBobError(422, undefined, `shipment ${shipmentId} is ${s.status}`);
    const text = { Picked: 'Picking Completed', Packed: 'Packing Completed', Labeled: 'Label Generated' }[step];
    s.status_details = [{ name: step, description: text }];
    s.last_update_at = this.ctx.clock.iso();
    return shipmentJson(s);
  }

  async deliver(shipmentId: number, o: EmitOptions = {}) {
    const s = this.shipment(shipmentId);
    s.delivery_date = this.ctx.clock.iso();
    s.status_details = [{ name: 'Delivered', description: 'Delivered to recipient' }];
    s.last_update_at = s.delivery_date;
    return { shipment: shipmentJson(s), deliveries: await this.maybeEmit('order.shipment.delivered', shipmentJson(s), o) };
  }

  async exception(shipmentId: number, reason = 'OutOfStock', o: EmitOptions = {}) {
    const s = this.shipment(shipmentId);
    s.status = 'Exception';
    s.status_details = [{ name: reason, description: `Shipment exception: ${reason}` }];
    s.last_update_at = this.ctx.clock.iso();
    const f = this.ctx.store.findShipment(shipmentId)!;
    this.ctx.store.refreshStatus(f.order);
    return { shipment: shipmentJson(s), deliveries: await this.maybeEmit('order.shipment.exception', shipmentJson(s), o) };
  }

  async onHold(shipmentId: number, reason = 'AddressValidation', o: EmitOptions = {}) {
    const s = this.shipment(shipmentId);
    s.status = 'OnHold';
    s.status_details = [{ name: reason, description: `Shipment on hold: ${reason}` }];
    s.last_update_at = this.ctx.clock.iso();
    return { shipment: shipmentJson(s), deliveries: await this.maybeEmit('order.shipment.on_hold', shipmentJson(s), o) };
  }

  /**
   * The merchant or ShipBob resolves a hold or an exception (address fixed, stock arrived): the
   * shipment is Processing again, with no status detail until the next warehouse step. ShipBob
   * sends no webhook for it: the bridge sees it by polling.
   */
  releaseHold(shipmentId: number) {
    const s = this.shipment(shipmentId);
    if (s.status !== 'OnHold' && s.status !== 'Exception') throw new ShipBobError(422, undefined, `shipment ${shipmentId} is ${s.status}, not on hold`);
    s.status = 'Processing';
    s.status_details = [];
    s.last_update_at = this.ctx.clock.iso();
    this.ctx.store.refreshStatus(this.ctx.store.findShipment(shipmentId)!.order);
    return shipmentJson(s);
  }

  /** The customer sends goods back (return created in ShipBob's merchant app). */
  async createReturn(
    input: { order_id?: number; shipment_id?: number; reference_id?: string; location_id?: number; tracking_number?: string; lines: Array<{ sku: string; quantity: number; action?: string }> },
    o: EmitOptions = {},
  ) {
    const store = this.ctx.store;
    let order = input.order_id !== undefined ? store.orders.find((x) => x.id === input.order_id) : undefined;
    let shipmentId: number | null = input.shipment_id ?? null;
    if (input.shipment_id !== undefined) order = store.findShipment(input.shipment_id)?.order;
    if ((input.order_id !== undefined || input.shipment_id !== undefined) && !order) throw new ShipBobError(404, undefined, 'order/shipment not found');
    if (order && shipmentId === null) shipmentId = order.shipments.find((s) => s.status === 'Completed')?.id ?? null;
    const lines = input.lines.map((l) => {
      const rec = store.inventoryBySku(l.sku);
      if (!rec) throw new ShipBobError(422, { sku: [`Unknown SKU '${l.sku}'.`] }, 'sku');
      return { rec, quantity: l.quantity, action: l.action ?? 'Default' };
    });
    const channel = order?.channel ?? store.channels[0]!;
    const r = store.addReturn(
      channel,
      store.location(input.location_id ?? order?.location_id),
      input.reference_id ?? `RMA-${store.returns.length + 1}`,
      order,
      shipmentId,
      input.tracking_number ?? null,
      lines,
    );
    this.ctx.ledger.effect('create', 'return', r.reference_id, String(r.id));
    return { return: returnJson(r), deliveries: await this.maybeEmit('return.created', returnJson(r), o) };
  }

  async arriveReturn(id: number, o: EmitOptions = {}) {
    const r = this.ret(id);
    r.status = 'Arrived';
    r.arrived_date = this.ctx.clock.iso();
    return { return: returnJson(r), deliveries: await this.maybeEmit('return.updated', returnJson(r), o) };
  }

  async completeReturn(
    id: number,
    actions?: Array<{ sku: string; quantity: number; action: 'Restock' | 'Quarantine' | 'Dispose'; reason?: string; lot_number?: string; expiration_date?: string | null }>,
    o: EmitOptions = {},
  ) {
    const r = this.ctx.store.completeReturn(this.ret(id), actions);
    return { return: returnJson(r), deliveries: await this.maybeEmit('return.completed', returnJson(r), o) };
  }
}
