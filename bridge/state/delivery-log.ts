import type { DB } from './state-store.js';

export const DELIVERY_OUTCOMES = ['sent', 'retry', 'failed', 'dead'] as const;
export type DeliveryLogOutcome = typeof DELIVERY_OUTCOMES[number];

/** One delivery attempt as the worker saw it (error message already redacted). */
export interface DeliveryAttempt {
  event_id: number;
  attempt: number;
  target: string;
  event_type: string;
  model: string;
  res_id: number;
  idempotency_key: string;
  correlation_id: string;
  mapping_version?: string;
  outcome: DeliveryLogOutcome;
  error_class?: string;
  error_message?: string;
  external_ref?: string;
  /** The mapped payload (already redacted); stored only when the log keeps payloads. */
  payload?: unknown;
}

export interface DeliveryLogRow {
  id: number; event_id: number; attempt: number; target: string; event_type: string; model: string; res_id: number;
  idempotency_key: string; correlation_id: string; mapping_version: string | null; payload: string | null;
  outcome: DeliveryLogOutcome; error_class: string | null; error_message: string | null; external_ref: string | null; at: number;
}

/**
 * The local delivery log (`delivery_log`, state file): one row per delivery attempt of this
 * sidecar, for `sync-bridge events list --local`. Payloads are kept only when
 * `state.log_payloads` is on; rows older than `state.retention_days` are purged.
 */
export class DeliveryLog {
  private readonly insert;

  constructor(private readonly db: DB, private readonly opts: { payloads?: boolean } = {}, private readonly now: () => number = Date.now) {
    this.insert = db.prepare(`INSERT INTO delivery_log (event_id, attempt, target, event_type, model, res_id, idempotency_key,
        correlation_id, mapping_version, payload, outcome, error_class, error_message, external_ref, at)
      VALUES (@event_id, @attempt, @target, @event_type, @model, @res_id, @idempotency_key,
        @correlation_id, @mapping_version, @payload, @outcome, @error_class, @error_message, @external_ref, @at)`);
  }

  /** Whether mapped payloads are stored (`state.log_payloads`). */
  get keepsPayloads(): boolean { return this.opts.payloads === true; }

  record(a: DeliveryAttempt): void {
    this.insert.run({
      event_id: a.event_id, attempt: a.attempt, target: a.target, event_type: a.event_type, model: a.model, res_id: a.res_id,
      idempotency_key: a.idempotency_key, correlation_id: a.correlation_id, mapping_version: a.mapping_version ?? null,
      payload: this.opts.payloads && a.payload !== undefined ? JSON.stringify(a.payload) : null,
      outcome: a.outcome, error_class: a.error_class ?? null, error_message: a.error_message?.slice(0, 2000) ?? null,
      external_ref: a.external_ref ?? null, at: this.now(),
    });
  }

  /** Newest first. */
  list(filter: { outcome?: DeliveryLogOutcome; target?: string; eventId?: number; limit?: number } = {}): DeliveryLogRow[] {
    const where: string[] = [];
    const args: Record<string, unknown> = { limit: filter.limit ?? 50 };
    if (filter.outcome) { where.push('outcome = @outcome'); args.outcome = filter.outcome; }
    if (filter.target) { where.push('target = @target'); args.target = filter.target; }
    if (filter.eventId !== undefined) { where.push('event_id = @event_id'); args.event_id = filter.eventId; }
    const sql = `SELECT * FROM delivery_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY at DESC, id DESC LIMIT @limit`;
    return this.db.prepare(sql).all(args) as DeliveryLogRow[];
  }

  /**
   * The records most recently delivered (any outcome) with one of `versions` of a mapping,
   * newest first, each once: the sample `mappings diff --recent` maps again.
   */
  recentRecords(versions: readonly string[], limit: number): Array<{ model: string; res_id: number; target: string; event_type: string }> {
    if (versions.length === 0) return [];
    const marks = versions.map(() => '?').join(', ');
    return this.db.prepare(`SELECT model, res_id, target, event_type, MAX(at) AS last_at FROM delivery_log
        WHERE mapping_version IN (${marks}) GROUP BY model, res_id ORDER BY last_at DESC LIMIT ?`)
      .all(...versions, limit) as Array<{ model: string; res_id: number; target: string; event_type: string }>;
  }

  /** Deletes attempts older than the retention. */
  purge(retentionDays: number): number {
    const cutoff = this.now() - retentionDays * 86_400_000;
    return this.db.prepare('DELETE FROM delivery_log WHERE at < ?').run(cutoff).changes;
  }
}
