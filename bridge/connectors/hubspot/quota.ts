import { headerCount, observation, type QuotaHeaderParser } from '../http/quota.js';

/**
 * HubSpot's quota headers: the burst window (`X-HubSpot-RateLimit-Max` / `-Remaining` per
 * `-Interval-Milliseconds`, 10 s for private apps) and the daily limit (`-Daily` /
 * `-Daily-Remaining`, reset at midnight in the account's time zone). Not every answer carries
 * them (OAuth apps get no daily pair, search answers none): a missing pair is no observation.
 */
export const parseHubSpotQuota: QuotaHeaderParser = (h, now) => [
  ...observation('burst', headerCount(h, 'x-hubspot-ratelimit-remaining'), headerCount(h, 'x-hubspot-ratelimit-max'), now,
    headerCount(h, 'x-hubspot-ratelimit-interval-milliseconds')),
  ...observation('daily', headerCount(h, 'x-hubspot-ratelimit-daily-remaining'), headerCount(h, 'x-hubspot-ratelimit-daily'), now),
];
