/** Polling: the e2e suites (and the demo) wait for effects in Odoo and in the vendor fakes. */

/** What polling ended with: the value, or (timed out) the last error `fn` threw, if any. */
export type PollResult<T> = { done: true; value: T } | { done: false; lastError: unknown };

/** Calls `fn` every `everyMs` until it returns something other than undefined/false, for at most `timeoutMs`. */
export async function poll<T>(fn: () => Promise<T | undefined | false>, timeoutMs: number, everyMs: number): Promise<PollResult<T>> {
  const end = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < end) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return { done: true, value: v };
    } catch (err) { lastError = err; }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  return { done: false, lastError };
}

/** Polls `fn` until it returns something other than undefined/false; throws when `timeoutMs` is up. */
export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 60_000, everyMs = 300): Promise<T> {
  const r = await poll(fn, timeoutMs, everyMs);
  if (r.done) return r.value;
  throw new Error(`timed out waiting for ${what}${r.lastError ? ` (last error: ${String(r.lastError)})` : ''}`);
}

export const sleep = (ms: number) => new Promise<void>((r) => { setTimeout(r, ms); });
