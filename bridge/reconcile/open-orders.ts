import type { ReconLine, ReconOpenOrder, ReconOpenReceipt, ReconOutcome, ReconPage } from '../odoo/contract.js';
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
export type OdooOpenReceiptPages = (afterId: number | false, limit: number) => Promise<ReconPage<ReconOpenReceipt, number>>;

/**
 * Stage SLAs in hours, per event type (`reconcile.targets.<code>.open_orders.sla_hours`); a stage
 * whose SLA is unset is not checked (cancel: reported at once).
 */
export interface OpenOrdersSla {
  /** Release: the WMS has no order this long after the release was delivered. */
  acknowledge: number;
  /** Amendment: not acknowledged (delivered) this long after it was made. */
  amend?: number;
  /** Odoo cancelled: the WMS order still open this long after the cancel was asked. */
  cancel?: number;
  /** Released, not shipped this long after the release. */
  ship?: number;
  /** Receipt (ASN delivered): not received this long after its scheduled date. */
  receive?: number;
}

export interface OpenOrdersOptions {
  slaHours: OpenOrdersSla;
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

const odooTime = (v: string | false | undefined): number => (v ? Date.parse(`${v.replace(' ', 'T')}Z`) : Number.NaN);
/** Odoo's UTC datetime format, as in the other timestamps of the details. */
const odooFormat = (ms: number): string => new Date(ms).toISOString().replace('T', ' ').slice(0, 19);
const HOUR = 3_600_000;

/** An SLA checked at `now`: both timestamps (the event's and the check's), the deadline, breached or not. */
export interface SlaCheck { breached: boolean; details: Record<string, unknown> }

/** `since` + `hours` against `now`; undefined when the SLA is unset or the event time unknown. */
export function slaCheck(event: string, since: string | false | undefined, hours: number | undefined, now: number): SlaCheck | undefined {
  const t = odooTime(since);
  if (hours === undefined || !Number.isFinite(t)) return undefined;
  const deadline = t + hours * HOUR;
  return { breached: now > deadline, details: { sla_event: event, sla_hours: hours, since: odooFormat(t), deadline: odooFormat(deadline), checked_at: odooFormat(now) } };
}

export class OpenOrdersJob {
  constructor(private readonly deps: { odooPages: OdooOpenOrderPages; wms: WmsOrderSource; inbox?: ShipmentInbox; odooReceipts?: OdooOpenReceiptPages }, private readonly opts: OpenOrdersOptions) {}

  async run(run: ReconRun): Promise<void> {
    let page: ReconOpenOrder[] = [];
    const flush = async () => {
      if (page.length === 0) return;
      const found = await this.deps.wms.lookup(page);
      for (const o of page) {
        const refs = referencesOf(o);
        const infos = refs.map((r) => found.get(r)).filter((x): x is WmsOrderInfo => x !== undefined);
        const w = combine(infos);
        await run.line(this.classify(run, o, w, refs.filter((r) => !found.has(r))));
        const amend = this.amendBreach(o, w);
        if (amend) await run.line(amend);
      }
      page = [];
    };
    for await (const o of paged<ReconOpenOrder, number>((after) => this.deps.odooPages(after, this.opts.pageSize))) {
      run.bump('compared');
      page.push(o);
      if (page.length >= this.opts.pageSize) await flush();
    }
    await flush();
    await this.receipts(run);
  }

  /** Amendment not acknowledged within sla_hours.amend: its own key (the order's status line stays). */
  private amendBreach(o: ReconOpenOrder, w: WmsOrderInfo | undefined): ReconLine | undefined {
    if (o.cancelled_in_odoo) return undefined;
    const sla = slaCheck('amend', o.amend_pending_since, this.opts.slaHours.amend, (this.opts.now ?? Date.now)());
    if (!sla?.breached) return undefined;
    return {
      key: `order:${o.order_id}:amend`, outcome: 'mismatch', model: 'sale.order', res_id: o.order_id, ref: o.name,
      value_odoo: `amend ${o.amend_state || 'pending'}`, value_target: w ? w.rawStatus : 'absent',
      details: { stage: 'amend_not_acknowledged', amend_state: o.amend_state ?? false, ...sla.details, references: referencesOf(o) },
    };
  }

