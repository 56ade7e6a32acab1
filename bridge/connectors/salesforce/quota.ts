import { observation, parseCount, type QuotaHeaderParser } from '../http/quota.js';

/** `api-usage=<used>/<max>`, not the `per-app-api-usage=` entry that may follow it. */
const API_USAGE = /(?:^|[\s;,])api-usage=(\d+)\/(\d+)(?=$|[\s;,])/i;

/**
 * Salesforce's `Sforce-Limit-Info: api-usage=<used>/<max>` (optionally followed by
 * `; per-app-api-usage=...`): the org's daily API request allocation (a rolling 24 h). Used can
 * pass max for a while (Salesforce's soft limit): remaining is then 0.
 */
export const parseSalesforceQuota: QuotaHeaderParser = (h, now) => {
  const raw = h.get('sforce-limit-info');
  if (raw === null) return [];
  const m = API_USAGE.exec(raw);
  if (!m) return [];
  const used = parseCount(m[1]!);
  const max = parseCount(m[2]!);
  if (used === undefined || max === undefined) return [];
  return observation('daily', Math.max(0, max - used), max, now);
};
