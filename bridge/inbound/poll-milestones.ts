import { createHash } from 'node:crypto';
import { listOrders } from '../connectors/shipbob/reads.js';
import type { TargetHttpClient } from '../connectors/http/http-client.js';
import type { InboxStore, NewInboxMessage } from '../state/inbox-store.js';
import { SHIPBOB_O2C_TOPICS } from './o2c-topics.js';
import type { PollReport } from './pollers.js';

type Obj = Record<string, unknown>;

/** Overlap of successive polls (clock skew between ShipBob and the sidecar). */
const OVERLAP_MS = 10 * 60_000;

/** Status details (ShipBob status reference) that mean the shipment was picked / packed. */
const PICKED = new Set(['Picked']);
const PACKED = new Set(['Packed', 'Labeled']);

export interface ShipmentMilestone { topic: string; at: unknown }

/**
 * The milestones a ShipBob shipment shows now (ShipBob status reference): it exists -> accepted
 * (at `created_date`); status Processing with status detail Picked -> picked, Packed or Labeled
 * (a label is printed after packing) -> packed (at `last_update_at`); status Completed -> shipped
 * (at `actual_fulfillment_date`, else the tracking's `shipping_date`), and with status detail
 * Delivered also `order.shipment.delivered` (the webhook's topic and message id, so the webhook
 * and the poll are one message); Exception / OnHold -> the webhook topics likewise. Only what is
 * seen is reported: a state passed between two polls is not invented.
 */
export function shipmentMilestones(s: Obj): ShipmentMilestone[] {
  const status = String(s.status ?? '');
  const details = new Set(((s.status_details ?? []) as Obj[]).map((d) => String(d?.name ?? '')));
  const out: ShipmentMilestone[] = [];
  if (status === 'Cancelled') return out;
  out.push({ topic: 'order.shipment.accepted', at: s.created_date });
  if (status === 'Processing') {
    if ([...details].some((d) => PICKED.has(d))) out.push({ topic: 'order.shipment.picked', at: s.last_update_at });
    if ([...details].some((d) => PACKED.has(d))) out.push({ topic: 'order.shipment.packed', at: s.last_update_at });
  }
  if (status === 'Completed') {
    out.push({ topic: 'order.shipment.shipped', at: s.actual_fulfillment_date ?? (s.tracking as Obj | null | undefined)?.shipping_date ?? s.last_update_at });
    if (details.has('Delivered')) out.push({ topic: 'order.shipment.delivered', at: s.delivery_date ?? s.last_update_at });
  }
  if (status === 'Exception') out.push({ topic: 'order.shipment.exception', at: s.last_update_at });
  if (status === 'OnHold') out.push({ topic: 'order.shipment.on_hold', at: s.last_update_at });
  return out;
}

/** Topics of a shipment's hold state: a hold or exception, and its release. */
const HOLDS = ['order.shipment.on_hold', 'order.shipment.exception'];
const HOLD_STATE_TOPICS = [...HOLDS, 'order.shipment.resumed'];

/**
 * What the inbox last holds about a shipment's hold state: the newest hold / exception /
 * resumed, and the shipment's `last_update_at` in that message (ShipBob's clock), if known.
 */
export interface HoldState { message_id: string; topic: string; at?: string }

/**
 * The hold transitions a polled shipment shows, given what the inbox last holds about it (pure).
 * ShipBob sends no webhook when a hold or exception is released: the shipment is Processing
 * again (or Completed, which `shipped` already reports). So a shipment seen Processing whose last
 * hold-state message is a hold gives `order.shipment.resumed` (at `last_update_at`), once per
 * hold (its id names the hold it ends). And a hold seen again after a release, with the same
 * reason as an earlier one, would have that earlier hold's message id and be dropped as a
 * duplicate: it gets the id `<hold id>:after:<digest of the release's id>`. A webhook for that
 * second hold is such a duplicate too, so the poll is what records it. Either needs a listing
 * newer than that last message (its `last_update_at`): ShipBob's order list may lag behind a
 * webhook, and a stale Processing must not end a hold the webhook just reported.
 */
export function holdTransition(s: Obj, milestones: ShipmentMilestone[], last: HoldState | undefined, known: (messageId: string) => boolean): { resumed?: ShipmentMilestone; holdId?: (id: string) => string } {
  if (!last) return {};
  const seen = Date.parse(String(s.last_update_at ?? ''));
  const before = Date.parse(String(last.at ?? ''));
  if (Number.isFinite(seen) && Number.isFinite(before) && seen <= before) return {}; // not newer: a lagging listing
  const status = String(s.status ?? '');
  if (status === 'Processing' && HOLDS.includes(last.topic)) return { resumed: { topic: 'order.shipment.resumed', at: s.last_update_at } };
  if (last.topic === 'order.shipment.resumed' && milestones.some((m) => HOLDS.includes(m.topic))) {
    return { holdId: (id) => (known(id) ? `${id}:after:${shortDigest(last.message_id)}` : id) };
  }
  return {};
}

