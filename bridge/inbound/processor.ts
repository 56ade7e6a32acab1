import { BridgeError } from '../errors/index.js';
import type { Logger } from '../log/logger.js';
import type { ApplyItem, ApplyResult } from '../odoo/contract.js';
import { backoffDelay } from '../runtime/backoff.js';
import type { InboxRow, InboxStore } from '../state/inbox-store.js';
import { InboundMappingError, type MessagePreparer, type PreparedMessage } from './prepare.js';

/** Where prepared messages go: Odoo's sync.event.sync_apply (a fake in unit tests). */
export interface InboundSink {
  apply(items: ApplyItem[]): Promise<ApplyResult[]>;
}

export interface ProcessorOptions {
  batchSize: number;
  pollMs: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  now?: () => number;
  random?: () => number;
}

export interface ProcessorHooks {
  onOutcome?: (source: string, state: 'applied' | 'duplicate' | 'exception' | 'rejected' | 'retry', n: number) => void;
  onDepth?: (depth: Record<string, number>) => void;
}

export interface RoundReport { applied: number; duplicate: number; exception: number; rejected: number; held: number; error?: string }

/**
 * Errors that hold the source (the messages wait, with backoff, and go again in order) rather
 * than reject a message: the transient ones (Odoo or the vendor unreachable, busy, rate
 * limiting), and refusals no message is to blame for: the credentials refused or a right
 * missing, Odoo's (OdooAuthError, OdooAccessError: category internal) or the vendor's during
 * enrichment (HTTP 401, 403), or Odoo failing (OdooServerError, e.g. a proxy's HTML error
 * page). Rejecting on those would park every message until someone replays them all; held,
 * they go as soon as the key is replaced or the right given back.
 */
const isTransient = (err: unknown) => !(err instanceof BridgeError) || err.retryable || isSystemic(err);
function isSystemic(err: BridgeError): boolean {
  const status = err.details['status'];
  return err.category === 'internal' || status === 401 || status === 403;
}
const msgOf = (err: unknown) => (err instanceof Error ? err.message : String(err));
/** Log metadata of lines about one message (trace_id joins them with the webhook's and Odoo's). */
const about = (row: InboxRow) => ({ trace_id: row.trace_id ?? undefined, source: row.source, message_id: row.message_id, inbox_id: row.id });

/**
 * Applies the inbox to Odoo: per source (target code), the oldest pending messages in arrival
 * order, in batches of `batchSize` through one sync_apply call. A message that cannot be
 * mapped, or that Odoo rejects, is parked as rejected (kept, replayable) and the next one goes
 * on. A transient failure (Odoo or the vendor unreachable) holds that source: the failed
 * message and everything after it wait with exponential backoff and go again in the same
 * order, so nothing is lost and nothing overtakes. Odoo deduplicates on (target, message_id),
 * so a batch re-sent after an uncertain failure is not applied twice.
 */
export class InboxProcessor {
  lastError: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;
  private readonly now: () => number;

