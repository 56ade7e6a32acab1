import client from 'prom-client';
import type { ReconJob } from '../odoo/contract.js';

/** How a reconciliation run ended, as the Reconciler reports it. */
export interface ReconRunOutcome {
  target: string;
  job: ReconJob;
  outcome: 'done' | 'failed';
  /** Lines that were not matched (done runs). */
  discrepancies?: number;
  ms?: number;
}

/**
 * Reconciliation on /metrics: runs per target, job and outcome, when each job last finished
 * without error, and the discrepancies that run found. "Reconciliation has not run since
 * yesterday" and "it finds discrepancies" can then be alerted on (docs/monitoring.md).
 */
export class ReconMetrics {
  private readonly runs: client.Counter<'target' | 'job' | 'outcome'>;
  private readonly lastSuccess: client.Gauge<'target' | 'job'>;
  private readonly discrepancies: client.Gauge<'target' | 'job'>;
  private readonly duration: client.Gauge<'target' | 'job'>;

  constructor(registry: client.Registry, private readonly now: () => number = Date.now) {
    this.runs = new client.Counter({ name: 'sync_bridge_reconcile_runs_total', help: 'Reconciliation runs per target, job and outcome (done, failed)', labelNames: ['target', 'job', 'outcome'], registers: [registry] });
    this.lastSuccess = new client.Gauge({ name: 'sync_bridge_reconcile_last_success_timestamp_seconds', help: 'When a reconciliation job of the target last finished without error (Unix time)', labelNames: ['target', 'job'], registers: [registry] });
    this.discrepancies = new client.Gauge({ name: 'sync_bridge_reconcile_discrepancies', help: 'Discrepancies the last finished reconciliation run of the job found (lines not matched)', labelNames: ['target', 'job'], registers: [registry] });
    this.duration = new client.Gauge({ name: 'sync_bridge_reconcile_last_duration_seconds', help: 'Duration of the last finished reconciliation run of the job', labelNames: ['target', 'job'], registers: [registry] });
  }

  /** The Reconciler's onRunFinished hook. */
  readonly observe = (r: ReconRunOutcome): void => {
    const labels = { target: r.target, job: r.job };
    this.runs.inc({ ...labels, outcome: r.outcome });
    if (r.outcome !== 'done') return;
    this.lastSuccess.set(labels, Math.floor(this.now() / 1000));
    this.discrepancies.set(labels, r.discrepancies ?? 0);
    if (r.ms !== undefined) this.duration.set(labels, r.ms / 1000);
  };
}
