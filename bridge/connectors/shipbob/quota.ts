import { headerCount, observation, type QuotaHeaderParser } from '../http/quota.js';

/**
 * ShipBob's `x-remaining-calls`: calls left in its sliding window of 150 per minute per user
 * and app. It sends neither the limit nor when the next call frees up, so the observation has
 * no limit and no interval (ShipBob has no daily allocation).
 */
export const parseShipBobQuota: QuotaHeaderParser = (h, now) => observation('burst', headerCount(h, 'x-remaining-calls'), undefined, now);
