import { TransientError } from '../../errors/index.js';

/** A response read in full: status, headers, raw text and the JSON body when there is one. */
export interface RawResponse {
  status: number;
  headers: Headers;
  text: string;
  /** Parsed JSON, or undefined when the body is empty or not JSON. */
  body: unknown;
}

/** Connection errors that prove the request never reached the peer (safe to resend). */
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

function causeCode(err: unknown): string | undefined {
  let cur: unknown = err;
  for (let i = 0; i < 4 && cur && typeof cur === 'object'; i++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}

function isTimeout(err: unknown): boolean {
  return err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
}

/**
 * One HTTP exchange bounded by `timeoutMs` (AbortSignal.timeout covers connect, headers and
 * body). Network failures and timeouts become TransientError; `details.inDoubt` says whether
 * the request may have reached the peer (a timeout or reset: yes; connection refused: no).
 * `label` (method and path, no query, no headers) is the only request detail in messages.
 */
export async function requestWithTimeout(
  fetchFn: typeof fetch,
  url: URL,
  init: RequestInit,
  timeoutMs: number,
  label: string,
): Promise<RawResponse> {
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const res = await fetchFn(url, { ...init, signal, redirect: 'manual' });
    const text = await res.text();
    let body: unknown;
    if (text.length > 0) {
      try {
        body = JSON.parse(text);
      } catch {
        body = undefined;
      }
    }
    return { status: res.status, headers: res.headers, text, body };
  } catch (err) {
    if (isTimeout(err) || signal.aborted) {
      throw new TransientError(`${label}: no response within ${timeoutMs} ms (timeout)`, {
        cause: err,
        details: { reason: 'timeout', inDoubt: true },
      });
    }
    const code = causeCode(err);
    const inDoubt = !(code && NOT_SENT.has(code));
    throw new TransientError(`${label}: network error${code ? ` (${code})` : ''}`, {
      cause: err,
      details: { reason: 'network', code, inDoubt },
    });
  }
}
