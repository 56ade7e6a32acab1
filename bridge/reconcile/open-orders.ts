import type { ReconLine, ReconOpenOrder, ReconOutcome, ReconPage } from '../odoo/contract.js';
import { paged } from './merge-join.js';
import type { ReconRun } from './run.js';

/**
 * Open-order reconciliation: the orders Odoo released and still shows open (plus the ones Odoo
 * cancelled after release), page by page, each page looked up in the WMS in one batched read
 * (ShipBob `GET /order?ReferenceIds=...`): a lookup join driven by Odoo's bounded list of open
 * orders, so the WMS's whole order history is never walked.
 *
 * Per order:
 *   released, the WMS has no such order           older than sla_hours.acknowledge -> missing_in_target (stage unacknowledged); else matched (within SLA)
 *   the WMS has it, not shipped, not cancelled     older than sla_hours.ship (when set) -> mismatch (stage not_shipped); else matched
 *   the WMS shipped, Odoo still open               each shipment not yet applied is pushed into the inbound path (the inbox,
 *                                                  same message id as the webhook/poller, so it is applied once) -> missing_in_odoo
 *                                                  (stage shipped_not_in_odoo, repair pushed_to_inbox); a shipment already pending
 *                                                  there -> in_flight_explained; fully shipped in the WMS and every shipment already
 *                                                  applied, yet Odoo open -> mismatch (stage shipped_not_applied)
 *   the WMS cancelled, Odoo open                   mismatch (stage cancelled_in_wms)
 *   Odoo cancelled, the WMS still open / shipped   mismatch (stage cancel_not_applied / shipped_after_cancel)
 */

export type WmsOrderStatus = 'open' | 'partially_shipped' | 'shipped' | 'cancelled' | 'exception';

export interface WmsShipmentInfo {
  id: string;
  /** The inbox message for this shipment (preset, topic, message id, body) as the webhook/poller would store it. */
  message: { messageId: string; topic: string; body: string };
}

export interface WmsOrderInfo {
  id: string;
  reference: string;
  status: WmsOrderStatus;
  rawStatus: string;
  shipments: WmsShipmentInfo[];
}

export interface WmsOrderSource {
  /** The WMS's orders for these Odoo orders, by reference (`ref_sent`, else the order name). */
  lookup(orders: ReconOpenOrder[]): Promise<Map<string, WmsOrderInfo>>;
}

/** The inbound path: stores missed shipments in the inbox (deduplicated by message id). */
export interface ShipmentInbox {
  push(messages: Array<{ messageId: string; topic: string; body: string }>): Array<{ duplicate: boolean; state: string }>;
}

export type OdooOpenOrderPages = (afterId: number | false, limit: number) => Promise<ReconPage<ReconOpenOrder, number>>;

export interface OpenOrdersOptions {
  slaHours: { acknowledge: number; ship?: number };
  pageSize: number;
  pushMissedShipments: boolean;
  now?: () => number;
}

/** The references the WMS knows the order by: each released record's name (order or deliveries). */
export function referencesOf(o: ReconOpenOrder): string[] {
  const refs = (o.releases ?? []).map((r) => r.ref_sent).filter((r): r is string => typeof r === 'string' && r !== '');
  return refs.length > 0 ? [...new Set(refs)] : [o.ref_sent || o.name];
}

/** Several WMS orders of one Odoo order (one per released delivery) seen as one. */
export function combine(infos: WmsOrderInfo[]): WmsOrderInfo | undefined {
  if (infos.length <= 1) return infos[0];
  const st = infos.map((i) => i.status);
  const status: WmsOrderStatus = st.every((s) => s === 'cancelled') ? 'cancelled'
    : st.every((s) => s === 'shipped' || s === 'cancelled') ? 'shipped'
      : st.includes('exception') ? 'exception'
        : st.some((s) => s === 'shipped' || s === 'partially_shipped') ? 'partially_shipped' : 'open';
  return { id: infos.map((i) => i.id).join(','), reference: infos.map((i) => i.reference).join(','), rawStatus: infos.map((i) => i.rawStatus).join(','), status, shipments: infos.flatMap((i) => i.shipments) };
}

const odooTime = (v: string | false): number => (v ? Date.parse(`${v.replace(' ', 'T')}Z`) : Number.NaN);

