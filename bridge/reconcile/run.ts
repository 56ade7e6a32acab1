import type { Logger } from '../log/logger.js';
import type { ReconCounts, ReconJob, ReconLine, ReconOutcome } from '../odoo/contract.js';
import { BridgeError } from '../errors/index.js';
import { OdooValidationError } from '../odoo/odoo-errors.js';

/**
 * One reconciliation run against Odoo: sync_recon_start (Odoo's lock), heartbeats while the job
 * works, result lines streamed in batches (sync_recon_lines), repairs (sync_recon_resend), and
 * sync_recon_finish with the counts, or as failed with the error. A local in-process guard
 * refuses a second run of the same job and target in this process before Odoo is even asked.
 */

/** The part of OdooContract a run needs (a recording fake in unit tests). */
export interface ReconPort {
  reconStart(target: string, job: ReconJob, dryRun: boolean, workerId: string): Promise<{ run_id: number }>;
  reconHeartbeat(runId: number): Promise<{ ok?: boolean; state?: string; error?: string | false } | unknown>;
  reconLines(runId: number, lines: ReconLine[]): Promise<{ refused?: Array<{ index: number; key: string | false; reason: string }> } | unknown>;
  reconResend(runId: number, model: string, ids: number[]): Promise<{ ok?: number[]; refused?: Array<{ id: number; reason: string }> } | unknown>;
  reconFinish(runId: number, state: 'done' | 'failed', counts: ReconCounts, error?: string): Promise<unknown>;
}

export const OUTCOMES: readonly ReconOutcome[] = ['matched', 'mismatch', 'missing_in_odoo', 'missing_in_target', 'duplicated', 'drift', 'in_flight_explained'];
/** Outcomes that are not discrepancies. */
export const CLEAN: ReadonlySet<ReconOutcome> = new Set(['matched', 'in_flight_explained']);

export class ReconBusyError extends Error {
  constructor(readonly target: string, readonly job: ReconJob, where: 'process' | 'odoo', detail?: string) {
    super(`a ${job} reconciliation of target '${target}' is already running${where === 'process' ? ' in this process' : ` (Odoo lock${detail ? `: ${detail}` : ''})`}`);
    this.name = 'ReconBusyError';
  }
}

export interface RunOptions {
  /** Lines per sync_recon_lines call. */
  lineBatch: number;
  /** Send matched lines too (default: only counted). */
  sendMatched: boolean;
  dryRun: boolean;
  heartbeatMs: number;
  /** Ids per sync_recon_resend call. */
  resendBatch?: number;
  /**
   * A page call (sync_recon_lines / sync_recon_resend) that fails with a retryable Odoo error
   * (Odoo unreachable, a serialization failure Odoo's own retries did not get past while the
   * worker acks the same records) is tried again this many times, after 1 s, 2 s, 4 s ...
   * (default 4). Safe: each call is one Odoo transaction, lines are keyed per run and re-sends
   * coalesce into the pending upsert.
   */
  pageRetries?: number;
  /** First pause before a page call is tried again (default 1000 ms; doubled each time). */
  pageRetryMs?: number;
  onProgress?: (counts: ReconCounts) => void;
}

export interface RunSummary {
  runId: number;
  target: string;
  job: ReconJob;
  dryRun: boolean;
  counts: ReconCounts;
  discrepancies: number;
  ms: number;
}

/** What a job sees: record lines, request repairs, count extra facts. */
export class ReconRun {
  readonly counts: ReconCounts = {};
  private batch: ReconLine[] = [];
  private readonly resendQueue = new Map<string, number[]>();
  /** Set when Odoo says the run is no longer running (heartbeat): the job stops at its next line. */
  aborted: string | undefined;

  constructor(private readonly port: ReconPort, readonly runId: number, readonly target: string, readonly job: ReconJob, private readonly opts: RunOptions, private readonly log?: Logger) {
    for (const o of OUTCOMES) this.counts[o] = 0;
  }

  get dryRun(): boolean { return this.opts.dryRun; }

  bump(name: string, n = 1): void {
    this.counts[name] = (this.counts[name] ?? 0) + n;
  }

  async line(line: ReconLine): Promise<void> {
    if (this.aborted) throw new Error(this.aborted);
    this.bump(line.outcome);
    this.opts.onProgress?.(this.counts);
    if (line.outcome === 'matched' && !this.opts.sendMatched) return;
    this.batch.push(line);
    if (this.batch.length >= this.opts.lineBatch) await this.flushLines();
  }

  /** Queues a re-send from Odoo of `model` `id` (upsert event); sent in batches. Dry run: counted only. */
  async resend(model: string, id: number): Promise<void> {
    this.bump(this.opts.dryRun ? 'would_resend' : 'resent');
    if (this.opts.dryRun) return;
    const q = this.resendQueue.get(model) ?? [];
    q.push(id);
    this.resendQueue.set(model, q);
    if (q.length >= (this.opts.resendBatch ?? 200)) await this.flushResend(model);
  }

  async flushLines(): Promise<void> {
    if (this.batch.length === 0) return;
    const lines = this.batch;
    this.batch = [];
    const r = (await this.retrying('sync_recon_lines', () => this.port.reconLines(this.runId, lines))) as { refused?: Array<{ key: string | false; reason: string }> } | undefined;
    if (r?.refused?.length) {
      this.bump('lines_refused', r.refused.length);
      this.log?.warn(`reconcile run ${this.runId}: Odoo refused ${r.refused.length} line(s), e.g. ${String(r.refused[0]!.key)}: ${r.refused[0]!.reason}`);
    }
  }

