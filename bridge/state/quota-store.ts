import type { QuotaObservation, QuotaWindow } from '../connectors/http/quota.js';
import type { QuotaCrossing } from '../connectors/http/quota-tracker.js';
import type { DB } from './state-store.js';

export interface StoredQuota extends QuotaObservation { target: string }

interface Row { target: string; quota_window: QuotaWindow; remaining: number; quota_limit: number | null; interval_ms: number | null; observed_at: number }

function fromRow(r: Row): StoredQuota {
  const o: StoredQuota = { target: r.target, window: r.quota_window, remaining: r.remaining, observedAt: r.observed_at };
  if (r.quota_limit !== null) o.limit = r.quota_limit;
  if (r.interval_ms !== null) o.intervalMs = r.interval_ms;
  return o;
}

/**
 * The latest API quota observation per target and window, in the state file: what
 * `sync-bridge status` shows, and what a restarted sidecar or a CLI reconciliation starts from.
 * An older observation never replaces a newer one (two processes may write).
 */
export class QuotaStore {
  private readonly upsert;
  private readonly all;
  private readonly byTarget;

  constructor(db: DB) {
    this.upsert = db.prepare(`INSERT INTO quota_observation (target, quota_window, remaining, quota_limit, interval_ms, observed_at)
      VALUES (@target, @window, @remaining, @limit, @intervalMs, @observedAt)
      ON CONFLICT (target, quota_window) DO UPDATE SET remaining = excluded.remaining, quota_limit = excluded.quota_limit,
        interval_ms = excluded.interval_ms, observed_at = excluded.observed_at
      WHERE excluded.observed_at >= quota_observation.observed_at`);
    this.all = db.prepare('SELECT target, quota_window, remaining, quota_limit, interval_ms, observed_at FROM quota_observation ORDER BY target, quota_window');
    this.byTarget = db.prepare('SELECT target, quota_window, remaining, quota_limit, interval_ms, observed_at FROM quota_observation WHERE target = ? ORDER BY quota_window');
  }

  save(target: string, o: QuotaObservation): void {
    this.upsert.run({ target, window: o.window, remaining: o.remaining, limit: o.limit ?? null, intervalMs: o.intervalMs ?? null, observedAt: o.observedAt });
  }

  list(): StoredQuota[] {
    return (this.all.all() as Row[]).map(fromRow);
  }

  forTarget(target: string): QuotaObservation[] {
    return (this.byTarget.all(target) as Row[]).map((r) => {
      const { target: _t, ...o } = fromRow(r);
      void _t;
      return o;
    });
  }
}

/**
 * Writes the targets' quota observations to the state file as the HTTP clients report them
 * (the connectors' `onQuota` hook), at most one row write per target and window every
 * `minIntervalMs` (the state file syncs each write to disk), and at once when the daily level
 * changes. Before `attach` (the state file is opened after the connectors are made) nothing is
 * written.
 */
export class QuotaRecorder {
  private store: QuotaStore | undefined;
  private readonly written = new Map<string, number>();
  /** Observations skipped by the throttle, written by flush(). */
  private readonly pending = new Map<string, { target: string; o: QuotaObservation }>();

  constructor(private readonly minIntervalMs = 5_000) {}

  attach(store: QuotaStore): void {
    this.store = store;
  }

  readonly record = (target: string, observations: QuotaObservation[], crossing: QuotaCrossing | undefined): void => {
    const store = this.store;
    if (!store) return;
    for (const o of observations) {
      const key = `${target}\u001f${o.window}`;
      const last = this.written.get(key);
      if (last !== undefined && o.observedAt - last < this.minIntervalMs && !(crossing && o.window === 'daily')) {
        this.pending.set(key, { target, o });
        continue;
      }
      store.save(target, o);
      this.written.set(key, o.observedAt);
      this.pending.delete(key);
    }
  };

  /** Writes what the throttle held back (at shutdown). */
  flush(): void {
    const store = this.store;
    if (!store) return;
    for (const { target, o } of this.pending.values()) store.save(target, o);
    this.pending.clear();
  }
}
