import type { OdooGateway } from './odoo-gateway.js';
import { OdooValidationError } from './odoo-errors.js';
import { PermanentError } from '../errors/index.js';

/**
 * Typed client of the sync_bridge addon's RPC contract (docs/odoo-contract.md).
 * All calls are batched: one round trip for many events.
 */
export const CONTRACT_MODEL = 'sync.event';
export const CONTRACT_VERSION = '1';

/**
 * The oldest addon release this sidecar works with: the x.y.z of the addon's `<series>.x.y.z`
 * (18.0.1.6.0 introduced the milestone `resumed`, which the shipped mappings send). The
 * contract version guards the call signatures; this guards the values an older addon refuses.
 * Upgrade the addon first, then the sidecar (docs/runbooks.md, Upgrading).
 */
export const MIN_ADDON_RELEASE = '1.8.0';

/**
 * The release (x.y.z) of an addon module version as Odoo reports it (`<series>.x.y.z`, e.g.
 * `18.0.1.6.0`, or `19.0.1.6.0` for the Odoo 19 port): its last three parts.
 */
export function addonRelease(moduleVersion: unknown): number[] | undefined {
  if (typeof moduleVersion !== 'string' || !/^\d+(\.\d+){4,}$/.test(moduleVersion)) return undefined;
  return moduleVersion.split('.').slice(-3).map(Number);
}

/** Why this sidecar cannot work with the addon version Odoo reports, or undefined when it can. */
export function addonVersionProblem(moduleVersion: unknown, min: string = MIN_ADDON_RELEASE): string | undefined {
  const have = addonRelease(moduleVersion);
  const need = min.split('.').map(Number);
  const fix = `upgrade the addon first (odoo-bin -u sync_bridge), then start the sidecar`;
  if (!have) return `the sync_bridge addon reports the version ${JSON.stringify(moduleVersion)}, not <series>.x.y.z; this sidecar needs release ${min} or newer: ${fix}`;
  for (let i = 0; i < 3; i++) {
    if (have[i]! > need[i]!) return undefined;
    if (have[i]! < need[i]!) return `the sync_bridge addon in Odoo is ${String(moduleVersion)}; this sidecar needs release ${min} or newer (<series>.${min}): ${fix}`;
  }
  return undefined;
}

/** One target as this sidecar sees it (sync_contact). */
export interface ContactItem {
  code: string;
  /** ok: claimed from; circuit_open: calls failed, nothing sent for a while; half_open: probing; paused: the target asked to slow down. */
  state: 'ok' | 'circuit_open' | 'half_open' | 'paused';
  detail?: string;
}

export type WebReadSpec = Record<string, { fields?: WebReadSpec } | Record<string, never>>;

export interface ContractInfo {
  contract_version: string;
  module_version: string;
  targets: Array<{ code: string; kind: 'wms' | 'crm'; name: string; active: boolean }>;
}

export interface ClaimedEvent {
  id: number;
  target: string;
  event_type: string;
  model: string;
  res_id: number;
  aggregate_key: string;
  idempotency_key: string;
  attempts: number;
  /** An earlier try may have reached the target (addon 18.0.1.13.0; absent before). */
  in_doubt?: boolean;
  lease_token: string;
  lease_expires_at: string;
  trace_id: string | false;
  created_at: string;
  mapping_version: string | false;
  external_ref: string | false;
  /**
   * Set by a replay with the mapping version the event was sent with (`action_replay`,
   * module 18.0.1.2.1): map with this version instead of the current mapping. Absent or false:
   * the current mapping.
   */
  replay_mapping_version?: string | false;
  /** The business record read with the caller's web_read spec; false when it was deleted. */
  record: Record<string, unknown> | false;
  /** Why `record` is false although the record exists (e.g. "AccessError: ..." for the service user). */
  record_error?: string | false;
}

export interface LeaseRef { id: number; lease_token: string }
/** A lease given back; in_doubt: a request may have reached the target (the attempt stays counted). */
export interface ReleaseItem extends LeaseRef { in_doubt?: boolean }
export interface AckItem extends LeaseRef {
  external_ref?: string;
  links?: Array<{ model: string; res_id: number; external_id: string }>;
  mapping_version?: string;
  trace_id?: string;
}
export interface NackItem extends LeaseRef {
  retryable: boolean;
  dead?: boolean;
  /**
   * With retryable: give the claim back (addon 18.0.1.7.0; older addons ignore it and count
   * it): the failure was the target's rate limit, an open circuit or a failed probe.
   */
  uncount_attempt?: boolean;
  /**
   * A request of this try may have reached the target (a timeout, a 5xx, a lost connection):
   * Odoo keeps it on the event (addon 18.0.1.13.0; older addons ignore it), so every later
   * try looks the record up first, whatever happens to the attempt count.
   */
  in_doubt?: boolean;
  next_attempt_at?: string;
  error_class: string;
  error_message: string;
  error_details?: Record<string, unknown>;
  category?: string;
  mapping_version?: string;
  trace_id?: string;
}
export interface BatchResult { ok: number[]; refused: Array<{ id: number; reason: string }> }
export interface TargetStatus {
  target: string; pending: number; in_progress: number; failed: number; dead: number;
  oldest_pending_age_seconds: number | false;
  kind?: string; active?: boolean; open_exceptions?: number;
  /** Pending events per claim lane (addon 18.0.1.9.0+; absent on older addons). */
  pending_by_lane?: { order: number; status: number; bulk: number };
}

