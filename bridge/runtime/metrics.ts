import client from 'prom-client';
import type { CircuitState, QuotaObservation } from '../connectors/connector.js';

const CIRCUIT_VALUE: Record<CircuitState, number> = { closed: 0, half_open: 1, open: 2 };

/** One HTTP exchange as the target's HTTP client reports it; status 0 = network error or timeout. */
export interface HttpExchange { target: string; method: string; status: number; ms: number }

/** What the circuit gauge reads at each scrape: the targets' connectors. */
export interface CircuitSource { readonly code: string; circuitState(): CircuitState }

/** What the quota gauges read at each scrape: the targets' connectors (latest observation per window). */
export interface QuotaSource { readonly code: string; quota?(): QuotaObservation[] }

/** Prometheus metrics of the sidecar (served on /metrics). One registry per process. */
export class BridgeMetrics {
  readonly registry = new client.Registry();
  readonly claimed = new client.Counter({ name: 'sync_bridge_events_claimed_total', help: 'Events claimed from Odoo', labelNames: ['target', 'event_type'], registers: [this.registry] });
  readonly sent = new client.Counter({ name: 'sync_bridge_events_sent_total', help: 'Events delivered to their target', labelNames: ['target', 'event_type'], registers: [this.registry] });
  readonly failed = new client.Counter({ name: 'sync_bridge_events_failed_total', help: 'Delivery failures by outcome (retry, failed, dead)', labelNames: ['target', 'event_type', 'outcome', 'error_class'], registers: [this.registry] });
  readonly retries = new client.Counter({ name: 'sync_bridge_retries_total', help: 'Deliveries that were retries of an earlier attempt', labelNames: ['target'], registers: [this.registry] });
  readonly latency = new client.Histogram({
    name: 'sync_bridge_delivery_latency_seconds', help: 'From event creation in Odoo to target acknowledgement',
    labelNames: ['target', 'event_type'], buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600], registers: [this.registry],
  });
  readonly queueLag = new client.Gauge({ name: 'sync_bridge_queue_lag_seconds', help: 'Age of the oldest event in the last claimed batch', labelNames: ['target'], registers: [this.registry] });
  private circuits: () => Iterable<CircuitSource> = () => [];
  /** Read from the breakers at each scrape (trackCircuits), so it is never stale. */
  readonly circuit = new client.Gauge({
    name: 'sync_bridge_circuit_state', help: 'Circuit breaker per target: 0 closed, 1 half open, 2 open', labelNames: ['target'], registers: [this.registry],
    collect: () => { for (const c of this.circuits()) this.circuit.set({ target: c.code }, CIRCUIT_VALUE[c.circuitState()]); },
  });
  private quotaSources: () => Iterable<QuotaSource> = () => [];
  /** Read from the targets' last answers at each scrape (trackQuota): a target that reported nothing has no series. */
  readonly quotaRemaining = new client.Gauge({
    name: 'sync_bridge_api_quota_remaining', help: 'API requests left in the target\'s quota window (burst: the vendor\'s short rolling window; daily: its daily allocation), as its last answer reported',
    labelNames: ['target', 'window'], registers: [this.registry],
    collect: () => { this.collectQuota(this.quotaRemaining, (o) => o.remaining); },
  });
  readonly quotaLimit = new client.Gauge({
    name: 'sync_bridge_api_quota_limit', help: 'Size of the target\'s quota window (requests), as its last answer reported; absent when the vendor does not say (ShipBob)',
    labelNames: ['target', 'window'], registers: [this.registry],
    collect: () => { this.collectQuota(this.quotaLimit, (o) => o.limit); },
  });
  /** 1, labelled with what runs: the sidecar, the Odoo it talks to and over which protocol, the addon there (as seen at start). */
  readonly buildInfo = new client.Gauge({
    name: 'sync_bridge_build_info', help: 'The sidecar version, Odoo server version and protocol, and sync_bridge addon version (value 1)',
    labelNames: ['version', 'odoo_version', 'odoo_protocol', 'addon_version'], registers: [this.registry],
  });
  readonly writebackBacklog = new client.Gauge({ name: 'sync_bridge_writeback_backlog', help: 'Outcomes waiting to be written back to Odoo', registers: [this.registry] });
  readonly inboxDepth = new client.Gauge({ name: 'sync_bridge_inbox_depth', help: 'Inbound messages stored but not yet applied to Odoo', labelNames: ['source'], registers: [this.registry] });
  /** Every HTTP exchange with a target's API (outbound deliveries, enrichment reads, polls, reconciliation). */
  readonly httpRequests = new client.Counter({
    name: 'sync_bridge_http_requests_total', help: 'HTTP requests to each target\'s API by status code (error: network error or timeout, no answer)',
    labelNames: ['target', 'method', 'status'], registers: [this.registry],
  });
  readonly httpDuration = new client.Histogram({
    name: 'sync_bridge_http_request_duration_seconds', help: 'Duration of one HTTP exchange with a target\'s API (until the body is read, or the failure)',
    labelNames: ['target', 'method'], buckets: [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60], registers: [this.registry],
  });

  /**
   * The HTTP clients' `onExchange` hook (createConnector deps): counts the exchange by status and
   * observes its duration. Labels are the target code, the method and the status code only (no
   * URL, path or id), so their number stays bounded.
   */
  readonly observeExchange = (e: HttpExchange): void => {
    this.httpRequests.inc({ target: e.target, method: e.method, status: e.status === 0 ? 'error' : String(e.status) });
    this.httpDuration.observe({ target: e.target, method: e.method }, Math.max(0, e.ms) / 1000);
  };

  constructor() {
    client.collectDefaultMetrics({ register: this.registry, prefix: 'sync_bridge_' });
  }

  /** Sets sync_bridge_build_info (once, at start). */
  setBuildInfo(v: { sidecar: string; odoo: { server_version: string; protocol: string }; addon: { module_version: string } }): void {
    this.buildInfo.reset();
    this.buildInfo.set({ version: v.sidecar, odoo_version: v.odoo.server_version, odoo_protocol: v.odoo.protocol, addon_version: v.addon.module_version }, 1);
  }

  /** The targets whose quota sync_bridge_api_quota_remaining / _limit report, read at scrape time. */
  trackQuota(sources: () => Iterable<QuotaSource>): void {
    this.quotaSources = sources;
  }

  private collectQuota(gauge: client.Gauge, value: (o: QuotaObservation) => number | undefined): void {
    gauge.reset();
    for (const s of this.quotaSources()) {
      for (const o of s.quota?.() ?? []) {
        const v = value(o);
        if (v !== undefined) gauge.set({ target: s.code, window: o.window }, v);
      }
    }
  }

  /** The targets whose circuit state sync_bridge_circuit_state reports, read at scrape time. */
  trackCircuits(sources: () => Iterable<CircuitSource>): void {
    this.circuits = sources;
  }
}
