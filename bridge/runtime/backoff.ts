/**
 * Exponential backoff with full jitter: a delay drawn uniformly from
 * [0, min(max, base * 2^(attempt-1))], never below what the peer asked for (Retry-After).
 * Full jitter spreads retries of many events so an outage never ends in a retry storm.
 */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random, floorMs = 0): number {
  const cap = Math.min(maxMs, baseMs * 2 ** Math.max(0, Math.min(attempt - 1, 30)));
  return Math.max(floorMs, Math.round(random() * cap));
}
