import { headerCount, observation, type QuotaHeaderParser } from '../http/quota.js';

/**
 * The generic WMS profile's `RateLimit-Limit` / `RateLimit-Remaining` (and `RateLimit-Reset`,
 * seconds until the window resets, when the WMS sends it): a burst window.
 */
export const parseGenericWmsQuota: QuotaHeaderParser = (h, now) => {
  const reset = headerCount(h, 'ratelimit-reset');
  return observation('burst', headerCount(h, 'ratelimit-remaining'), headerCount(h, 'ratelimit-limit'), now, reset === undefined ? undefined : reset * 1000);
};
