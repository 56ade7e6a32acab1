import { BridgeError, PermanentError, TransientError } from '../../errors/index.js';
import type { Logger } from '../../log/logger.js';
import { Redactor } from '../../log/redact.js';
import type { AuthProvider } from './auth/auth-provider.js';
import { CircuitBreaker, type BreakerPermit, type CircuitState } from './circuit-breaker.js';
import { classifyResponse, genericErrorExtractor, type ErrorExtractor } from './classify.js';
import { ConcurrencyLimiter } from './concurrency-limiter.js';
import type { HttpDeps } from './deps.js';
import { noQuotaHeaders, type QuotaHeaderParser, type QuotaObservation } from './quota.js';
import { QuotaTracker, type QuotaCrossing, type QuotaPolicy, type QuotaReserveError } from './quota-tracker.js';
import { RateLimiter } from './rate-limiter.js';
import { requestWithTimeout, type RawResponse } from './timeout-request.js';
import { joinUrl, sameOrigin, type Query } from './url.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface TargetHttpClientOptions {
  /** Target code (used in messages, logs, metrics). */
  code: string;
  baseUrl: string;
  timeoutMs: number;
  concurrency: number;
  ratePerMinute?: number;
  breakerThreshold: number;
  breakerResetMs: number;
  auth: AuthProvider;
  /** Reads the vendor's error body; the generic extractor otherwise. */
  extractError?: ErrorExtractor;
  /** Header that carries the event's idempotency key; none when the target has no such header. */
  idempotencyHeader?: string;
  /** Longest a request waits for a free rate slot or the end of a 429 pause before failing (TransientError). */
  maxWaitMs?: number;
  /** Pause after a 429 that names no Retry-After. */
  defaultRetryAfterMs?: number;
  /** Headers sent on every request (e.g. shipbob_channel_id is per operation, not here). */
  defaultHeaders?: Record<string, string>;
  deps: HttpDeps;
  /** Observes each exchange (metrics). status is 0 for a network error or timeout. */
  onExchange?: (e: { target: string; method: string; status: number; ms: number }) => void;
  onCircuitChange?: (target: string, from: CircuitState, to: CircuitState) => void;
  /** Reads the vendor's quota headers from each answer (the preset's parser); none by default. */
  quotaHeaders?: QuotaHeaderParser;
  /** Reserve and warning threshold of the daily quota (targets.<code>.quota_reserve_percent / quota_warn_percent). */
  quotaPolicy?: QuotaPolicy;
  /** Observes each answer's quota observations (state file, for `sync-bridge status`). */
  onQuota?: (target: string, observations: QuotaObservation[], crossing: QuotaCrossing | undefined) => void;
  /** Logger for quota crossings seen outside an event (reconciliation, polls); an event's own logger otherwise. */
  log?: Logger;
}

/** Which work a request serves: `live` (events, enrichment reads, polls) or `batch` (reconciliation), which yields to the quota reserve. */
export type RequestLane = 'live' | 'batch';

/** What a lane view of the client shares with the client it was made from. */
interface SharedParts {
  breaker: CircuitBreaker;
  limiter: RateLimiter;
  concurrency: ConcurrencyLimiter;
  quota: QuotaTracker;
  redactor: Redactor;
}

export interface RequestOptions {
  method: HttpMethod;
  /** Relative to the target's base URL, or an absolute URL on the same origin (pagination links). */
  path: string;
  query?: Query;
  /** JSON body. */
  body?: unknown;
  headers?: Record<string, string>;
  correlationId: string;
  /** Sent in the target's idempotency header when it has one. */
  idempotencyKey?: string;
  /** Non-2xx statuses returned to the caller instead of thrown (e.g. 404 on a lookup). */
  accept?: number[];
  log?: Logger;
}

export type HttpResult = RawResponse;

/**
 * The HTTP layer of one target: concurrency limit, client-side rate limit and 429 pause,
 * circuit breaker, auth (with one retry after a 401 when a new credential can be minted),
 * timeout, correlation/idempotency headers and error classification. Every failure is a
 * BridgeError whose message names the target, method, path and the vendor's message, and
 * never a secret.
 */
export class TargetHttpClient {
  readonly code: string;
  readonly breaker: CircuitBreaker;
  readonly limiter: RateLimiter;
  readonly concurrency: ConcurrencyLimiter;
  /** Latest quota observation per window and the daily quota's level. */
  readonly quota: QuotaTracker;
  private readonly redactor: Redactor;
  private readonly extract: ErrorExtractor;
  private readonly parseQuota: QuotaHeaderParser;
  private batchView: TargetHttpClient | undefined;

