import { randomUUID } from 'node:crypto';
import { BridgeError, PermanentError, TransientError } from '../errors/index.js';
import type { Logger } from '../log/logger.js';
import type { Redactor } from '../log/redact.js';
import type { ClaimedEvent } from '../odoo/contract.js';
import { toOdooDatetime } from '../odoo/contract.js';
import type { Connector } from '../connectors/connector.js';
import type { WritebackQueue } from '../state/writeback-queue.js';
import type { DeliveryAttempt, DeliveryLog } from '../state/delivery-log.js';
import { backoffDelay } from './backoff.js';
import type { BridgeMetrics } from './metrics.js';
import type { OutboundMapper } from './ports.js';

export interface RetryPolicy { maxAttempts: number; baseMs: number; maxMs: number }

export interface DeliverDeps {
  mapper: OutboundMapper;
  connectors: Map<string, Connector>;
  writeback: WritebackQueue;
  metrics: BridgeMetrics;
  redactor: Redactor;
  log: Logger;
  retry: RetryPolicy;
  /** The local delivery log (state file): one row per attempt. */
  deliveryLog?: DeliveryLog;
  now?: () => number;
  random?: () => number;
}

export type DeliveryOutcome = 'sent' | 'retry' | 'failed' | 'dead';

/** Why a failure does not count towards dead (shown as `notCounted` in the event's error details). */
export type UncountedCause = 'rate_limit' | 'circuit_open' | 'probe' | 'quota_reserve';

/**
 * Failures that say nothing about the event itself, so they never make it dead (it is retried
 * after the wait, however long the condition lasts):
 * - rate_limit: the vendor's limit (429, Salesforce REQUEST_LIMIT_EXCEEDED, a HubSpot batch
 *   refused for RATE_LIMITS) or ours (client-side limit, target paused after a 429);
 * - circuit_open: held back by the open circuit, never sent;
 * - probe: the half-open circuit's probe failed: the target is still down (a day-long outage
 *   would otherwise kill every event used as a probe);
 * - quota_reserve: a reconciliation re-send held back while the target's daily quota is below
 *   its reserve (never sent).
 * Anything else transient (5xx, timeout, network) counts: a poison event still goes dead.
 */
export function uncountedCause(err: unknown): UncountedCause | undefined {
  if (!(err instanceof TransientError)) return undefined;
  if (err.rateLimited) return 'rate_limit';
  if (err.details.reason === 'circuit_open') return 'circuit_open';
  if (err.details.probe === true) return 'probe';
  if (err.details.reason === 'quota_reserve') return 'quota_reserve';
  return undefined;
}

/**
 * A re-send a reconciliation run asked for (sync_recon_resend queues it with trace id
 * `recon:<run id>`): batch work, which waits while the target's daily quota is below its reserve.
 */
export function isReconResend(event: Pick<ClaimedEvent, 'trace_id'>): boolean {
  return typeof event.trace_id === 'string' && event.trace_id.startsWith('recon:');
}

/**
 * Delivers one claimed event: map, send through the target's connector, and queue the outcome
 * (ack, or nack retryable / permanent / dead) in the durable write-back queue. Never throws.
 */
export async function deliverEvent(event: ClaimedEvent, deps: DeliverDeps): Promise<DeliveryOutcome> {
  const now = deps.now ?? Date.now;
  const correlationId = event.trace_id || randomUUID();
  const log = deps.log.child({ correlationId, eventId: event.id, target: event.target, eventType: event.event_type, record: `${event.model},${event.res_id}` });
  let mappingVersion: string | undefined;
  let payload: Record<string, unknown> | undefined;
  try {
    const connector = deps.connectors.get(event.target);
    if (!connector) throw new PermanentError(`no connector is configured for target '${event.target}'`, { category: 'internal' });
    if (isReconResend(event)) {
      const refusal = connector.quotaReserveRefusal?.();
      if (refusal) {
        throw new TransientError(`held back: ${refusal.reason}; a reconciliation re-send waits until it recovers`, { retryAfterMs: refusal.retryAfterMs, details: refusal.details });
      }
    }
    if (event.record === false && event.record_error) {
      // The record exists but the service user may not read it: a set-up problem, not a deleted record.
      throw new PermanentError(`${event.model},${event.res_id}: Odoo did not let the service user read it (${event.record_error}); grant it read access to ${event.model}`, { category: 'internal' });
    }
    if (event.record === false && event.event_type !== 'cancel') {
      throw new PermanentError(`${event.model},${event.res_id} no longer exists in Odoo`, { category: 'validation' });
    }
    const mapped = await deps.mapper.map(event);
    mappingVersion = mapped.mappingVersion;
    payload = mapped.payload;
    if (event.attempts > 1) deps.metrics.retries.inc({ target: event.target });
    const result = await connector.deliver({
      target: event.target, eventType: event.event_type, model: event.model, resId: event.res_id,
      kind: mapped.kind, payload: mapped.payload, idempotencyKey: event.idempotency_key, correlationId,
      attempts: event.attempts, inDoubt: event.in_doubt === true, externalRef: event.external_ref || undefined,
    }, log);
    deps.writeback.enqueueAck({
      id: event.id, lease_token: event.lease_token, external_ref: result.externalRef, links: result.links,
      mapping_version: mappingVersion, trace_id: correlationId,
    }, event.target);
    deps.metrics.sent.inc({ target: event.target, event_type: event.event_type });
    const created = Date.parse(`${event.created_at.replace(' ', 'T')}Z`);
    if (!Number.isNaN(created)) deps.metrics.latency.observe({ target: event.target, event_type: event.event_type }, Math.max(0, (now() - created) / 1000));
    log.info(`delivered: ${result.summary}`, { externalRef: result.externalRef, deduplicated: result.deduplicated ?? false, attempt: event.attempts, mappingVersion, pinned: Boolean(event.replay_mapping_version) });
    logAttempt(event, deps, log, { outcome: 'sent', correlationId, mappingVersion, payload, externalRef: result.externalRef });
    return 'sent';
  } catch (err) {
    return nackEvent(event, err, deps, { correlationId, mappingVersion, payload, log, now });
  }
}

