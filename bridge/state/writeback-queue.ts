import type { DB } from './state-store.js';
import type { AckItem, BatchResult, NackItem } from '../odoo/contract.js';
import { BridgeError } from '../errors/index.js';

export interface WritebackSink {
  ack(items: AckItem[]): Promise<BatchResult>;
  nack(items: NackItem[]): Promise<BatchResult>;
}

export interface FlushReport { sent: number; refused: number; rejected: number; pending: number; error?: BridgeError; conflicts?: number }

/**
 * Refusals of an ack's result itself (its links), not of the lease: retrying the same result
 * can never succeed. Other refusals (lease_lost, not_in_progress ...) mean Odoo re-offers it.
 */
const RESULT_REFUSALS = new Set(['link_conflict', 'invalid_link']);

interface Row { seq: number; kind: 'ack' | 'nack'; event_id: number; body: string }

/**
 * Outcomes to write back into Odoo, stored in SQLite before any attempt so that nothing is lost
 * when Odoo is down or the sidecar dies; flushed in order, batched by kind. A refusal (lease
 * lost) is final for that row: Odoo re-offers the event and the in-doubt check takes over.
 */
export class WritebackQueue {
  private readonly insert;
  private readonly open;
  private readonly markDone;
  private readonly markTried;
  private readonly countOpen;
  private readonly targetOf;

  constructor(readonly db: DB, private readonly now: () => number = Date.now) {
    this.insert = db.prepare('INSERT INTO writeback (kind, event_id, target, body, created_at) VALUES (?, ?, ?, ?, ?)');
    this.open = db.prepare('SELECT seq, kind, event_id, body FROM writeback WHERE done_at IS NULL ORDER BY seq LIMIT ?');
    this.markDone = db.prepare('UPDATE writeback SET done_at = ?, outcome = ?, tries = tries + 1 WHERE seq = ?');
    this.markTried = db.prepare('UPDATE writeback SET tries = tries + 1, last_error = ? WHERE seq = ?');
    this.countOpen = db.prepare('SELECT count(*) AS n FROM writeback WHERE done_at IS NULL');
    this.targetOf = db.prepare('SELECT target FROM writeback WHERE seq = ?');
  }

  enqueueAck(item: AckItem, target: string): void {
    this.insert.run('ack', item.id, target, JSON.stringify(item), this.now());
  }

  enqueueNack(item: NackItem, target: string): void {
    this.insert.run('nack', item.id, target, JSON.stringify(item), this.now());
  }

  backlog(): number {
    return Number((this.countOpen.get() as { n: number }).n);
  }

  /** Sends open rows in order until none are left or Odoo fails; never throws. */
  async flush(sink: WritebackSink, batch = 100): Promise<FlushReport> {
    const report: FlushReport = { sent: 0, refused: 0, rejected: 0, pending: 0 };
    for (;;) {
      const rows = this.open.all(batch) as Row[];
      if (rows.length === 0) break;
      const run = leadingRun(rows);
      try {
        await this.sendRun(sink, run, report);
      } catch (err) {
        if (isRowError(err) && run.length > 1) {
          // One bad row must not block the others: send them one by one.
          for (const r of run) {
            try { await this.sendRun(sink, [r], report); } catch (inner) {
              if (!isRowError(inner)) return this.stop(report, inner, [r]);
              this.markDone.run(this.now(), `rejected: ${(inner as Error).message}`.slice(0, 2000), r.seq);
              report.rejected += 1;
            }
          }
          continue;
        }
        if (isRowError(err)) {
          this.markDone.run(this.now(), `rejected: ${(err as Error).message}`.slice(0, 2000), run[0]!.seq);
          report.rejected += 1;
          continue;
        }
        return this.stop(report, err, run);
      }
    }
    return report;
  }

  private stop(report: FlushReport, err: unknown, run: Row[]): FlushReport {
    const message = err instanceof Error ? err.message : String(err);
    for (const r of run) this.markTried.run(message.slice(0, 2000), r.seq);
    report.pending = this.backlog();
    if (err instanceof BridgeError) report.error = err;
    return report;
  }

  private async sendRun(sink: WritebackSink, run: Row[], report: FlushReport): Promise<void> {
    const items = run.map((r) => JSON.parse(r.body) as AckItem & NackItem);
    const result = run[0]!.kind === 'ack' ? await sink.ack(items) : await sink.nack(items);
    const refused = new Map(result.refused.map((r) => [r.id, r.reason]));
    const at = this.now();
    this.db.transaction(() => {
      run.forEach((r, i) => {
        const reason = refused.get(r.event_id);
        this.markDone.run(at, reason === undefined ? 'ok' : `refused: ${reason}`, r.seq);
        if (reason === undefined) { report.sent += 1; return; }
        if (r.kind === 'ack' && RESULT_REFUSALS.has(reason)) {
          // Odoo refused the result itself (e.g. link_conflict: the external id is linked to
          // another record). The lease is still ours: fail the event visibly instead of letting
          // it be re-delivered at every lease expiry.
          const ack = items[i]!;
          const target = (this.targetOf.get(r.seq) as { target: string } | undefined)?.target ?? '';
          this.enqueueNack({
            id: ack.id, lease_token: ack.lease_token, retryable: false, error_class: 'WritebackRefused',
            error_message: `Odoo refused the delivery result (${reason}): external id ${String(ack.external_ref ?? '')} is already linked to another record of this target, or a link is invalid`,
            error_details: { reason, external_ref: ack.external_ref, links: ack.links }, category: 'conflict',
            mapping_version: ack.mapping_version, trace_id: ack.trace_id,
          }, target);
          report.conflicts = (report.conflicts ?? 0) + 1;
          return;
        }
        report.refused += 1;
      });
    })();
  }

  /** Deletes rows written back longer ago than the retention. */
  purge(retentionDays: number): number {
    const cutoff = this.now() - retentionDays * 86_400_000;
    return this.db.prepare('DELETE FROM writeback WHERE done_at IS NOT NULL AND done_at < ?').run(cutoff).changes;
  }
}

/**
 * True when Odoo refused the call because of what it carried (a ValidationError, UserError or
 * MissingError: category `validation`), so that row alone is kept as rejected and the others go
 * on. Anything else that is not retryable says nothing about one row: the credentials were
 * refused (OdooAuthError), the service user lost a right (OdooAccessError), Odoo failed
 * (OdooServerError, e.g. an HTML error page). Then every row would meet it: they all stay
 * pending, and the flush reports the error (the claim loop pauses; /readyz shows it).
 */
export function isRowError(err: unknown): boolean {
  return err instanceof BridgeError && !err.retryable && err.category === 'validation';
}

/** The longest prefix of rows of one kind (acks and nacks go in separate calls, in order). */
function leadingRun(rows: Row[]): Row[] {
  const kind = rows[0]!.kind;
  const end = rows.findIndex((r) => r.kind !== kind);
  return end === -1 ? rows : rows.slice(0, end);
}
