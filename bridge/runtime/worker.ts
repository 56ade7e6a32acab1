import type { Logger } from '../log/logger.js';
import { BridgeError } from '../errors/index.js';
import type { ClaimedEvent, LeaseRef, OdooContract } from '../odoo/contract.js';
import type { Connector } from '../connectors/connector.js';
import type { WritebackQueue } from '../state/writeback-queue.js';
import { deliverEvent, type DeliverDeps } from './deliver-event.js';
import type { OutboundMapper } from './ports.js';
import type { BridgeMetrics } from './metrics.js';
import { formatBytes, reclaimFreePages } from '../state/state-space.js';

export interface WorkerOptions {
  workerId: string;
  batchSize: number;
  leaseSeconds: number;
  concurrency: number;
  pollMinMs: number;
  pollMaxMs: number;
  /** Delivered write-backs and delivery-log rows older than this are purged (hourly); unset: kept. */
  retentionDays?: number;
}

/**
 * The delivery loop. Claims events for the targets whose circuit is not open and that are not
 * paused by a rate limit (so one target's outage or limit never holds the others), delivers
 * them with bounded concurrency, keeps their leases alive by heartbeat, and flushes outcomes
 * to Odoo through the durable write-back queue.
 * Polls again at once while batches come back full and backs off to pollMaxMs when idle.
 */
export class Worker {
  private readonly inflight = new Map<number, { ref: LeaseRef; target: string; promise: Promise<void>; event: ClaimedEvent }>();
  private stopping = false;
  private idleMs: number;
  private wake: (() => void) | undefined;
  private loopDone: Promise<void> | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private purgeTimer: NodeJS.Timeout | undefined;
  lastClaimAt = 0;
  lastError: string | undefined;

  constructor(
    private readonly opts: WorkerOptions,
    private readonly contract: OdooContract,
    private readonly connectors: Map<string, Connector>,
    private readonly writeback: WritebackQueue,
    private readonly deliverDeps: DeliverDeps,
    private readonly metrics: BridgeMetrics,
    private readonly log: Logger,
  ) {
    this.idleMs = opts.pollMinMs;
  }

  start(): void {
    this.heartbeatTimer = setInterval(() => { void this.heartbeat(); }, Math.max(1000, (this.opts.leaseSeconds * 1000) / 3));
    this.heartbeatTimer.unref();
    if (this.opts.retentionDays !== undefined) {
      this.purge();
      this.purgeTimer = setInterval(() => this.purge(), 3_600_000);
      this.purgeTimer.unref();
    }
    this.loopDone = this.loop();
  }

