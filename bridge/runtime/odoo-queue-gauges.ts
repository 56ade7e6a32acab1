import client from 'prom-client';
import type { TargetStatus } from '../odoo/contract.js';
import type { Logger } from '../log/logger.js';

/** The event states Odoo counts per target (sync_status_summary). */
const STATES = ['pending', 'in_progress', 'failed', 'dead'] as const;
/** The claim lanes Odoo splits pending events into (addon 18.0.1.9.0+). */
const LANES = ['order', 'status', 'bulk'] as const;

export interface OdooQueueGaugeOptions {
  /** A scrape reuses figures younger than this instead of asking Odoo again. Default 30 s. */
  maxAgeMs?: number;
  now?: () => number;
  log?: Logger;
}

/**
 * Odoo's own view of the outbox on /metrics, read at scrape time from `sync_status_summary`
 * (cached `maxAgeMs`, so scrapes never load Odoo): events per target and state, pending events per
 * claim lane (when the addon has lanes), the age of the oldest pending event, open exceptions. Unlike the sidecar's counters these survive restarts and
 * include events no sidecar has claimed yet, so "dead events exist" or "the queue is stuck" can be
 * alerted on (docs/monitoring.md). When Odoo does not answer, `sync_bridge_odoo_up` is 0 and the
 * last figures are kept; `sync_bridge_odoo_queue_scraped_timestamp_seconds` says how old they are.
 */
export class OdooQueueGauges {
  private readonly maxAgeMs: number;
  private readonly now: () => number;
  private fetchedAt = Number.NEGATIVE_INFINITY;
  private inFlight: Promise<void> | undefined;
  private readonly events: client.Gauge<'target' | 'state'>;
  private readonly lanes: client.Gauge<'target' | 'lane'>;
  private readonly oldest: client.Gauge<'target'>;
  private readonly exceptions: client.Gauge<'target'>;
  private readonly up: client.Gauge;
  private readonly scrapedAt: client.Gauge;

  constructor(registry: client.Registry, private readonly fetch: () => Promise<TargetStatus[]>, opts: OdooQueueGaugeOptions = {}) {
    this.maxAgeMs = opts.maxAgeMs ?? 30_000;
    this.now = opts.now ?? Date.now;
    // Every gauge waits for the same read (prom-client serialises the metrics concurrently).
    const refresh = () => this.refresh(opts.log);
    this.events = new client.Gauge({
      name: 'sync_bridge_odoo_events', help: 'Events in Odoo\'s outbox per target and state (pending, in_progress, failed, dead), read from Odoo',
      labelNames: ['target', 'state'], registers: [registry], collect: refresh,
    });
    this.lanes = new client.Gauge({
      name: 'sync_bridge_odoo_pending_by_lane', help: 'Pending events in Odoo per target and claim lane (order, status, bulk), read from Odoo (absent with an addon without lanes)',
      labelNames: ['target', 'lane'], registers: [registry], collect: refresh,
    });
    this.oldest = new client.Gauge({
      name: 'sync_bridge_odoo_oldest_pending_seconds', help: 'Age of the oldest pending event per target in Odoo (0: none pending)',
      labelNames: ['target'], registers: [registry], collect: refresh,
    });
    this.exceptions = new client.Gauge({
      name: 'sync_bridge_odoo_open_exceptions', help: 'Open sync exceptions per target in Odoo', labelNames: ['target'], registers: [registry], collect: refresh,
    });
    this.up = new client.Gauge({ name: 'sync_bridge_odoo_up', help: '1 when the last read of Odoo\'s queue figures succeeded, else 0', registers: [registry], collect: refresh });
    this.scrapedAt = new client.Gauge({
      name: 'sync_bridge_odoo_queue_scraped_timestamp_seconds', help: 'When the Odoo queue figures were last read successfully (Unix time)', registers: [registry], collect: refresh,
    });
  }

  /** Reads Odoo unless the figures are fresh; concurrent scrapes share one read. Never throws. */
  refresh(log?: Logger): Promise<void> {
    if (this.now() - this.fetchedAt < this.maxAgeMs) return Promise.resolve();
    this.inFlight ??= this.read(log).finally(() => { this.inFlight = undefined; });
    return this.inFlight;
  }

  private async read(log?: Logger): Promise<void> {
    try {
      const rows = await this.fetch();
      this.events.reset();
      this.lanes.reset();
      this.oldest.reset();
      this.exceptions.reset();
      for (const r of rows) {
        for (const s of STATES) this.events.set({ target: r.target, state: s }, Number(r[s]) || 0);
        const lanes = r.pending_by_lane;
        if (lanes) for (const l of LANES) this.lanes.set({ target: r.target, lane: l }, Number(lanes[l]) || 0);
        this.oldest.set({ target: r.target }, typeof r.oldest_pending_age_seconds === 'number' ? r.oldest_pending_age_seconds : 0);
        this.exceptions.set({ target: r.target }, Number(r.open_exceptions) || 0);
      }
      this.fetchedAt = this.now();
      this.up.set(1);
      this.scrapedAt.set(Math.floor(this.fetchedAt / 1000));
    } catch (err) {
      this.up.set(0);
      log?.warn(`metrics: Odoo queue figures not read: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}