const shortDigest = (v: string) => createHash('sha256').update(v).digest('hex').slice(0, 16);

/** The shipment's newest hold-state message in the inbox, with the shipment time it carried. */
function holdState(store: InboxStore, code: string, shipmentId: unknown): HoldState | undefined {
  const row = store.latestWithPrefix(code, `shipbob:shipment:${String(shipmentId)}:`, HOLD_STATE_TOPICS);
  if (!row) return undefined;
  let at: string | undefined;
  try {
    const data = (JSON.parse(store.get(row.id)?.body ?? '{}') as { data?: Obj }).data;
    if (typeof data?.last_update_at === 'string') at = data.last_update_at;
  } catch { /* an unreadable body: judged without its time */ }
  return { message_id: row.message_id, topic: row.topic, ...(at ? { at } : {}) };
}

/**
 * ShipBob sends no webhook for the steps before shipping: the shipments of orders updated since
 * the watermark (`GET /order?LastUpdateStartDate=<watermark - 10 min>&SortOrder=Oldest`, Page/Limit
 * pages) are read and each milestone they show becomes a message `order.shipment.<milestone>`
 * with id `shipbob:shipment:<id>:<milestone>` (accepted: `shipbob:order:<order_id>:accepted`,
 * once per order; exception / on_hold / delivered: the webhook's id; resumed: see
 * holdTransition), its data the shipment plus `milestone_at` (when the milestone happened, see
 * shipmentMilestones). A milestone seen again is the same message (a duplicate, dropped by the
 * inbox). The watermark (`shipment_status_updated`) advances to the poll's start in the
 * transaction that stores the messages. First run: `lookbackMinutes` back. On with
 * `targets.<code>.options.poll_milestones`.
 */
export async function pollShipBobMilestones(code: string, http: TargetHttpClient, store: InboxStore, opts: { lookbackMinutes?: number; now?: () => number } = {}): Promise<PollReport> {
  const now = opts.now ?? Date.now;
  const report: PollReport = { found: 0, stored: 0, duplicate: 0, acknowledged: 0 };
  const started = now();
  const mark = store.watermark(code, 'shipment_status_updated');
  const since = new Date((mark ? Date.parse(mark) : started - (opts.lookbackMinutes ?? 24 * 60) * 60_000) - OVERLAP_MS);
  const correlationId = `poll-${code}-milestones-${started}`;
  const messages: NewInboxMessage[] = [];
  const message = (topic: string, data: Obj, messageId: string): NewInboxMessage => ({
    source: code, messageId, preset: 'shipbob', topic, via: 'poll',
    body: JSON.stringify({ type: topic, timestamp: new Date(started).toISOString(), data }),
  });
  for await (const order of listOrders(http, { correlationId, query: { LastUpdateStartDate: since.toISOString(), SortOrder: 'Oldest' } })) {
    if ((order as Obj).status === 'Cancelled') continue;
    for (const raw of ((order as Obj).shipments as Obj[] | undefined) ?? []) {
      const shipment = { ...raw, reference_id: raw.reference_id ?? (order as Obj).reference_id };
      const milestones = shipmentMilestones(shipment);
      const last = holdState(store, code, raw.id);
      const hold = holdTransition(shipment, milestones, last, (id) => store.has(code, id));
      for (const m of milestones) {
        const data = { ...shipment, milestone_at: m.at ?? null };
        const id = SHIPBOB_O2C_TOPICS[m.topic]!.id(data);
        messages.push(message(m.topic, data, HOLDS.includes(m.topic) && hold.holdId ? hold.holdId(id) : id));
      }
      if (hold.resumed && last) {
        const data = { ...shipment, milestone_at: hold.resumed.at ?? null, resumes: last.message_id };
        messages.push(message(hold.resumed.topic, data, SHIPBOB_O2C_TOPICS[hold.resumed.topic]!.id(data)));
      }
    }
  }
  report.found = messages.length;
  store.db.transaction(() => {
    const outcomes = messages.length ? store.insertMany(messages) : [];
    report.stored = outcomes.filter((o) => !o.duplicate).length;
    report.duplicate = outcomes.length - report.stored;
    store.setWatermark(code, 'shipment_status_updated', new Date(started).toISOString());
  })();
  return report;
}
