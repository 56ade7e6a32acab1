/**
 * Reads how long the peer asked us to wait: `Retry-After` (delta seconds or an HTTP date) or
 * ShipBob's `x-retry-after` (seconds). Returns milliseconds, or undefined when not said.
 */
export function parseRetryAfter(headers: Headers, now: number): number | undefined {
  for (const name of ['retry-after', 'x-retry-after']) {
    const raw = headers.get(name);
    if (raw === null || raw.trim() === '') continue;
    const v = raw.trim();
    if (/^\d+(\.\d+)?$/.test(v)) return Math.max(0, Math.round(Number(v) * 1000));
    const at = Date.parse(v);
    if (!Number.isNaN(at)) return Math.max(0, at - now);
  }
  return undefined;
}