/** One inbound message for sync_apply: a canonical payload keyed by (target, message_id). */
export interface ApplyItem {
  target: string;
  message_id: string;
  kind: 'shipment' | 'return' | 'stock_snapshot' | 'sale_order' | 'receipt' | 'milestone' | 'partner_change' | 'partner_new';
  payload: Record<string, unknown>;
  trace_id?: string;
}
export interface ApplyResult {
  message_id: string;
  status: 'applied' | 'duplicate' | 'exception' | 'rejected';
  records: Array<{ model: string; res_id: number; display_name: string }>;
  exception_ids: number[];
  error?: string | false;
}

/** Reconciliation (issue 7): the run lifecycle and the paged Odoo reads; see docs/odoo-contract.md "Reconciliation". */
export type ReconJob = 'inventory' | 'open_orders' | 'master_data';
export type ReconOutcome = 'matched' | 'mismatch' | 'missing_in_odoo' | 'missing_in_target' | 'duplicated' | 'drift' | 'in_flight_explained';
export interface ReconPage<T, K> { items: T[]; next: K | false }
export interface ReconStockItem {
  key: string; sku: string; product_id: number; location: string | false; location_id: number | false; lot: string | false;
  quantity: number; reserved: number; in_flight: number;
  /** Received by the WMS, not yet applied in Odoo (receipt messages held or being applied); absent from older addons. */
  in_flight_in?: number;
  /** Not in the fixed contract; used when Odoo sends it (tolerance per category). */
  category?: string | false;
}
export interface ReconOpenOrder {
  order_id: number; name: string; ref_sent: string | false; external_id: string | false; released_at: string | false;
  state: string; delivery_states: string[] | Record<string, string> | false; cancelled_in_odoo: boolean;
  /** Every released record of the order (the order and/or its deliveries), when Odoo sends them. */
  releases?: Array<{ model: string; res_id: number; ref_sent: string; external_id: string | false; released_at: string | false }>;
  /** When Odoo asked the WMS to cancel (the first cancel event's creation), when Odoo sends it. */
  cancel_requested_at?: string | false;
  /** When the oldest amendment the WMS has not acknowledged (not delivered) was made; false: none. */
  amend_pending_since?: string | false;
  /** State of the order's last amend event (pending / in_progress / done / failed / dead / cancelled). */
  amend_state?: string | false;
}
/** An incoming receipt announced to the WMS (ASN delivered) that Odoo still shows open (sync_recon_open_receipts). */
export interface ReconOpenReceipt {
  picking_id: number; name: string; origin: string | false; state: string; scheduled_date: string | false; sent_at: string | false;
  external_id: string | false;
  /** The WMS already reported a receipt for it (a receipt message received or held by an exception in Odoo). */
  reported: boolean;
}
export interface ReconMasterItem { res_id: number; natural_key: string | false; external_id: string | false }
export interface ReconLine {
  key: string; outcome: ReconOutcome; model?: string; res_id?: number; sku?: string; ref?: string; location?: string; lot?: string;
  qty_odoo?: number; qty_target?: number; value_odoo?: string; value_target?: string;
  /** Odoo stores text: an object is sent as JSON. */
  details?: string | Record<string, unknown>;
  /** Inventory: the Odoo root location of the line. */
  location_id?: number;
}
/** Outcome counts for sync_recon_finish (Odoo accepts the outcome keys and `repaired` only). */
export type ReconCounts = Record<string, number>;
export const RECON_COUNT_KEYS = ['matched', 'mismatch', 'missing_in_odoo', 'missing_in_target', 'duplicated', 'drift', 'in_flight_explained', 'repaired'] as const;

/** Odoo datetime format (UTC, no zone suffix). */
export function toOdooDatetime(d: Date): string {
  return d.toISOString().replace('T', ' ').slice(0, 19);
}

