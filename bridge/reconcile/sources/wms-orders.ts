import { paginatePages } from '../../connectors/http/pagination.js';
import type { TargetHttpClient } from '../../connectors/http/http-client.js';
import type { ReconOpenOrder } from '../../odoo/contract.js';
import type { InboxStore } from '../../state/inbox-store.js';
import { referencesOf, type ShipmentInbox, type WmsOrderInfo, type WmsOrderSource, type WmsOrderStatus } from '../open-orders.js';

type Obj = Record<string, unknown>;

const SHIPBOB_STATUS: Record<string, WmsOrderStatus> = {
  Processing: 'open', ImportReview: 'open', Exception: 'exception', PartiallyFulfilled: 'partially_shipped', Fulfilled: 'shipped', Cancelled: 'cancelled',
};

/**
 * ShipBob: `GET /order?ReferenceIds=a,b,...` (up to 50 references per request, Page/Limit
 * paging). A shipment counts as shipped when it is Completed with tracking; its inbox message is
 * exactly what the shipment poller stores (`shipbob:shipment:<id>`, topic order.shipped), so a
 * shipment reconciled here and seen by the poller or the webhook is applied once.
 */
export class ShipBobOrderSource implements WmsOrderSource {
  constructor(private readonly http: TargetHttpClient, private readonly now: () => number = Date.now) {}

  async lookup(orders: ReconOpenOrder[]): Promise<Map<string, WmsOrderInfo>> {
    const out = new Map<string, WmsOrderInfo>();
    const correlationId = `recon-orders-${this.http.code}`;
    const refs = [...new Set(orders.flatMap(referencesOf))];
    for (let i = 0; i < refs.length; i += 50) {
      const chunk = refs.slice(i, i + 50);
      for await (const o of paginatePages<Obj>(this.http, { path: 'order', query: { ReferenceIds: chunk.join(',') }, limit: 250, correlationId })) {
        const ref = String(o.reference_id);
        const prev = out.get(ref);
        // Several WMS orders for one reference (a re-release after a cancel): the live one wins.
        if (prev && prev.status !== 'cancelled') continue;
        out.set(ref, this.info(o, ref));
      }
    }
    await this.followLinks(orders, out, correlationId);
    return out;
  }

  /**
   * An order amended with options.amend_strategy cancel_recreate lives on under a derived
   * reference (`<ref>-<hash>`), which a lookup by reference does not find: the reference shows
   * only the cancelled original. The Odoo link holds the live order's id: `GET /order/{id}`
   * for each released record whose reference shows nothing live and whose link names another
   * order, so an amended order is not reported cancelled_in_wms.
   */
  private async followLinks(orders: ReconOpenOrder[], out: Map<string, WmsOrderInfo>, correlationId: string): Promise<void> {
    for (const o of orders) {
      const released = o.releases?.length ? o.releases.map((r) => ({ ref: r.ref_sent, id: r.external_id })) : [{ ref: o.ref_sent || o.name, id: o.external_id }];
      for (const { ref, id } of released) {
        const seen = out.get(ref);
        if (!id || (seen && (seen.status !== 'cancelled' || seen.id === String(id)))) continue;
        const res = await this.http.request<Obj>({ method: 'GET', path: `order/${encodeURIComponent(String(id))}`, accept: [404], correlationId });
        if (res.status === 404 || !res.body) continue;
        const linked = this.info(res.body, ref);
        if (!seen || linked.status !== 'cancelled') out.set(ref, linked);
      }
    }
  }

  /** A ShipBob order as the job sees it; a shipment counts when Completed with tracking. */
  private info(o: Obj, ref: string): WmsOrderInfo {
    const raw = String(o.status);
    const shipments = ((o.shipments as Obj[] | undefined) ?? []).filter((s) => s.status === 'Completed' && s.tracking).map((s) => ({
      id: String(s.id),
      message: {
        messageId: `shipbob:shipment:${String(s.id)}`, topic: 'order.shipped',
        body: JSON.stringify({ type: 'order.shipped', timestamp: new Date(this.now()).toISOString(), data: { ...s, reference_id: s.reference_id ?? o.reference_id ?? ref } }),
      },
    }));
    return { id: String(o.id), reference: ref, rawStatus: raw, status: SHIPBOB_STATUS[raw] ?? 'open', shipments };
  }
}

const WMS_STATUS: Record<string, WmsOrderStatus> = { shipped: 'shipped', partially_shipped: 'partially_shipped', cancelled: 'cancelled' };

/** Generic WMS: `GET /orders/{reference}` per order (404 = unknown). */
export class GenericWmsOrderSource implements WmsOrderSource {
  constructor(private readonly http: TargetHttpClient, private readonly now: () => number = Date.now) {}

  async lookup(orders: ReconOpenOrder[]): Promise<Map<string, WmsOrderInfo>> {
    const out = new Map<string, WmsOrderInfo>();
    for (const ref of new Set(orders.flatMap(referencesOf))) {
      const res = await this.http.request<Obj>({ method: 'GET', path: `orders/${encodeURIComponent(ref)}`, accept: [404], correlationId: `recon-orders-${this.http.code}` });
      if (res.status === 404 || !res.body) continue;
      const o = res.body;
      const raw = String(o.status);
      const shipments = ((o.shipments as Obj[] | undefined) ?? []).map((s) => {
        const id = `recon:${ref}:shipment:${String(s.shipment_id)}`;
        const data = {
          order_reference: ref, shipment_id: s.shipment_id, carrier: s.carrier, tracking_number: s.tracking_number, shipped_at: s.shipped_at,
          ...(s.tracking_url ? { tracking_url: s.tracking_url } : {}), lines: s.lines,
        };
        return { id: String(s.shipment_id), message: { messageId: id, topic: 'shipment.shipped', body: JSON.stringify({ id, type: 'shipment.shipped', created_at: new Date(this.now()).toISOString(), data }) } };
      });
      out.set(ref, { id: ref, reference: ref, rawStatus: raw, status: WMS_STATUS[raw] ?? 'open', shipments });
    }
    return out;
  }
}

/** The inbox as the inbound path for missed shipments (one transaction per page of orders). */
export function inboxSink(store: InboxStore, source: string, preset: string, onStored?: () => void): ShipmentInbox {
  return {
    push(messages) {
      const outcomes = store.insertMany(messages.map((m) => ({ source, messageId: m.messageId, preset, topic: m.topic, via: 'poll' as const, body: m.body })));
      if (outcomes.some((o) => !o.duplicate)) onStored?.();
      return outcomes.map((o) => ({ duplicate: o.duplicate, state: o.duplicate ? (store.get(o.id)?.state ?? 'applied') : 'pending' }));
    },
  };
}