  constructor(private readonly opts: TargetHttpClientOptions, shared?: SharedParts, readonly lane: RequestLane = 'live') {
    this.code = opts.code;
    this.extract = opts.extractError ?? genericErrorExtractor;
    this.parseQuota = opts.quotaHeaders ?? noQuotaHeaders;
    this.breaker = shared?.breaker ?? new CircuitBreaker({
      threshold: opts.breakerThreshold,
      resetMs: opts.breakerResetMs,
      now: opts.deps.now,
      onStateChange: (from, to) => opts.onCircuitChange?.(opts.code, from, to),
    });
    this.limiter = shared?.limiter ?? new RateLimiter(opts.ratePerMinute, opts.deps.now);
    this.concurrency = shared?.concurrency ?? new ConcurrencyLimiter(opts.concurrency);
    this.quota = shared?.quota ?? new QuotaTracker(opts.code, opts.quotaPolicy ?? { reservePercent: 0, warnPercent: 0 }, opts.deps.now);
    this.redactor = shared?.redactor ?? new Redactor();
  }

  /**
   * The same client (breaker, rate limiter, concurrency, quota shared) for batch work:
   * reconciliation reads through it, and each of its requests is refused with a
   * QuotaReserveError while the target's daily quota is below the reserve.
   */
  forBatch(): TargetHttpClient {
    if (this.lane === 'batch') return this;
    this.batchView ??= new TargetHttpClient(this.opts, {
      breaker: this.breaker, limiter: this.limiter, concurrency: this.concurrency, quota: this.quota, redactor: this.redactor,
    }, 'batch');
    return this.batchView;
  }

  /** Why batch work must not call the target now (daily quota below the reserve); undefined when it may. */
  quotaReserveRefusal(): QuotaReserveError | undefined {
    return this.quota.reserveRefusal();
  }

  /** Latest quota observation per window. */
  quotaObservations(): QuotaObservation[] {
    return this.quota.observations();
  }

  get baseUrl(): string {
    return this.opts.baseUrl;
  }

  circuitState(): CircuitState {
    return this.breaker.state();
  }

  /** Milliseconds left of the pause the target asked for (429, exhausted allocation); 0 when none. */
  pausedForMs(): number {
    return this.limiter.pausedForMs();
  }

  /** Removes secrets (credentials, minted tokens) from a text. */
  redact(s: string): string {
    this.redactor.add(...this.opts.auth.secretValues());
    return this.redactor.redactString(s);
  }

  snapshot(): Record<string, unknown> {
    return {
      target: this.code,
      circuit: this.breaker.snapshot(),
      rate: this.limiter.snapshot(),
      inFlight: this.concurrency.inFlight,
      queued: this.concurrency.queued,
      quota: { level: this.quota.level(), observations: this.quota.observations() },
    };
  }

  async request<T = unknown>(req: RequestOptions): Promise<HttpResult & { body: T }> {
    const url = joinUrl(this.opts.baseUrl, req.path, req.query);
    if (!sameOrigin(url, this.opts.baseUrl)) {
      throw new PermanentError(`${this.code}: refusing to send credentials to another origin (${url.origin})`, { category: 'internal' });
    }
    const label = `${req.method} ${url.pathname}`;
    // Batch work yields to the live flow while the daily quota is below the reserve.
    if (this.lane === 'batch') {
      const refusal = this.quota.reserveRefusal();
      if (refusal) throw refusal;
    }
    // Fail fast while open, before queueing for a concurrency slot.
    if (this.breaker.state() === 'open') this.breaker.acquire(this.code);
    const release = await this.concurrency.acquire();
    try {
      for (let authRetry = 0; ; authRetry++) {
        await this.waitForSlot(label);
        const permit = this.breaker.acquire(this.code);
        const headers = new Headers(this.opts.defaultHeaders);
        headers.set('Accept', 'application/json');
        headers.set('User-Agent', 'odoo-sync-bridge');
        headers.set('X-Correlation-Id', req.correlationId);
        if (this.opts.idempotencyHeader && req.idempotencyKey) headers.set(this.opts.idempotencyHeader, req.idempotencyKey);
        for (const [k, v] of Object.entries(req.headers ?? {})) headers.set(k, v);
        let handle: string | undefined;
        try {
          handle = await this.opts.auth.apply(headers);
        } catch (err) {
          this.breaker.onNeutral(permit);
          const clean = this.scrub(err);
          // A 429 from the OAuth2 token endpoint: the target is paused as after an API 429.
          if (clean instanceof TransientError && clean.rateLimited) throw this.pauseTarget(clean, 'OAuth2 token endpoint HTTP 429', `${label} (token request)`, req.log);
          throw clean;
        }
        let body: string | undefined;
        if (req.body !== undefined) {
          headers.set('Content-Type', 'application/json');
          body = JSON.stringify(req.body);
        }
        const started = this.opts.deps.now();
        let res: RawResponse;
        try {
          res = await requestWithTimeout(this.opts.deps.fetch, url, { method: req.method, headers, body }, this.opts.timeoutMs, `${this.code}: ${label}`);
        } catch (err) {
          this.breaker.onFailure(permit);
          this.opts.onExchange?.({ target: this.code, method: req.method, status: 0, ms: this.opts.deps.now() - started });
          req.log?.warn('target request failed', { target: this.code, request: label, error: this.scrub(err).message });
          throw markProbe(this.scrub(err), permit);
        }
        const ms = this.opts.deps.now() - started;
        this.opts.onExchange?.({ target: this.code, method: req.method, status: res.status, ms });
        this.observeQuota(res.headers, res.status, req.log);
        if (res.status >= 500 || res.status === 408) this.breaker.onFailure(permit);
        else if (res.status === 429) this.breaker.onNeutral(permit);
        else this.breaker.onSuccess(permit);
        req.log?.debug('target request', { target: this.code, request: label, status: res.status, ms });

        if (res.status >= 200 && res.status < 300) return res as HttpResult & { body: T };
        if (res.status === 401 && authRetry === 0 && this.opts.auth.invalidate(handle)) {
          req.log?.info('target answered 401; renewing the credential and retrying once', { target: this.code, request: label });
          continue;
        }
        if (req.accept?.includes(res.status)) return res as HttpResult & { body: T };

        const info = this.extract(res);
        const err = markProbe(classifyResponse({ target: this.code, label, res, info, now: this.opts.deps.now(), redact: (s) => this.redact(s) }), permit);
        if (err instanceof TransientError && (res.status === 429 || info.transientRetryMs !== undefined)) {
          throw this.pauseTarget(err, res.status === 429 ? 'HTTP 429' : (info.code ?? 'vendor limit'), label, req.log);
        }
        throw err;
      }
    } finally {
      release();
    }
  }

