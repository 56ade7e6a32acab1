import { TransientError } from '../../errors/index.js';
import type { Logger } from '../../log/logger.js';
import { percentLeft, type QuotaObservation, type QuotaWindow } from './quota.js';

/** Where a target's daily quota stands: above the warning threshold, below it, below the reserve. */
export type QuotaLevel = 'ok' | 'low' | 'reserve';

export interface QuotaPolicy {
  /** Batch work (reconciliation, its re-sends) yields while the daily remaining is below this share, in percent (0: off). */
  reservePercent: number;
  /** A warning is logged when the daily remaining falls below this share, in percent (0: off). */
  warnPercent: number;
}

/**
 * A level is left upwards only this many percentage points above its threshold: Salesforce's
 * allocation is a rolling 24 h, so its remaining can hover around a threshold; without the margin
 * every wobble would log a warning and a recovery.
 */
export const QUOTA_HYSTERESIS_POINTS = 1;

/**
 * A daily observation older than this no longer holds batch work back: the next batch request
 * goes out and its answer brings a fresh one (the daily counter may have been reset meanwhile,
 * and without live traffic nothing else would tell).
 */
export const QUOTA_RECHECK_MS = 15 * 60_000;

/** A crossing of the daily quota between levels, as logged. */
export interface QuotaCrossing { target: string; from: QuotaLevel; to: QuotaLevel; observation: QuotaObservation }

/**
 * Batch work refused because the target's daily quota is below its reserve: the message is what
 * a reconciliation run records in Odoo. Transient (`details.reason = 'quota_reserve'`, never in
 * doubt: nothing was sent), retry after the observation is due for a re-check.
 */
export class QuotaReserveError extends TransientError {
  /** e.g. "crm API quota below the 10% reserve (used 9500 of 10000 today, 500 left)". */
  readonly reason: string;

  constructor(target: string, o: QuotaObservation, reservePercent: number, retryAfterMs: number) {
    const limit = o.limit ?? 0;
    const reason = `${target} API quota below the ${reservePercent}% reserve (used ${limit - o.remaining} of ${limit} today, ${o.remaining} left)`;
    super(`stopped: ${reason}`, {
      retryAfterMs,
      details: {
        reason: 'quota_reserve', inDoubt: false, window: 'daily', remaining: o.remaining, limit,
        reservePercent, observedAt: new Date(o.observedAt).toISOString(),
      },
    });
    this.reason = reason;
  }
}

/**
 * The latest quota observation per window of one target, and the level of its daily quota.
 * Level changes are logged once per crossing (a warning going down past the warning threshold
 * or the reserve, an info going back up), not once per request.
 */
export class QuotaTracker {
  private readonly latest = new Map<QuotaWindow, QuotaObservation>();
  private levelValue: QuotaLevel = 'ok';

  constructor(
    readonly target: string,
    readonly policy: QuotaPolicy,
    private readonly now: () => number,
  ) {}

  /** Latest observation per window (burst first). */
  observations(): QuotaObservation[] {
    return (['burst', 'daily'] as const).map((w) => this.latest.get(w)).filter((o): o is QuotaObservation => o !== undefined);
  }

  level(): QuotaLevel {
    return this.levelValue;
  }

  /**
   * Records the observations of one answer (an older one never replaces a newer one) and moves
   * the daily level; a crossing is logged on `log` and returned.
   */
  observe(obs: QuotaObservation[], log?: Logger): QuotaCrossing | undefined {
    let daily: QuotaObservation | undefined;
    for (const o of obs) {
      const prev = this.latest.get(o.window);
      if (prev && prev.observedAt > o.observedAt) continue;
      this.latest.set(o.window, o);
      if (o.window === 'daily') daily = o;
    }
    if (!daily) return undefined;
    const from = this.levelValue;
    const to = this.levelFor(daily, from);
    if (to === from) return undefined;
    this.levelValue = to;
    const crossing = { target: this.target, from, to, observation: daily };
    if (log) logCrossing(log, crossing, this.policy);
    return crossing;
  }

  /** Observations kept from an earlier process (state file): taken when newer, the level set without a log line. */
  restore(obs: QuotaObservation[]): void {
    for (const o of obs) {
      const prev = this.latest.get(o.window);
      if (!prev || prev.observedAt < o.observedAt) this.latest.set(o.window, o);
    }
    const daily = this.latest.get('daily');
    if (daily) this.levelValue = this.levelFor(daily, 'ok');
  }

  /**
   * Why batch work must not call the target now: the last daily observation is below the reserve
   * and younger than QUOTA_RECHECK_MS. Undefined when it may (reserve off, no daily observation,
   * above the reserve, or due for a re-check).
   */
  reserveRefusal(): QuotaReserveError | undefined {
    if (this.policy.reservePercent <= 0 || this.levelValue !== 'reserve') return undefined;
    const daily = this.latest.get('daily');
    if (!daily) return undefined;
    const age = this.now() - daily.observedAt;
    if (age >= QUOTA_RECHECK_MS) return undefined;
    return new QuotaReserveError(this.target, daily, this.policy.reservePercent, Math.max(1000, QUOTA_RECHECK_MS - age));
  }

  private levelFor(o: QuotaObservation, current: QuotaLevel): QuotaLevel {
    const pct = percentLeft(o);
    if (pct === undefined) return current;
    const { reservePercent: reserve, warnPercent: warn } = this.policy;
    const below = (threshold: number, wasBelow: boolean) => threshold > 0 && (pct < threshold || (wasBelow && pct < threshold + QUOTA_HYSTERESIS_POINTS));
    if (below(reserve, current === 'reserve')) return 'reserve';
    if (below(warn, current !== 'ok')) return 'low';
    return 'ok';
  }
}

const RANK: Record<QuotaLevel, number> = { ok: 0, low: 1, reserve: 2 };

function logCrossing(log: Logger, c: QuotaCrossing, policy: QuotaPolicy): void {
  const o = c.observation;
  const pct = percentLeft(o) ?? 0;
  const meta = {
    target: c.target, window: 'daily', remaining: o.remaining, limit: o.limit, percentLeft: Math.round(pct * 10) / 10,
    quotaLevel: c.to, previousQuotaLevel: c.from, reservePercent: policy.reservePercent, warnPercent: policy.warnPercent,
  };
  const left = `${o.remaining} of ${o.limit ?? '?'} left`;
  if (RANK[c.to] > RANK[c.from]) {
    if (c.to === 'reserve') {
      log.warn(`${c.target}: daily API quota below the ${policy.reservePercent}% reserve (${left}): reconciliation and its re-sends stop calling the target; live events go on`, meta);
    } else {
      log.warn(`${c.target}: daily API quota below ${policy.warnPercent}% (${left})`, meta);
    }
    return;
  }
  if (c.from === 'reserve' && c.to === 'low') {
    log.info(`${c.target}: daily API quota back above the ${policy.reservePercent}% reserve (${left}): reconciliation may call the target again`, meta);
    return;
  }
  log.info(`${c.target}: daily API quota recovered (${left})${c.from === 'reserve' ? ': reconciliation may call the target again' : ''}`, meta);
}
