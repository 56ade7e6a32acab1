import type { SecretRef, TargetConfig } from '../config/schema.js';
import type { Logger } from '../log/logger.js';
import type { CircuitState } from './http/circuit-breaker.js';
import type { QuotaObservation } from './http/quota.js';
import type { QuotaReserveError } from './http/quota-tracker.js';

/** One mapped event, ready to send. */
export interface OutboundRequest {
  /** Target code, e.g. 'wms_main'. */
  target: string;
  /** release | amend | cancel | status | upsert */
  eventType: string;
  /** Odoo model, e.g. 'sale.order', 'stock.picking', 'res.partner', 'product.product'. */
  model: string;
  resId: number;
  /** The mapping's output kind: 'order', 'order_cancel', 'order_status', 'product', 'customer'. */
  kind: string;
  /** The mapped body (vendor-shaped). */
  payload: Record<string, unknown>;
  /** Stable per event. */
  idempotencyKey: string;
  correlationId: string;
  /** 1 on the first try; >1 means a previous try may have reached the target (in doubt). */
  attempts: number;
  /**
   * Odoo recorded that a request of an earlier try may have reached the target (addon
   * 18.0.1.13.0: a timeout or 5xx, a worker that stopped or died mid-delivery), even when
   * `attempts` was given back or reset since (an open circuit, a Retry): look the record up
   * before creating it, as for attempts > 1.
   */
  inDoubt?: boolean;
  /** Known external id of this record in the target (from sync.link), if any. */
  externalRef?: string;
}

export interface DeliveryResult {
  /** e.g. ShipBob order id, HubSpot object id. */
  externalRef?: string;
  /** To store in Odoo's sync.link. */
  links?: Array<{ model: string; res_id: number; external_id: string }>;
  /** One line for the Odoo chatter/log. */
  summary: string;
  /** True when the in-doubt check found it already done. */
  deduplicated?: boolean;
}

export interface Connector {
  readonly code: string;
  readonly preset: string;
  /** Delivers one event; throws TransientError (retry later) or PermanentError (needs a change). */
  deliver(req: OutboundRequest, log: Logger): Promise<DeliveryResult>;
  circuitState(): CircuitState;
  /**
   * Milliseconds left of a pause the target asked for (a 429's Retry-After, an exhausted
   * allocation); 0 when none. The worker claims no event of a paused target meanwhile.
   */
  pausedForMs(): number;
  /** The latest API quota observation per window the target reported (empty when it reports none). */
  quota?(): QuotaObservation[];
  /**
   * Why batch work (reconciliation and its re-sends) must not call the target now: its daily
   * quota is below targets.<code>.quota_reserve_percent. Undefined when it may.
   */
  quotaReserveRefusal?(): QuotaReserveError | undefined;
}

export type { CircuitState, QuotaObservation };
export type SecretResolver = (ref: SecretRef, key: string) => string;

export interface ConnectorDeps {
  now?: () => number;
  fetch?: typeof fetch;
  /** Used to wait for a rate-limit slot; tests pass one that advances a fake clock. */
  sleep?: (ms: number) => Promise<void>;
}

export { createConnector } from './create-connector.js';
export type { TargetConfig };