  private async flushResend(model: string): Promise<void> {
    const ids = this.resendQueue.get(model);
    if (!ids || ids.length === 0) return;
    this.resendQueue.set(model, []);
    const unique = [...new Set(ids)];
    const r = (await this.retrying('sync_recon_resend', () => this.port.reconResend(this.runId, model, unique))) as { refused?: Array<{ id: number; reason: string }> } | undefined;
    if (r?.refused?.length) {
      this.bump('resend_refused', r.refused.length);
      this.log?.warn(`reconcile run ${this.runId}: Odoo refused to re-send ${r.refused.length} ${model} record(s), e.g. ${r.refused[0]!.id}: ${r.refused[0]!.reason}`);
    }
  }

  /** Runs one page call, again after a pause while it fails with a retryable error (pageRetries). */
  private async retrying<T>(what: string, call: () => Promise<T>): Promise<T> {
    const retries = this.opts.pageRetries ?? 4;
    let pause = this.opts.pageRetryMs ?? 1000;
    for (let attempt = 0; ; attempt++) {
      try {
        return await call();
      } catch (err) {
        if (!(err instanceof BridgeError) || !err.retryable || attempt >= retries) throw err;
        this.bump('page_retries');
        this.log?.warn(`reconcile run ${this.runId}: ${what} failed (${err.message}); trying again in ${pause} ms (${attempt + 1} of ${retries})`);
        await new Promise((resolve) => setTimeout(resolve, pause));
        pause *= 2;
      }
    }
  }

  async flush(): Promise<void> {
    await this.flushLines();
    for (const model of this.resendQueue.keys()) await this.flushResend(model);
  }

  discrepancies(): number {
    let n = 0;
    for (const o of OUTCOMES) if (!CLEAN.has(o)) n += this.counts[o] ?? 0;
    return n;
  }
}

/**
 * The totals sent with sync_recon_finish: the outcomes (matched lines are counted here even when
 * not sent), and `repaired` when the sidecar repaired something Odoo cannot count itself
 * (shipments pushed into the inbox); Odoo adds the records it re-sent.
 */
export function finishCounts(counts: ReconCounts): ReconCounts {
  const out: ReconCounts = {};
  for (const o of OUTCOMES) out[o] = counts[o] ?? 0;
  if (counts.shipments_pushed) out.repaired = (counts.resent ?? 0) + counts.shipments_pushed;
  return out;
}

const live = new Set<string>();

/** Whether a run of this job and target is live in this process. */
export function isRunning(target: string, job: ReconJob): boolean {
  return live.has(`${job}:${target}`);
}

/**
 * Runs `work` as one Odoo reconciliation run. Throws ReconBusyError when the job is already
 * running (here or, by Odoo's lock, elsewhere); any other failure finishes the run as failed
 * with the error and is rethrown.
 */
export async function withRun(
  port: ReconPort,
  spec: { target: string; job: ReconJob; workerId: string; log?: Logger },
  opts: RunOptions,
  work: (run: ReconRun) => Promise<void>,
): Promise<RunSummary> {
  const lockKey = `${spec.job}:${spec.target}`;
  if (live.has(lockKey)) throw new ReconBusyError(spec.target, spec.job, 'process');
  live.add(lockKey);
  const t0 = Date.now();
  try {
    let runId: number;
    try {
      ({ run_id: runId } = await port.reconStart(spec.target, spec.job, opts.dryRun, spec.workerId));
    } catch (err) {
      if (err instanceof OdooValidationError && /already running|same time/i.test(err.message)) throw new ReconBusyError(spec.target, spec.job, 'odoo', err.message);
      throw err;
    }
    const run = new ReconRun(port, runId, spec.target, spec.job, opts, spec.log);
    const beat = setInterval(() => {
      port.reconHeartbeat(runId).then((r) => {
        const hb = r as { ok?: boolean; state?: string; error?: string | false } | undefined;
        if (hb && hb.ok === false) run.aborted = `Odoo no longer counts run ${runId} as running (state ${hb.state ?? '?'}${hb.error ? `: ${hb.error}` : ''}); stopping`;
      }, (err: unknown) => spec.log?.warn(`reconcile ${spec.job} ${spec.target}: heartbeat of run ${runId} failed: ${err instanceof Error ? err.message : String(err)}`));
    }, Math.max(1000, opts.heartbeatMs));
    beat.unref?.();
    try {
      await work(run);
      await run.flush();
    } catch (err) {
      clearInterval(beat);
      const message = err instanceof Error ? err.message : String(err);
      try {
        await run.flush();
      } catch { /* the run fails anyway; what was flushed before stays */ }
      try {
        await port.reconFinish(runId, 'failed', finishCounts(run.counts), message.slice(0, 4000));
      } catch (finishErr) {
        spec.log?.error(`reconcile ${spec.job} ${spec.target}: could not finish run ${runId} as failed: ${finishErr instanceof Error ? finishErr.message : String(finishErr)}`);
      }
      throw err;
    }
    clearInterval(beat);
    await port.reconFinish(runId, 'done', finishCounts(run.counts));
    return { runId, target: spec.target, job: spec.job, dryRun: opts.dryRun, counts: run.counts, discrepancies: run.discrepancies(), ms: Date.now() - t0 };
  } finally {
    live.delete(lockKey);
  }
}
