import type { TargetConfig } from '../config/schema.js';
import type { Logger } from '../log/logger.js';
import type { Connector, ConnectorDeps, DeliveryResult, OutboundRequest, SecretResolver } from './connector.js';
import { createAuthProvider } from './http/auth/create-auth.js';
import type { CircuitState } from './http/circuit-breaker.js';
import type { ErrorExtractor } from './http/classify.js';
import { resolveDeps, type HttpDeps } from './http/deps.js';
import { TargetHttpClient, type HttpResult, type RequestOptions } from './http/http-client.js';
import type { QuotaHeaderParser, QuotaObservation } from './http/quota.js';
import type { QuotaCrossing, QuotaReserveError } from './http/quota-tracker.js';

export interface PresetSetup {
  extractError: ErrorExtractor;
  idempotencyHeader?: string;
  /** Base URL override (e.g. a preset that appends its API path). */
  baseUrl?: string;
  /** Reads the vendor's quota headers (the preset's quota.ts). */
  quotaHeaders?: QuotaHeaderParser;
}

/** Optional hooks shared by all presets (metrics). */
export interface ConnectorHooks {
  onExchange?: (e: { target: string; method: string; status: number; ms: number }) => void;
  onCircuitChange?: (target: string, from: CircuitState, to: CircuitState) => void;
  /** Each answer's quota observations (the state file keeps the latest for `sync-bridge status`). */
  onQuota?: (target: string, observations: QuotaObservation[], crossing: QuotaCrossing | undefined) => void;
  /** Logs quota crossings seen outside an event (reconciliation, polls). */
  log?: Logger;
}

/**
 * Shared part of every preset: builds the target's HTTP client from its config and gives
 * operations a `call` bound to the event (correlation id, idempotency key, logger).
 */
export abstract class BaseConnector implements Connector {
  readonly http: TargetHttpClient;
  protected readonly deps: HttpDeps;
  abstract readonly preset: string;

  constructor(
    readonly code: string,
    readonly target: TargetConfig,
    secret: SecretResolver,
    deps: ConnectorDeps & ConnectorHooks,
    setup: PresetSetup,
  ) {
    this.deps = resolveDeps(deps);
    const auth = createAuthProvider(code, target.auth, secret, this.deps, target.timeout_ms);
    const opts = target.options ?? {};
    this.http = new TargetHttpClient({
      code,
      baseUrl: setup.baseUrl ?? target.base_url,
      timeoutMs: target.timeout_ms,
      concurrency: target.concurrency,
      ratePerMinute: target.rate_per_minute,
      breakerThreshold: target.breaker_threshold,
      breakerResetMs: target.breaker_reset_ms,
      auth,
      extractError: setup.extractError,
      idempotencyHeader: setup.idempotencyHeader,
      maxWaitMs: typeof opts.max_wait_ms === 'number' ? opts.max_wait_ms : undefined,
      defaultRetryAfterMs: typeof opts.default_retry_after_ms === 'number' ? opts.default_retry_after_ms : undefined,
      deps: this.deps,
      onExchange: deps.onExchange,
      onCircuitChange: deps.onCircuitChange,
      quotaHeaders: setup.quotaHeaders,
      quotaPolicy: quotaPolicyOf(target),
      onQuota: deps.onQuota,
      log: deps.log,
    });
  }

  quota(): QuotaObservation[] {
    return this.http.quotaObservations();
  }

  quotaReserveRefusal(): QuotaReserveError | undefined {
    return this.http.quotaReserveRefusal();
  }

  circuitState(): CircuitState {
    return this.http.circuitState();
  }

  pausedForMs(): number {
    return this.http.pausedForMs();
  }

  abstract deliver(req: OutboundRequest, log: Logger): Promise<DeliveryResult>;

  /** A request bound to one event: carries its correlation id and idempotency key. */
  protected caller(req: OutboundRequest, log: Logger): EventCall {
    return <T = unknown>(opts: CallOptions) => this.http.request<T>({ ...opts, correlationId: req.correlationId, idempotencyKey: req.idempotencyKey, log });
  }
}

/**
 * The daily quota's reserve and warning threshold of a target: quota_reserve_percent (default
 * 10), quota_warn_percent (default 20, or the reserve when that is higher).
 */
export function quotaPolicyOf(target: Pick<TargetConfig, 'quota_reserve_percent' | 'quota_warn_percent'>): { reservePercent: number; warnPercent: number } {
  const reservePercent = target.quota_reserve_percent ?? 10;
  return { reservePercent, warnPercent: target.quota_warn_percent ?? Math.max(20, reservePercent) };
}

export type CallOptions = Omit<RequestOptions, 'correlationId' | 'idempotencyKey' | 'log'>;
export type EventCall = <T = unknown>(opts: CallOptions) => Promise<HttpResult & { body: T }>;
