import { BaseConnector } from '../connectors/base-connector.js';
import type { Connector } from '../connectors/connector.js';
import { percentLeft, type QuotaWindow } from '../connectors/http/quota.js';
import type { QuotaLevel, QuotaTracker } from '../connectors/http/quota-tracker.js';

/** One window's last observation, as /readyz and `sync-bridge status` show it. */
export interface QuotaWindowReport {
  window: QuotaWindow;
  remaining: number;
  limit?: number;
  /** Share left, one decimal; absent when the vendor does not say the limit. */
  percentLeft?: number;
  observedAt: string;
  ageSeconds: number;
}

/** A target's quota: the daily level, its reserve, whether batch work is held back now, and each window. */
export interface TargetQuotaReport {
  level: QuotaLevel;
  reservePercent: number;
  warnPercent: number;
  /** Reconciliation and its re-sends are refused now (daily quota below the reserve, observation not yet due for a re-check). */
  batchHeldBack: boolean;
  windows: QuotaWindowReport[];
}

export function describeQuota(tracker: QuotaTracker, now: number): TargetQuotaReport | undefined {
  const obs = tracker.observations();
  if (obs.length === 0) return undefined;
  return {
    level: tracker.level(),
    reservePercent: tracker.policy.reservePercent,
    warnPercent: tracker.policy.warnPercent,
    batchHeldBack: tracker.reserveRefusal() !== undefined,
    windows: obs.map((o) => {
      const pct = percentLeft(o);
      return {
        window: o.window, remaining: o.remaining, ...(o.limit !== undefined ? { limit: o.limit } : {}),
        ...(pct !== undefined ? { percentLeft: Math.round(pct * 10) / 10 } : {}),
        observedAt: new Date(o.observedAt).toISOString(), ageSeconds: Math.max(0, Math.round((now - o.observedAt) / 1000)),
      };
    }),
  };
}

/** Per target that reported a quota (for /readyz). */
export function quotaReport(connectors: Iterable<Connector>, now = Date.now()): Record<string, TargetQuotaReport> {
  const out: Record<string, TargetQuotaReport> = {};
  for (const c of connectors) {
    if (!(c instanceof BaseConnector)) continue;
    const r = describeQuota(c.http.quota, now);
    if (r) out[c.code] = r;
  }
  return out;
}
