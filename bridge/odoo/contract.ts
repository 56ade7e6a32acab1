import type { OdooGateway } from './odoo-gateway.js';
import { OdooValidationError } from './odoo-errors.js';
import { PermanentError } from '../errors/index.js';

/**
 * Typed client of the sync_bridge addon's RPC contract (docs/odoo-contract.md).
 * All calls are batched: one round trip for many events.
 */
export const CONTRACT_MODEL = 'sync.event';
export const CONTRACT_VERSION = '1';

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
  lease_token: string;
  lease_expires_at: string;
  trace_id: string | false;
  created_at: string;
  mapping_version: string | false;
  external_ref: string | false;
  /** The business record read with the caller's web_read spec; false when it was deleted. */
  record: Record<string, unknown> | false;
}

export interface LeaseRef { id: number; lease_token: string }
export interface AckItem extends LeaseRef {
  external_ref?: string;
  links?: Array<{ model: string; res_id: number; external_id: string }>;
  mapping_version?: string;
  trace_id?: string;
}
export interface NackItem extends LeaseRef {
  retryable: boolean;
  dead?: boolean;
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
}

/** Odoo datetime format (UTC, no zone suffix). */
export function toOdooDatetime(d: Date): string {
  return d.toISOString().replace('T', ' ').slice(0, 19);
}

export class OdooContract {
  constructor(private readonly odoo: OdooGateway) {}

  /** Checks that the addon is installed and speaks this contract version. */
  async info(db: string): Promise<ContractInfo> {
    let info: ContractInfo;
    try {
      info = await this.odoo.call<ContractInfo>({ model: CONTRACT_MODEL, method: 'sync_contract_info' });
    } catch (err) {
      if (err instanceof OdooValidationError && /doesn't exist/.test(err.message)) {
        throw new PermanentError(`the sync_bridge addon is not installed in Odoo database '${db}' (model sync.event is missing): install it from odoo_addon/ first`, { category: 'internal', cause: err });
      }
      throw err;
    }
    if (String(info.contract_version) !== CONTRACT_VERSION) {
      throw new PermanentError(`sync_bridge contract version ${info.contract_version} in Odoo, this sidecar speaks ${CONTRACT_VERSION}: upgrade the addon or the sidecar`, { category: 'internal' });
    }
    return info;
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

  release(workerId: string, items: LeaseRef[]): Promise<BatchResult> {
    return this.odoo.call<BatchResult>({ model: CONTRACT_MODEL, method: 'sync_release', params: { worker_id: workerId, items } });
  }

  statusSummary(): Promise<TargetStatus[]> {
    return this.odoo.call<TargetStatus[]>({ model: CONTRACT_MODEL, method: 'sync_status_summary' });
  }
}
