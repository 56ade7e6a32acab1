import { BridgeError, PermanentError, TransientError, type ExceptionCategory } from '../../errors/index.js';
import { parseRetryAfter } from './retry-after.js';
import type { RawResponse } from './timeout-request.js';

/** What a preset reads out of its vendor's documented error body. */
export interface VendorErrorInfo {
  /** The vendor's human-readable message(s), joined. */
  message?: string;
  /** The vendor's error code or category (e.g. VALIDATION_ERROR, INVALID_FIELD). */
  code?: string;
  /** The vendor classifies it as a validation error (bad input). */
  validation?: boolean;
  /** The vendor classifies it as a conflict with the target's state. */
  conflict?: boolean;
  /**
   * Despite a 4xx status, retrying later can work (Salesforce REQUEST_LIMIT_EXCEEDED); wait this
   * long. On a 429 without Retry-After: how long the vendor's limit lasts (HubSpot's policy).
   */
  transientRetryMs?: number;
  /** The vendor says it refused the request because of a rate limit or an exhausted allocation. */
  rateLimited?: boolean;
}

export type ErrorExtractor = (res: RawResponse) => VendorErrorInfo;

const MAX_MESSAGE = 600;

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
}

/** Fallback extractor for unknown error shapes: message, error, title/detail, or a short text body. */
export const genericErrorExtractor: ErrorExtractor = (res) => {
  const b = res.body;
  if (b && typeof b === 'object' && !Array.isArray(b)) {
    const o = b as Record<string, unknown>;
    const err = o.error;
    if (err && typeof err === 'object') {
      const e = err as Record<string, unknown>;
      const msg = str(e.message);
      if (msg) return { message: str(e.field) ? `${msg} (field ${String(e.field)})` : msg, code: str(e.code) };
    }
    const message = str(o.message) ?? str(err) ?? [str(o.title), str(o.detail)].filter(Boolean).join(': ');
    if (message) return { message, code: str(o.code) };
  }
  if (Array.isArray(b) && b.length > 0 && b[0] && typeof b[0] === 'object') {
    const m = str((b[0] as Record<string, unknown>).message);
    if (m) return { message: m };
  }
  const text = res.text.trim();
  if (text && text.length <= 300 && !text.startsWith('<')) return { message: text };
  return {};
};

export interface ClassifyContext {
  target: string;
  /** Method and path, e.g. "POST /order" (no query, no headers). */
  label: string;
  res: RawResponse;
  info: VendorErrorInfo;
  now: number;
  /** Scrubs secrets from the final message. */
  redact: (s: string) => string;
}

export function describeStatus(ctx: ClassifyContext): string {
  const { target, label, res, info } = ctx;
  let msg = info.message ?? '';
  if (msg.length > MAX_MESSAGE) msg = `${msg.slice(0, MAX_MESSAGE)}...`;
  const code = info.code ? ` ${info.code}` : '';
  return ctx.redact(`${target}: ${label} -> HTTP ${res.status}${code}${msg ? `: ${msg}` : ''}`);
}

/**
 * Turns a non-2xx response into the bridge's error: 429, 408, 5xx and vendor-declared
 * transient errors -> TransientError (retryAfterMs from Retry-After / x-retry-after, else the
 * vendor's hint); 429 and vendor-declared rate limits are marked `rateLimited`;
 * 409 -> PermanentError 'conflict'; 422 or a vendor validation error -> 'validation';
 * every other 4xx (and unexpected 3xx) -> 'rejected'.
 */
export function classifyResponse(ctx: ClassifyContext): BridgeError {
  const { res, info } = ctx;
  const status = res.status;
  const message = describeStatus(ctx);
  const details: Record<string, unknown> = { status, vendorCode: info.code };
  const retryAfterMs = parseRetryAfter(res.headers, ctx.now);
  if (status === 429) {
    return new TransientError(message, {
      retryAfterMs: retryAfterMs ?? info.transientRetryMs, rateLimited: true,
      details: { ...details, reason: 'rate_limited', inDoubt: false },
    });
  }
  if (info.transientRetryMs !== undefined) {
    return new TransientError(message, {
      retryAfterMs: retryAfterMs ?? info.transientRetryMs, rateLimited: info.rateLimited === true,
      details: { ...details, reason: info.rateLimited ? 'rate_limited' : 'vendor_limit', inDoubt: false },
    });
  }
  if (status === 408 || status >= 500) {
    return new TransientError(message, { retryAfterMs, details: { ...details, reason: 'server_error', inDoubt: true } });
  }
  let category: ExceptionCategory = 'rejected';
  if (status === 409 || info.conflict) category = 'conflict';
  else if (status === 422 || info.validation) category = 'validation';
  return new PermanentError(message, { category, details });
}

/** True when a failed request may nevertheless have been applied by the target. */
export function isInDoubt(err: unknown): boolean {
  return err instanceof TransientError && err.details.inDoubt === true;
}

/**
 * Runs the look-up that follows a request left in doubt. When the look-up itself fails (the
 * circuit opened on that very timeout, a 429, a timeout again), the request is still in doubt:
 * the look-up's error is thrown marked so (`details.inDoubt`), and the runtime tells Odoo, which
 * keeps it on the event, so the next try looks the record up first even when this failure is
 * not counted as an attempt.
 */
export async function stillInDoubt<T>(lookup: () => Promise<T>): Promise<T> {
  try {
    return await lookup();
  } catch (err) {
    if (err instanceof BridgeError) err.details['inDoubt'] = true;
    throw err;
  }
}

/** The HTTP status behind an error raised by the client, if any. */
export function statusOf(err: unknown): number | undefined {
  if (!(err instanceof BridgeError)) return undefined;
  const s = err.details.status;
  return typeof s === 'number' ? s : undefined;
}