  constructor(
    private readonly store: InboxStore,
    private readonly preparer: MessagePreparer,
    private readonly sink: InboundSink,
    private readonly opts: ProcessorOptions,
    private readonly log?: Logger,
    private readonly hooks: ProcessorHooks = {},
  ) {
    this.now = opts.now ?? Date.now;
  }

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  /** Wakes the loop now (a webhook just stored a message). */
  poke(): void {
    if (this.stopped || this.running) return;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.running = this.runOnce().then((r) => {
        this.running = undefined;
        // Again at once while work was done; else wait (backoff rows become due by themselves).
        const busy = r.applied + r.duplicate + r.exception + r.rejected > 0 && r.held === 0;
        this.schedule(busy ? 0 : this.opts.pollMs);
      }, (err: unknown) => {
        this.running = undefined;
        this.log?.error(`inbox processor: ${msgOf(err)}`);
        this.schedule(this.opts.pollMs);
      });
    }, ms);
    this.timer.unref?.();
  }

  /** One pass over every source with pending messages (at most one batch each). */
  async runOnce(): Promise<RoundReport> {
    const report: RoundReport = { applied: 0, duplicate: 0, exception: 0, rejected: 0, held: 0 };
    for (const source of this.store.sources()) await this.runSource(source, report);
    this.hooks.onDepth?.(this.store.depth());
    if (report.held === 0) this.lastError = undefined;
    return report;
  }

  /** Keeps running rounds until nothing is pending or due (tests, bench, shutdown drain). */
  async drain(maxRounds = 10_000): Promise<RoundReport> {
    const total: RoundReport = { applied: 0, duplicate: 0, exception: 0, rejected: 0, held: 0 };
    for (let i = 0; i < maxRounds; i++) {
      const r = await this.runOnce();
      for (const k of ['applied', 'duplicate', 'exception', 'rejected'] as const) total[k] += r[k];
      total.held = r.held;
      if (r.error) total.error = r.error;
      if (r.applied + r.duplicate + r.exception + r.rejected === 0) break;
    }
    return total;
  }

  private async runSource(source: string, report: RoundReport): Promise<void> {
    const rows = this.store.pending(source, this.opts.batchSize);
    if (rows.length === 0) return;
    // Order: when the head waits for its backoff, the whole source waits.
    if (rows[0]!.next_attempt_at > this.now()) { report.held += rows.length; return; }
    const batch: Array<{ row: InboxRow; prepared: PreparedMessage }> = [];
    for (const row of rows) {
      try {
        batch.push({ row, prepared: await this.preparer.prepare(row) });
      } catch (err) {
        if (isTransient(err)) {
          // Hold this message (and the ones after it); apply what came before it first.
          this.hold(source, [row], err, report);
          break;
        }
        this.reject(row, msgOf(err), report, undefined, undefined, err instanceof InboundMappingError ? err.input : undefined);
      }
    }
    if (batch.length > 0) await this.applyBatch(source, batch, report);
  }

  private async applyBatch(source: string, batch: Array<{ row: InboxRow; prepared: PreparedMessage }>, report: RoundReport): Promise<void> {
    let results: ApplyResult[];
    try {
      results = await this.sink.apply(batch.map((b) => b.prepared.item));
    } catch (err) {
      if (isTransient(err)) { this.hold(source, batch.map((b) => b.row), err, report); return; }
      if (batch.length > 1) {
        // One bad message must not block the rest: send them one by one, in order.
        for (const b of batch) {
          const before = report.held;
          await this.applyBatch(source, [b], report);
          if (report.held > before) return;
        }
        return;
      }
      this.reject(batch[0]!.row, `Odoo refused the call: ${msgOf(err)}`, report, batch[0]!.prepared);
      return;
    }
    const byId = new Map((Array.isArray(results) ? results : []).map((r) => [r.message_id, r]));
    for (const { row, prepared } of batch) {
      const r = byId.get(prepared.item.message_id);
      if (!r) {
        this.hold(source, [row], new Error(`sync_apply returned no result for message ${row.message_id}`), report);
        continue;
      }
      let state: string = r.status;
      // Odoo keeps every message id: a duplicate of one it rejected (or applied with an
      // exception) keeps that first outcome.
      const first = (r as ApplyResult & { first_status?: string }).first_status;
      if (state === 'duplicate' && (first === 'rejected' || first === 'exception')) state = first;
      if (state === 'rejected') {
        this.reject(row, `Odoo rejected it: ${r.error || 'no reason given'}`, report, prepared, r);
      } else if (state === 'applied' || state === 'duplicate' || state === 'exception') {
        this.store.finish(row.id, state, { kind: prepared.item.kind, payload: prepared.item.payload, result: r, error: r.error || undefined, input: prepared.input });
        const line = `inbox message ${row.id} (${row.source} ${row.topic} ${row.message_id}) ${state} in Odoo${r.error ? `: ${r.error}` : ''}`;
        if (state === 'exception') this.log?.warn(line, about(row)); else this.log?.info(line, about(row));
        report[state] += 1;
        this.hooks.onOutcome?.(source, state, 1);
      } else {
        this.hold(source, [row], new Error(`sync_apply answered an unknown status '${String(state)}' for ${row.message_id}`), report);
      }
    }
  }

  /** Parks a message as rejected; the mapping's input is kept when it got that far (mapped, or failed in the mapping). */
  private reject(row: InboxRow, reason: string, report: RoundReport, prepared?: PreparedMessage, result?: ApplyResult, input?: unknown): void {
    this.store.finish(row.id, 'rejected', { error: reason, kind: prepared?.item.kind, payload: prepared?.item.payload, result, input: prepared?.input ?? input });
    report.rejected += 1;
    this.hooks.onOutcome?.(row.source, 'rejected', 1);
    this.log?.warn(`inbox message ${row.id} (${row.source} ${row.topic} ${row.message_id}) rejected: ${reason}`, about(row));
  }

  private hold(source: string, rows: InboxRow[], err: unknown, report: RoundReport): void {
    const attempt = Math.max(...rows.map((r) => r.attempts)) + 1;
    const floor = err instanceof BridgeError && 'retryAfterMs' in err && typeof err.retryAfterMs === 'number' ? err.retryAfterMs : 0;
    const delay = backoffDelay(attempt, this.opts.backoffBaseMs, this.opts.backoffMaxMs, this.opts.random, floor);
    const message = msgOf(err);
    this.store.tried(rows.map((r) => r.id), message, this.now() + delay);
    report.held += rows.length;
    report.error = message;
    this.lastError = message;
    this.hooks.onOutcome?.(source, 'retry', rows.length);
    for (const r of rows) this.log?.warn(`inbox message ${r.id} (${r.source} ${r.topic} ${r.message_id}) held, retry in ${delay} ms (attempt ${attempt}): ${message}`, about(r));
  }
}