  /**
   * Records the quota the answer reports. A burst window used up (remaining 0) whose length the
   * vendor states (HubSpot's X-HubSpot-RateLimit-Interval-Milliseconds) pauses the target for
   * it, through the same pause as a 429: the next request waits instead of provoking one. A 429
   * answer itself is left to the 429 handling, which knows which limit it was (HubSpot's search
   * limit is one second, not the burst window its headers describe).
   */
  private observeQuota(headers: Headers, status: number, log: Logger | undefined): void {
    let observations: QuotaObservation[];
    try {
      observations = this.parseQuota(headers, this.opts.deps.now());
    } catch {
      return; // a parser must not throw; if one does, the answer still counts
    }
    if (observations.length === 0) return;
    const crossing = this.quota.observe(observations, log ?? this.opts.log);
    const burst = observations.find((o) => o.window === 'burst');
    if (status !== 429 && burst && burst.remaining === 0 && burst.intervalMs !== undefined) {
      this.limiter.pause(burst.intervalMs, 'burst quota used up');
    }
    try {
      this.opts.onQuota?.(this.code, observations, crossing);
    } catch (err) {
      (log ?? this.opts.log)?.warn(`quota observation not recorded: ${err instanceof Error ? err.message : String(err)}`, { target: this.code });
    }
  }

  /**
   * The target asked us to slow down (429, exhausted allocation): pauses the whole target for the
   * error's retryAfterMs (Retry-After), else defaultRetryAfterMs (1 s), and returns the error to
   * throw, carrying that wait.
   */
  private pauseTarget(err: TransientError, reason: string, label: string, log: Logger | undefined): TransientError {
    const pauseMs = err.retryAfterMs ?? this.opts.defaultRetryAfterMs ?? 1000;
    this.limiter.pause(pauseMs, reason);
    log?.warn('target asked us to slow down; pausing the target', { target: this.code, request: label, pauseMs });
    if (err.retryAfterMs !== undefined) return err;
    return new TransientError(err.message, { retryAfterMs: pauseMs, rateLimited: err.rateLimited, details: err.details });
  }

  /** Waits for the rate limiter (and any 429 pause) up to maxWaitMs, else fails with TransientError. */
  private async waitForSlot(label: string): Promise<void> {
    const maxWait = this.opts.maxWaitMs ?? 10_000;
    for (;;) {
      const wait = this.limiter.tryAcquire();
      if (wait === 0) return;
      const paused = this.limiter.pausedForMs() > 0;
      if (wait > maxWait) {
        throw new TransientError(
          `${this.code}: ${label} not sent: ${paused ? 'target paused after it asked us to slow down' : 'client-side rate limit reached'}; retry in ${wait} ms`,
          { retryAfterMs: wait, rateLimited: true, details: { reason: paused ? 'paused' : 'throttled', inDoubt: false } },
        );
      }
      await this.opts.deps.sleep(wait);
    }
  }

  private scrub(err: unknown): Error {
    if (err instanceof BridgeError) {
      const clean = this.redact(err.message);
      if (clean !== err.message) Object.defineProperty(err, 'message', { value: clean });
      return err;
    }
    const e = err instanceof Error ? err : new Error(String(err));
    return new TransientError(this.redact(`${this.code}: ${e.message}`), { cause: e, details: { inDoubt: true } });
  }
}

/**
 * A transient failure of the half-open circuit's probe says the target is still down, not that
 * this event is bad: `details.probe` lets the runtime not count it towards dead (see
 * deliver-event.ts), so a long outage does not exhaust the attempts of the events used as probes.
 */
function markProbe<E extends Error>(err: E, permit: BreakerPermit): E {
  if (permit.probe && err instanceof TransientError) err.details.probe = true;
  return err;
}
