import type { ReconCounts, ReconJob, ReconLine } from '../../../bridge/odoo/contract.js';
import type { ReconPort } from '../../../bridge/reconcile/run.js';

/** A recording ReconPort: every call kept, lines flattened. */
export class RecordingPort implements ReconPort {
  starts: Array<{ target: string; job: ReconJob; dryRun: boolean }> = [];
  batches: ReconLine[][] = [];
  resends: Array<{ model: string; ids: number[] }> = [];
  finishes: Array<{ runId: number; state: string; counts: ReconCounts; error?: string }> = [];
  heartbeats = 0;
  nextRun = 1;
  lockedFor = new Set<string>();
  heartbeatOk = true;

  get lines(): ReconLine[] { return this.batches.flat(); }
  byOutcome(outcome: string): ReconLine[] { return this.lines.filter((l) => l.outcome === outcome); }

  async reconStart(target: string, job: ReconJob, dryRun: boolean) {
    if (this.lockedFor.has(`${job}:${target}`)) {
      const { OdooValidationError } = await import('../../../bridge/odoo/odoo-errors.js');
      throw new OdooValidationError(`Reconciliation x of ${target} / ${job} is already running since ...`);
    }
    this.starts.push({ target, job, dryRun });
    return { run_id: this.nextRun++ };
  }
  async reconHeartbeat() { this.heartbeats += 1; return { ok: this.heartbeatOk, state: this.heartbeatOk ? 'running' : 'failed' }; }
  async reconLines(_runId: number, lines: ReconLine[]) { this.batches.push(lines); return { created: lines.length, refused: [] }; }
  async reconResend(_runId: number, model: string, ids: number[]) { this.resends.push({ model, ids }); return { ok: ids, refused: [] }; }
  async reconFinish(runId: number, state: 'done' | 'failed', counts: ReconCounts, error?: string) { this.finishes.push({ runId, state, counts, error }); return {}; }
}

export const runOpts = { lineBatch: 3, sendMatched: false, dryRun: false, heartbeatMs: 60_000 };

export async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

/** Pages over an in-memory list, like the Odoo contract's paged reads. */
export function pagesOf<T, K>(items: T[], keyOf: (t: T) => K) {
  return async (after: K | false, limit: number) => {
    const start = after === false ? 0 : items.findIndex((x) => keyOf(x) === after) + 1;
    const page = items.slice(start, start + limit);
    return { items: page, next: start + limit < items.length ? keyOf(page[page.length - 1]!) : (false as const) };
  };
}
