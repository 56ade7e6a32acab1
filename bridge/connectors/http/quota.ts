/**
 * API quota a vendor reports on its answers (HubSpot X-HubSpot-RateLimit-*, Salesforce
 * Sforce-Limit-Info, ShipBob x-remaining-calls, generic WMS RateLimit-*). Each preset reads its
 * own headers with a pure `QuotaHeaderParser` (in its folder); the HTTP client records the
 * latest observation per window (quota-tracker.ts).
 */

/** `burst`: a short rolling window (seconds, a minute); `daily`: the day's (or 24 h) allocation. */
export type QuotaWindow = 'burst' | 'daily';

export interface QuotaObservation {
  window: QuotaWindow;
  /** Requests left in the window. */
  remaining: number;
  /** The window's allocation, when the vendor says it. */
  limit?: number;
  /** When the answer carrying it arrived (ms since the epoch). */
  observedAt: number;
  /** Length of the window or time to its reset, when the vendor says it (burst only). */
  intervalMs?: number;
}

/**
 * Reads a vendor's quota headers from one answer. Pure; never throws: a missing or garbled
 * header gives no observation for its window (the others still count).
 */
export type QuotaHeaderParser = (headers: Headers, now: number) => QuotaObservation[];

/** Presets whose vendor reports no quota. */
export const noQuotaHeaders: QuotaHeaderParser = () => [];

/** A header holding a non-negative integer (digits only, surrounding spaces allowed); undefined otherwise. */
export function headerCount(headers: Headers, name: string): number | undefined {
  const raw = headers.get(name);
  if (raw === null) return undefined;
  return parseCount(raw);
}

/** A non-negative safe integer written as digits; undefined for anything else. */
export function parseCount(raw: string): number | undefined {
  const v = raw.trim();
  if (!/^\d{1,15}$/.test(v)) return undefined;
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : undefined;
}

/**
 * One window's observation from parsed figures, or none when they are inconsistent: remaining
 * missing, or above a known limit (a garbled pair says nothing reliable).
 */
export function observation(window: QuotaWindow, remaining: number | undefined, limit: number | undefined, observedAt: number, intervalMs?: number): QuotaObservation[] {
  if (remaining === undefined) return [];
  if (limit !== undefined && (limit === 0 || remaining > limit)) return [];
  const o: QuotaObservation = { window, remaining, observedAt };
  if (limit !== undefined) o.limit = limit;
  if (intervalMs !== undefined && intervalMs > 0) o.intervalMs = intervalMs;
  return [o];
}

/** Share of the window left, in percent; undefined when the limit is unknown. */
export function percentLeft(o: QuotaObservation): number | undefined {
  return o.limit === undefined || o.limit <= 0 ? undefined : (o.remaining / o.limit) * 100;
}