export class OpenOrdersJob {
  constructor(private readonly deps: { odooPages: OdooOpenOrderPages; wms: WmsOrderSource; inbox?: ShipmentInbox }, private readonly opts: OpenOrdersOptions) {}

  async run(run: ReconRun): Promise<void> {
    let page: ReconOpenOrder[] = [];
    const flush = async () => {
      if (page.length === 0) return;
      const found = await this.deps.wms.lookup(page);
      for (const o of page) {
        const refs = referencesOf(o);
        const infos = refs.map((r) => found.get(r)).filter((x): x is WmsOrderInfo => x !== undefined);
        await run.line(this.classify(run, o, combine(infos), refs.filter((r) => !found.has(r))));
      }
      page = [];
    };
    for await (const o of paged<ReconOpenOrder, number>((after) => this.deps.odooPages(after, this.opts.pageSize))) {
      run.bump('compared');
      page.push(o);
      if (page.length >= this.opts.pageSize) await flush();
    }
    await flush();
  }

  private classify(run: ReconRun, o: ReconOpenOrder, w: WmsOrderInfo | undefined, unknownRefs: string[] = []): ReconLine {
    const now = (this.opts.now ?? Date.now)();
    const ageHours = (now - odooTime(o.released_at)) / 3_600_000;
    const line = (outcome: ReconOutcome, stage: string, extra: Record<string, unknown> = {}): ReconLine => ({
      key: `order:${o.order_id}`, outcome, model: 'sale.order', res_id: o.order_id, ref: o.name,
      value_odoo: o.cancelled_in_odoo ? 'cancelled' : o.state, value_target: w ? w.rawStatus : 'absent',
      details: { stage, ...(Number.isFinite(ageHours) ? { released_hours_ago: Math.round(ageHours * 10) / 10 } : {}), ...(w ? { wms_id: w.id } : {}), references: referencesOf(o), ...extra },
    });
    if (o.cancelled_in_odoo) {
      if (!w || w.status === 'cancelled') return line('matched', 'cancelled');
      if (w.status === 'shipped' || w.status === 'partially_shipped') return line('mismatch', 'shipped_after_cancel');
      return line('mismatch', 'cancel_not_applied');
    }
    if (!w) {
      if (Number.isFinite(ageHours) && ageHours > this.opts.slaHours.acknowledge) return line('missing_in_target', 'unacknowledged', { sla_hours: this.opts.slaHours.acknowledge });
      return line('matched', 'awaiting_acknowledgement');
    }
    if (w.status === 'cancelled') return line('mismatch', 'cancelled_in_wms');
    if (unknownRefs.length > 0 && Number.isFinite(ageHours) && ageHours > this.opts.slaHours.acknowledge && w.shipments.length === 0) {
      return line('missing_in_target', 'unacknowledged', { sla_hours: this.opts.slaHours.acknowledge, unknown_references: unknownRefs });
    }
    if (w.shipments.length > 0) {
      if (!this.opts.pushMissedShipments || !this.deps.inbox || run.dryRun) {
        return line('missing_in_odoo', 'shipped_not_in_odoo', { shipments: w.shipments.map((s) => s.id), repair: run.dryRun ? 'dry_run' : 'none' });
      }
      const results = this.deps.inbox.push(w.shipments.map((s) => s.message)).map((r, i) => ({ id: w.shipments[i]!.id, ...r }));
      const pushed = results.filter((r) => !r.duplicate).map((r) => r.id);
      const pending = results.filter((r) => r.duplicate && r.state === 'pending').map((r) => r.id);
      if (pushed.length > 0) {
        run.bump('shipments_pushed', pushed.length);
        return line('missing_in_odoo', 'shipped_not_in_odoo', { shipments: pushed, repair: 'pushed_to_inbox' });
      }
      if (pending.length > 0) return line('in_flight_explained', 'shipment_in_inbox', { shipments: pending });
      if (w.status === 'shipped') {
        return line('mismatch', 'shipped_not_applied', { shipments: results.map((r) => r.id), inbox_states: results.map((r) => r.state) });
      }
      // Partly shipped and Odoo has every shipment so far: the rest is still open in both.
    }
    if (this.opts.slaHours.ship !== undefined && Number.isFinite(ageHours) && ageHours > this.opts.slaHours.ship) {
      return line('mismatch', 'not_shipped', { sla_hours: this.opts.slaHours.ship });
    }
    return line('matched', w.status === 'partially_shipped' ? 'partially_shipped' : 'open');
  }
}