/** The first addon release whose sync_recon_resend takes `res_ids` (JSON-2 refuses an argument named `ids`). */
const RESEND_RES_IDS_RELEASE = [1, 11, 0];
/** sync_contact exists from this addon release on. */
export const CONTACT_RELEASE = [1, 13, 0];

function atLeast(have: readonly number[], need: readonly number[]): boolean {
  for (let i = 0; i < need.length; i++) if ((have[i] ?? 0) !== need[i]) return (have[i] ?? 0) > need[i]!;
  return true;
}

export class OdooContract {
  /** The addon's release (x.y.z), from the last sync_contract_info. */
  private addonRel: number[] | undefined;

  constructor(private readonly odoo: OdooGateway) {}

  /** The addon's contract info as it is (no checks: see info()). */
  rawInfo(): Promise<ContractInfo> {
    return this.odoo.call<ContractInfo>({ model: CONTRACT_MODEL, method: 'sync_contract_info' });
  }

  /** Checks that the addon is installed, speaks this contract version and is recent enough (MIN_ADDON_RELEASE). */
  async info(db: string): Promise<ContractInfo> {
    let info: ContractInfo;
    try {
      info = await this.rawInfo();
    } catch (err) {
      if (err instanceof OdooValidationError && /doesn't exist/.test(err.message)) {
        throw new PermanentError(`the sync_bridge addon is not installed in Odoo database '${db}' (model sync.event is missing): install it from odoo_addon/ first`, { category: 'internal', cause: err });
      }
      throw err;
    }
    if (String(info.contract_version) !== CONTRACT_VERSION) {
      throw new PermanentError(`sync_bridge contract version ${info.contract_version} in Odoo, this sidecar speaks ${CONTRACT_VERSION}: upgrade the addon or the sidecar`, { category: 'internal' });
    }
    const problem = addonVersionProblem(info.module_version);
    if (problem) throw new PermanentError(problem, { category: 'internal' });
    this.addonRel = addonRelease(info.module_version);
    return info;
  }

  /** The addon's release, asked once when info() has not run in this process. */
  private async addonReleaseNow(): Promise<number[] | undefined> {
    if (!this.addonRel) {
      const info = await this.rawInfo();
      this.addonRel = addonRelease(info.module_version);
    }
    return this.addonRel;
  }

  claim(workerId: string, targets: string[], limit: number, leaseSeconds: number, specs: Record<string, WebReadSpec>): Promise<ClaimedEvent[]> {
    return this.odoo.call<ClaimedEvent[]>({
      model: CONTRACT_MODEL, method: 'sync_claim',
      params: { worker_id: workerId, target_codes: targets, limit, lease_seconds: leaseSeconds, specs },
    });
  }

  ack(items: AckItem[]): Promise<BatchResult> {
    return this.odoo.call<BatchResult>({ model: CONTRACT_MODEL, method: 'sync_ack', params: { items } });
  }

  nack(items: NackItem[]): Promise<BatchResult> {
    return this.odoo.call<BatchResult>({ model: CONTRACT_MODEL, method: 'sync_nack', params: { items } });
  }

  heartbeat(workerId: string, items: LeaseRef[], leaseSeconds: number): Promise<BatchResult> {
    return this.odoo.call<BatchResult>({
      model: CONTRACT_MODEL, method: 'sync_heartbeat', params: { worker_id: workerId, items, lease_seconds: leaseSeconds },
    });
  }

  /** Gives leases back; items marked in_doubt keep their attempt counted (see sync_release). */
  release(workerId: string, items: ReleaseItem[]): Promise<BatchResult> {
    return this.odoo.call<BatchResult>({ model: CONTRACT_MODEL, method: 'sync_release', params: { worker_id: workerId, items } });
  }

  /**
   * What this sidecar sees of its targets (sync_contact, addon 18.0.1.13.0+): Odoo records the
   * contact and the state on each target, and this sidecar's release (`sidecarVersion`, shown on
   * the target). undefined (nothing sent) with an older addon.
   */
  async contact(workerId: string, targets: ContactItem[], sidecarVersion?: string): Promise<{ ok: string[]; refused: Array<{ code: string; reason: string }> } | undefined> {
    const release = await this.addonReleaseNow();
    if (!release || !atLeast(release, CONTACT_RELEASE)) return undefined;
    const params: Record<string, unknown> = { worker_id: workerId, targets };
    if (sidecarVersion !== undefined) params['sidecar_version'] = sidecarVersion;
    return this.odoo.call({ model: CONTRACT_MODEL, method: 'sync_contact', params });
  }

  /** Applies inbound canonical messages; idempotent per (target, message_id) on the Odoo side. */
  apply(items: ApplyItem[]): Promise<ApplyResult[]> {
    return this.odoo.call<ApplyResult[]>({ model: CONTRACT_MODEL, method: 'sync_apply', params: { items } });
  }