  /** Retention (state.retention_days) of the write-backs Odoo accepted and of the delivery log. */
  purge(): void {
    const days = this.opts.retentionDays;
    if (days === undefined) return;
    try {
      const writebacks = this.writeback.purge(days);
      const attempts = this.deliverDeps.deliveryLog?.purge(days) ?? 0;
      if (writebacks + attempts > 0) {
        const freed = reclaimFreePages(this.writeback.db);
        this.log.info(`purged ${writebacks} write-back(s) and ${attempts} delivery log row(s) older than ${days} days${freed > 0 ? `; ${formatBytes(freed)} given back to the disk` : ''}`);
      }
    } catch (err) {
      this.log.warn(`state purge failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /** Graceful stop: no new claims, in-flight work finishes, outcomes are flushed. */
  async stop(graceMs = 20_000): Promise<void> {
    this.stopping = true;
    this.wake?.();
    const all = Promise.all([...this.inflight.values()].map((f) => f.promise));
    await Promise.race([all, sleep(graceMs)]);
    // Still in flight after the grace: their request may have reached the target, so they go
    // back in doubt (attempt kept) and the next claim looks them up before creating again.
    const left = [...this.inflight.values()].map((f) => ({ ...f.ref, in_doubt: true }));
    if (left.length > 0) {
      this.log.warn(`${left.length} delivery(ies) still in flight after the shutdown grace: leases given back in doubt`, { eventIds: left.map((l) => l.id) });
      await this.contract.release(this.opts.workerId, left).catch((err: unknown) => {
        this.log.warn('could not release leases at shutdown; they expire by themselves', { error: String(err) });
      });
    }
    await this.loopDone;
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    if (this.purgeTimer) clearInterval(this.purgeTimer);
    await this.flush();
  }

  inflightCount(): number { return this.inflight.size; }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      const flushed = await this.flush();
      if (this.stopping) break;
      if (!flushed) { await this.pause(this.opts.pollMaxMs); continue; }
      const free = this.opts.concurrency - this.inflight.size;
      const { closed, probes } = this.claimableTargets();
      if (free <= 0 || (closed.length === 0 && probes.length === 0)) { await this.pause(this.opts.pollMaxMs); continue; }
      let full = false;
      try {
        // A half-open target gets one event (its probe), not a batch that would fail fast and
        // burn an attempt of every event each time the circuit half-opens during an outage.
        if (probes.length > 0 && !(await this.dispatchAll(await this.claimFrom(probes, Math.min(probes.length, free))))) break;
        const limit = Math.min(this.opts.batchSize, this.opts.concurrency - this.inflight.size);
        if (closed.length > 0 && limit > 0) {
          const batch = await this.claimFrom(closed, limit);
          if (!(await this.dispatchAll(batch))) break;
          full = batch.events.length >= limit;
        }
        this.lastClaimAt = Date.now();
        this.lastError = undefined;
      } catch (err) {
        this.lastError = err instanceof Error ? err.message : String(err);
        this.log.warn(`claim failed: ${this.lastError}`, { retryable: err instanceof BridgeError ? err.retryable : false });
        await this.pause(this.opts.pollMaxMs);
        continue;
      }
      if (full) { this.idleMs = this.opts.pollMinMs; if (this.inflight.size >= this.opts.concurrency) await this.pause(this.opts.pollMaxMs); continue; }
      await this.pause(this.idleMs);
      this.idleMs = Math.min(this.opts.pollMaxMs, Math.max(this.opts.pollMinMs, 100, this.idleMs * 2));
    }
  }

  /**
   * Starts the deliveries of a claimed batch; false when the sidecar began stopping while the
   * claim was on its way: then nothing is sent, and the leases are given back (not in doubt:
   * no request was made), so no request goes out after SIGTERM without a grace to finish it.
   */
  private async dispatchAll(batch: { events: ClaimedEvent[]; mapper: OutboundMapper }): Promise<boolean> {
    if (this.stopping) {
      if (batch.events.length > 0) {
        this.log.info(`stopping: ${batch.events.length} event(s) claimed meanwhile given back unsent`, { eventIds: batch.events.map((e) => e.id) });
        await this.contract.release(this.opts.workerId, batch.events.map((e) => ({ id: e.id, lease_token: e.lease_token }))).catch((err: unknown) => {
          this.log.warn('could not give back the leases claimed while stopping; they expire by themselves', { error: String(err) });
        });
      }
      return false;
    }
    this.observeLag(batch.events);
    const deps = batch.mapper === this.deliverDeps.mapper ? this.deliverDeps : { ...this.deliverDeps, mapper: batch.mapper };
    for (const ev of batch.events) this.dispatch(ev, deps);
    return true;
  }

  private dispatch(ev: ClaimedEvent, deps: DeliverDeps): void {
    const running = this.inflight.get(ev.id);
    if (running) {
      // Its lease expired while the delivery was still running (Odoo unreachable for longer than
      // the lease, so the heartbeats failed) and this sidecar claimed it again: a second delivery
      // would race the first one's request. The running one carries on under the new lease: its
      // outcome and the heartbeats use the new token.
      running.event.lease_token = ev.lease_token;
      running.ref.lease_token = ev.lease_token;
      this.log.warn('claimed again while its delivery was still running (its lease had expired): that delivery goes on under the new lease', { eventId: ev.id, target: ev.target });
      return;
    }
    this.metrics.claimed.inc({ target: ev.target, event_type: ev.event_type });
    const promise = deliverEvent(ev, deps).then(
      () => undefined,
      (err: unknown) => { this.log.error('deliverEvent threw (bug)', { error: String(err) }); },
    ).finally(() => {
      this.inflight.delete(ev.id);
      this.wake?.();
    });
    this.inflight.set(ev.id, { ref: { id: ev.id, lease_token: ev.lease_token }, target: ev.target, promise, event: ev });
  }

  /**
   * Targets to claim from: closed circuits, and half-open ones with nothing in flight (probe).
   * A target paused after it asked us to slow down (429, exhausted allocation) is skipped until
   * the pause ends: its events would only be held back, each claim adding to their attempts.
   */
  private claimableTargets(): { closed: string[]; probes: string[] } {
    const busy = new Set([...this.inflight.values()].map((f) => f.target));
    const closed: string[] = [];
    const probes: string[] = [];
    for (const c of this.connectors.values()) {
      if (c.pausedForMs() > 0) continue;
      const state = c.circuitState();
      if (state === 'closed') closed.push(c.code);
      else if (state === 'half_open' && !busy.has(c.code)) probes.push(c.code);
    }
    return { closed, probes };
  }

  /**
   * One claim, with the web_read specs of the mapping set live now; its events are delivered
   * with that same set (a reload during their delivery applies from the next claim on).
   */
  private async claimFrom(targets: string[], limit: number): Promise<{ events: ClaimedEvent[]; mapper: OutboundMapper }> {
    const mapper = this.deliverDeps.mapper.snapshot?.() ?? this.deliverDeps.mapper;
    const events = await this.contract.claim(this.opts.workerId, targets, limit, this.opts.leaseSeconds, mapper.specs(targets));
    return { events, mapper };
  }

  /** Writes queued outcomes back; false while Odoo cannot take them (then we do not claim). */
  private async flush(): Promise<boolean> {
    const report = await this.writeback.flush(this.contract);
    this.metrics.writebackBacklog.set(this.writeback.backlog());
    if (report.refused > 0) this.log.warn(`${report.refused} outcome(s) refused by Odoo: lease lost, the event will be offered again`);
    if (report.conflicts) this.log.error(`${report.conflicts} delivery result(s) refused by Odoo (link conflict): the event(s) are failed with an exception`);
    if (report.rejected > 0) this.log.error(`${report.rejected} outcome(s) rejected by Odoo; kept in the state file for review`);
    if (report.error) {
      // Shown by /readyz: outcomes cannot reach Odoo (the claim loop is paused meanwhile).
      this.lastError = `write-back pending (${report.pending} kept): ${report.error.message}`;
      this.log.warn(`write-back to Odoo pending (${report.pending} kept): ${report.error.message}`);
      return false;
    }
    return true;
  }

  private async heartbeat(): Promise<void> {
    const refs = [...this.inflight.values()].map((f) => f.ref);
    if (refs.length === 0) return;
    try {
      const res = await this.contract.heartbeat(this.opts.workerId, refs, this.opts.leaseSeconds);
      for (const r of res.refused) this.log.warn('lease lost while in flight; its outcome will be refused', { eventId: r.id, reason: r.reason });
    } catch (err) {
      this.log.warn(`heartbeat failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private observeLag(batch: ClaimedEvent[]): void {
    const oldest = new Map<string, number>();
    for (const ev of batch) {
      const t = Date.parse(`${ev.created_at.replace(' ', 'T')}Z`);
      if (!Number.isNaN(t)) oldest.set(ev.target, Math.min(oldest.get(ev.target) ?? t, t));
    }
    for (const [target, t] of oldest) this.metrics.queueLag.set({ target }, Math.max(0, (Date.now() - t) / 1000));
  }

  private pause(ms: number): Promise<void> {
    if (this.stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => { this.wake = undefined; resolve(); }, ms);
      this.wake = () => { clearTimeout(timer); this.wake = undefined; resolve(); };
    });
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => { setTimeout(resolve, ms).unref(); });
}
