import { PermanentError } from '../../errors/index.js';
import type { EventCall } from '../base-connector.js';
import { isObj, str } from '../payload.js';

/** Most owners per page HubSpot returns (`limit` 1..500). */
const OWNERS_PAGE = 500;
const MAX_PAGES = 100;

interface CacheEntry { id: string | null; expires: number }

/**
 * HubSpot owners by email: `GET /crm/v3/owners?email=<email>&limit=500` (read-only API, scope
 * crm.objects.owners.read), following `paging.next.after`. HubSpot filters by email itself; the
 * answer is still checked case-insensitively. Results, found or not, are cached per email for
 * `ttlMs` (options.owner_cache_ttl_seconds, default 600) so a burst of customer upserts costs
 * one lookup per account manager.
 */
export class OwnerDirectory {
  private readonly cache = new Map<string, CacheEntry>();

  constructor(private readonly ttlMs: number, private readonly now: () => number) {}

  /** The owner id (what `hubspot_owner_id` takes) of the active owner with this email, or null. */
  async idOf(call: EventCall, email: string): Promise<string | null> {
    const key = email.trim().toLowerCase();
    const hit = this.cache.get(key);
    if (hit && hit.expires > this.now()) return hit.id;
    let after: string | undefined;
    let id: string | null = null;
    for (let page = 0; page < MAX_PAGES && id === null; page++) {
      const res = await call({ method: 'GET', path: '/crm/v3/owners', query: { email: key, limit: String(OWNERS_PAGE), archived: 'false', ...(after ? { after } : {}) } });
      const body = isObj(res.body) ? res.body : {};
      const results = Array.isArray(body.results) ? body.results.filter(isObj) : [];
      id = str(results.find((o) => str(o.email)?.toLowerCase() === key && o.archived !== true)?.id) ?? null;
      const next = isObj(body.paging) && isObj(body.paging.next) ? str(body.paging.next.after) : undefined;
      if (!next || next === after) break;
      after = next;
    }
    this.cache.set(key, { id, expires: this.now() + this.ttlMs });
    return id;
  }

  clear(): void {
    this.cache.clear();
  }
}

/**
 * Resolves the payload's `owner: {email, optional?}` into `hubspot_owner_id`. No owner key, or no
 * email: the property is left alone (Odoo has no account manager to impose). An email HubSpot has
 * no active owner for is a permanent error naming the email and the record, unless the mapping
 * marks the owner `optional: true` (then the owner is left alone).
 */
export async function resolveOwner(
  call: EventCall,
  owners: OwnerDirectory,
  owner: unknown,
  what: string,
): Promise<{ hubspot_owner_id?: string; note?: string }> {
  if (!isObj(owner)) return {};
  const email = str(owner.email);
  if (!email) return {};
  const id = await owners.idOf(call, email);
  if (id) return { hubspot_owner_id: id };
  if (owner.optional === true) return { note: `owner ${email} is not a HubSpot user (left unassigned)` };
  throw new PermanentError(
    `HubSpot has no active owner (user) with email ${email}, the account manager of ${what}: add ${email} as a user in HubSpot, correct the salesperson's email in Odoo, or mark the owner optional in the mapping`,
    { category: 'validation', details: { owner_email: email } },
  );
}