/** One delivery_log row; a failure to write it is logged, never fails the delivery. */
function logAttempt(event: ClaimedEvent, deps: DeliverDeps, log: Logger, a: {
  outcome: DeliveryOutcome; correlationId: string; mappingVersion?: string; payload?: unknown;
  externalRef?: string; errorClass?: string; errorMessage?: string;
}): void {
  if (!deps.deliveryLog) return;
  const row: DeliveryAttempt = {
    event_id: event.id, attempt: event.attempts, target: event.target, event_type: event.event_type, model: event.model,
    res_id: event.res_id, idempotency_key: event.idempotency_key, correlation_id: a.correlationId,
    mapping_version: a.mappingVersion ?? (event.replay_mapping_version || undefined), outcome: a.outcome,
    error_class: a.errorClass, error_message: a.errorMessage, external_ref: a.externalRef ?? (event.external_ref || undefined),
    payload: a.payload === undefined || !deps.deliveryLog.keepsPayloads ? undefined : deps.redactor.redact(a.payload),
  };
  try { deps.deliveryLog.record(row); } catch (err) {
    log.warn(`delivery log not written: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function nackEvent(event: ClaimedEvent, err: unknown, deps: DeliverDeps,
  ctx: { correlationId: string; mappingVersion?: string; payload?: unknown; log: Logger; now: () => number }): DeliveryOutcome {
  const e = err instanceof BridgeError ? err : undefined;
  const retryable = e?.retryable ?? false;
  const notCounted = uncountedCause(err);
  const dead = retryable && notCounted === undefined && event.attempts >= deps.retry.maxAttempts;
  const outcome: DeliveryOutcome = !retryable ? 'failed' : dead ? 'dead' : 'retry';
  const message = deps.redactor.redactString(err instanceof Error ? err.message : String(err));
  const errorClass = err instanceof Error ? err.name : 'Error';
  const floor = (e as { retryAfterMs?: number } | undefined)?.retryAfterMs ?? 0;
  const delay = backoffDelay(event.attempts, deps.retry.baseMs, deps.retry.maxMs, deps.random, floor);
  deps.writeback.enqueueNack({
    id: event.id, lease_token: event.lease_token, retryable: retryable && !dead, dead,
    ...(notCounted && outcome === 'retry' ? { uncount_attempt: true } : {}),
    ...(e?.details['inDoubt'] === true ? { in_doubt: true } : {}),
    next_attempt_at: outcome === 'retry' ? toOdooDatetime(new Date(ctx.now() + delay)) : undefined,
    error_class: errorClass, error_message: message.slice(0, 2000),
    error_details: deps.redactor.redact({ ...(e?.details ?? {}), attempt: event.attempts, ...(notCounted ? { notCounted } : {}) }),
    category: e?.category ?? 'internal', mapping_version: ctx.mappingVersion, trace_id: ctx.correlationId,
  }, event.target);
  deps.metrics.failed.inc({ target: event.target, event_type: event.event_type, outcome, error_class: errorClass });
  // A re-send held back by the quota reserve is expected (many at once after a big run): not a warning each.
  const level = outcome !== 'retry' ? 'error' : notCounted === 'quota_reserve' ? 'debug' : 'warn';
  ctx.log.log(level, `delivery ${outcome === 'retry' ? `failed, retry in ${Math.round(delay / 1000)}s` : outcome}: ${message}`, { errorClass, attempt: event.attempts, notCounted });
  if (!e) ctx.log.error('unexpected error (a bug): kept as failed', { stack: err instanceof Error ? err.stack : undefined });
  logAttempt(event, deps, ctx.log, { outcome, correlationId: ctx.correlationId, mappingVersion: ctx.mappingVersion, payload: ctx.payload, errorClass, errorMessage: message });
  return outcome;
}
