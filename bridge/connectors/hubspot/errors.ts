import type { ErrorExtractor, VendorErrorInfo } from '../http/classify.js';
import { genericErrorExtractor } from '../http/classify.js';
import type { RawResponse } from '../http/timeout-request.js';
import { isObj, str, type Obj } from '../payload.js';

/** The ten-second window when HubSpot does not say (X-HubSpot-RateLimit-Interval-Milliseconds). */
const BURST_WINDOW_MS = 10_000;

/**
 * How long the limit HubSpot names in a 429 (`policyName`) lasts: the burst window for
 * TEN_SECONDLY_ROLLING (its `X-HubSpot-RateLimit-Interval-Milliseconds`, else 10 s), 1 s for
 * SECONDLY (search), `dailyRetryMs` for DAILY. Undefined for another or no policy.
 */
function policyWaitMs(res: RawResponse, b: Obj, dailyRetryMs: number): number | undefined {
  switch (str(b.policyName)) {
    case 'TEN_SECONDLY_ROLLING': {
      const interval = Number(res.headers.get('x-hubspot-ratelimit-interval-milliseconds'));
      return Number.isFinite(interval) && interval > 0 ? interval : BURST_WINDOW_MS;
    }
    case 'SECONDLY':
      return 1_000;
    case 'DAILY':
      return dailyRetryMs;
    default:
      return undefined;
  }
}

/**
 * HubSpot error body: `{status, message, correlationId, category, errors[]}`. A 429
 * (`category: RATE_LIMITS`) is a rate limit; HubSpot sends no Retry-After, so the wait comes
 * from its `policyName` (see policyWaitMs; `dailyRetryMs` is options.daily_limit_retry_ms).
 */
export function hubSpotErrorExtractor(dailyRetryMs: number): ErrorExtractor {
  return (res) => {
    const b = res.body;
    if (!isObj(b) || (b.message === undefined && b.category === undefined)) return genericErrorExtractor(res);
    const info = readError(b);
    if (res.status === 429) {
      info.rateLimited = true;
      info.transientRetryMs = policyWaitMs(res, b, dailyRetryMs);
    }
    return info;
  };
}

function readError(b: Obj): VendorErrorInfo {
  const details = Array.isArray(b.errors)
    ? b.errors.filter(isObj).map((e) => str(e.message)).filter((m): m is string => m !== undefined && m !== str(b.message))
    : [];
  const corr = str(b.correlationId);
  const category = str(b.category);
  const message = [str(b.message), ...details].filter(Boolean).join(' | ') + (corr ? ` (HubSpot correlationId ${corr})` : '');
  return {
    message: message || undefined,
    code: category,
    validation: category === 'VALIDATION_ERROR' || category === 'PROPERTY_DOESNT_EXIST' || category === 'INVALID_PARAMS',
    conflict: category === 'CONFLICT' || category === 'OBJECT_ALREADY_EXISTS',
  };
}