  statusSummary(): Promise<TargetStatus[]> {
    return this.odoo.call<TargetStatus[]>({ model: CONTRACT_MODEL, method: 'sync_status_summary' });
  }

  // ---------------------------------------------------------------- reconciliation (issue 7)

  /** Opens a run; ValidationError while a run of the same job and target is live (the lock). */
  reconStart(target: string, job: ReconJob, dryRun: boolean, workerId: string): Promise<{ run_id: number }> {
    return this.odoo.call<{ run_id: number }>({ model: CONTRACT_MODEL, method: 'sync_recon_start', params: { target, job, dry_run: dryRun, worker_id: workerId } });
  }

  /** `ok` false when Odoo no longer counts the run as running (e.g. failed as stale). */
  reconHeartbeat(runId: number): Promise<{ ok?: boolean; state?: string; error?: string | false }> {
    return this.odoo.call({ model: CONTRACT_MODEL, method: 'sync_recon_heartbeat', params: { run_id: runId } });
  }

  reconOdooStock(target: string, afterKey: string | false, limit: number): Promise<ReconPage<ReconStockItem, string>> {
    return this.odoo.call<ReconPage<ReconStockItem, string>>({ model: CONTRACT_MODEL, method: 'sync_recon_odoo_stock', params: { target, after_key: afterKey, limit } });
  }

  reconOpenOrders(target: string, afterId: number | false, limit: number): Promise<ReconPage<ReconOpenOrder, number>> {
    return this.odoo.call<ReconPage<ReconOpenOrder, number>>({ model: CONTRACT_MODEL, method: 'sync_recon_open_orders', params: { target, after_id: afterId, limit } });
  }

  /** `naturalKey`: which Odoo field is the natural key (res.partner: email | name | vat | ref; product.product: default_code | barcode); Odoo's default when absent. */
  reconOpenReceipts(target: string, afterId: number | false, limit: number): Promise<ReconPage<ReconOpenReceipt, number>> {
    return this.odoo.call<ReconPage<ReconOpenReceipt, number>>({ model: CONTRACT_MODEL, method: 'sync_recon_open_receipts', params: { target, after_id: afterId, limit } });
  }

  /** partnerKind: only companies or only persons (a CRM keeping them as separate objects). */
  reconMaster(target: string, model: string, afterId: number | false, limit: number, naturalKey?: string, partnerKind?: 'company' | 'person'): Promise<ReconPage<ReconMasterItem, number>> {
    return this.odoo.call<ReconPage<ReconMasterItem, number>>({
      model: CONTRACT_MODEL, method: 'sync_recon_master',
      params: { target, model, after_id: afterId, limit, ...(naturalKey ? { natural_key: naturalKey } : {}), ...(partnerKind ? { partner_kind: partnerKind } : {}) },
    });
  }

  reconLines(runId: number, lines: ReconLine[]): Promise<{ created?: number; updated?: number; refused?: Array<{ index: number; key: string | false; reason: string }> }> {
    const items = lines.map((l) => (l.details !== undefined && typeof l.details !== 'string' ? { ...l, details: JSON.stringify(l.details) } : l));
    return this.odoo.call({ model: CONTRACT_MODEL, method: 'sync_recon_lines', params: { run_id: runId, lines: items } });
  }

  /** Re-sends records from Odoo (upsert outbox events): the master-data repair, Odoo wins. */
  async reconResend(runId: number, model: string, ids: number[]): Promise<{ ok?: number[]; refused?: Array<{ id: number; reason: string }> }> {
    // `res_ids` from 18.0.1.11.0 (JSON-2 keeps `ids` for the records a method runs on); `ids` for older addons (XML-RPC).
    const release = await this.addonReleaseNow();
    const key = release && atLeast(release, RESEND_RES_IDS_RELEASE) ? 'res_ids' : 'ids';
    return this.odoo.call({ model: CONTRACT_MODEL, method: 'sync_recon_resend', params: { run_id: runId, model, [key]: ids } });
  }

  /** `counts` is filtered to the keys Odoo accepts (RECON_COUNT_KEYS); other figures stay local. */
  reconFinish(runId: number, state: 'done' | 'failed', counts: ReconCounts, error?: string): Promise<unknown> {
    const accepted: Record<string, number> = {};
    for (const k of RECON_COUNT_KEYS) if (typeof counts[k] === 'number') accepted[k] = Math.max(0, Math.round(counts[k]!));
    return this.odoo.call({ model: CONTRACT_MODEL, method: 'sync_recon_finish', params: { run_id: runId, state, counts: accepted, ...(error ? { error } : {}) } });
  }
}