  /** Receipts announced to the WMS (ASN) and still open in Odoo: not received by scheduled date + sla_hours.receive. */
  private async receipts(run: ReconRun): Promise<void> {
    const hours = this.opts.slaHours.receive;
    const pages = this.deps.odooReceipts;
    if (hours === undefined || !pages) return;
    const now = (this.opts.now ?? Date.now)();
    for await (const r of paged<ReconOpenReceipt, number>((after) => pages(after, this.opts.pageSize))) {
      run.bump('compared');
      const line = (outcome: ReconOutcome, stage: string, extra: Record<string, unknown> = {}): ReconLine => ({
        key: `receipt:${r.picking_id}`, outcome, model: 'stock.picking', res_id: r.picking_id, ref: r.name,
        value_odoo: r.state, value_target: r.reported ? 'reported' : 'not received',
        details: { stage, ...(r.origin ? { origin: r.origin } : {}), ...(r.sent_at ? { asn_sent_at: r.sent_at } : {}), ...extra },
      });
      const sla = slaCheck('receipt', r.scheduled_date, hours, now);
      if (r.reported) await run.line(line('in_flight_explained', 'receipt_reported', sla?.details));
      else if (sla?.breached) await run.line(line('mismatch', 'asn_not_received', sla.details));
      else await run.line(line('matched', 'awaiting_receipt', sla?.details));
    }
  }

  private classify(run: ReconRun, o: ReconOpenOrder, w: WmsOrderInfo | undefined, unknownRefs: string[] = []): ReconLine {
    const now = (this.opts.now ?? Date.now)();
    const sla = this.opts.slaHours;
    const ageHours = (now - odooTime(o.released_at)) / HOUR;
    const line = (outcome: ReconOutcome, stage: string, extra: Record<string, unknown> = {}): ReconLine => ({
      key: `order:${o.order_id}`, outcome, model: 'sale.order', res_id: o.order_id, ref: o.name,
      value_odoo: o.cancelled_in_odoo ? 'cancelled' : o.state, value_target: w ? w.rawStatus : 'absent',
      details: { stage, ...(Number.isFinite(ageHours) ? { released_hours_ago: Math.round(ageHours * 10) / 10 } : {}), ...(w ? { wms_id: w.id } : {}), references: referencesOf(o), ...extra },
    });
    if (o.cancelled_in_odoo) {
      if (!w || w.status === 'cancelled') return line('matched', 'cancelled');
      const cancel = slaCheck('cancel', o.cancel_requested_at, sla.cancel, now);
      if (w.status === 'shipped' || w.status === 'partially_shipped') return line('mismatch', 'shipped_after_cancel', cancel?.details);
      if (cancel && !cancel.breached) return line('in_flight_explained', 'cancel_awaiting_acknowledgement', cancel.details);
      return line('mismatch', 'cancel_not_applied', cancel?.details);
    }
    const ack = slaCheck('release', o.released_at, sla.acknowledge, now);
    if (!w) {
      if (ack?.breached) return line('missing_in_target', 'unacknowledged', ack.details);
      return line('matched', 'awaiting_acknowledgement');
    }
    if (w.status === 'cancelled') return line('mismatch', 'cancelled_in_wms');
    if (unknownRefs.length > 0 && ack?.breached && w.shipments.length === 0) {
      return line('missing_in_target', 'unacknowledged', { ...ack.details, unknown_references: unknownRefs });
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
    const ship = slaCheck('release', o.released_at, sla.ship, now);
    if (ship?.breached) return line('mismatch', 'not_shipped', ship.details);
    return line('matched', w.status === 'partially_shipped' ? 'partially_shipped' : 'open');
  }
}
