import type { Router } from 'express';
import { queryValue } from '../common/body.js';
import type { Clock } from '../common/clock.js';
import { decodeCursor, encodeCursor } from '../common/pagination.js';
import { validate } from '../common/validation.js';
import { z } from 'zod';
import { hsError, notFound } from './errors.js';
import { OBJECT_TYPES, type PropertySchema } from './properties.js';

/**
 * HubSpot owners (the portal's users that records can be assigned to), read-only API
 * (scope crm.objects.owners.read):
 *  GET /crm/v3/owners?email=&limit (1..500, default 100)&after&archived -> {results[owner], paging?}
 *  GET /crm/v3/owners/{ownerId}?idProperty=id|userId&archived -> owner, 404 when unknown.
 * Owner: {id, email, type: PERSON, firstName, lastName, userId, userIdIncludingInactive,
 * createdAt, updatedAt, archived, teams[]}. `id` is what `hubspot_owner_id` holds; `userId` is
 * refused there. `hubspot_owner_id` is an enumeration of the active owners' ids, so writing an
 * unknown owner id fails validation (INVALID_OPTION) like on HubSpot.
 */
export interface HsOwner {
  id: string;
  email: string;
  type: 'PERSON';
  firstName: string;
  lastName: string;
  userId: number;
  userIdIncludingInactive: number;
  createdAt: string;
  updatedAt: string;
  archived: boolean;
  teams: Array<{ id: string; name: string; primary: boolean }>;
}

export class HubSpotOwners {
  private readonly owners: HsOwner[] = [];
  private nextId = 41_629_779;
  private nextUser = 9_586_504;

  constructor(
    private readonly clock: Clock,
    private readonly schema: PropertySchema,
  ) {
    this.sync();
  }

  /** Adds a user to the portal (what an admin does in Settings > Users). */
  add(o: { email: string; firstName?: string; lastName?: string; archived?: boolean }): HsOwner {
    const now = this.clock.iso();
    const userId = this.nextUser++;
    const owner: HsOwner = {
      id: String(this.nextId++), email: o.email, type: 'PERSON', firstName: o.firstName ?? '', lastName: o.lastName ?? '',
      userId, userIdIncludingInactive: userId, createdAt: now, updatedAt: now, archived: o.archived ?? false, teams: [],
    };
    this.owners.push(owner);
    this.sync();
    return owner;
  }

  all(archived = false): HsOwner[] {
    return this.owners.filter((o) => o.archived === archived);
  }

  get(id: string, by: 'id' | 'userId' = 'id', archived = false): HsOwner | undefined {
    return this.all(archived).find((o) => (by === 'id' ? o.id === id : String(o.userId) === id));
  }

  reset(): void {
    this.owners.length = 0;
    this.nextId = 41_629_779;
    this.nextUser = 9_586_504;
    this.sync();
  }

  /** `hubspot_owner_id` on every object type accepts exactly the active owners' ids. */
  sync(): void {
    const ids = this.all().map((o) => o.id);
    for (const t of OBJECT_TYPES) if (this.schema[t]['hubspot_owner_id']) this.schema[t]['hubspot_owner_id'] = { type: 'enumeration', options: ids };
  }
}

const listQuery = z.object({
  email: z.string().optional(),
  limit: z
    .string()
    .regex(/^\d+$/, 'limit must be an integer')
    .transform(Number)
    .refine((n) => n >= 1 && n <= 500, 'limit must be between 1 and 500')
    .optional(),
  after: z.string().min(1).optional(),
  archived: z.enum(['true', 'false']).optional(),
});

export function mountOwners(r: Router, owners: HubSpotOwners): void {
  r.get('/crm/v3/owners', (req, res) => {
    const q = validate(listQuery, {
      email: queryValue(req.query['email']), limit: queryValue(req.query['limit']), after: queryValue(req.query['after']), archived: queryValue(req.query['archived']),
    });
    if (!q.ok) return hsError(res, 400, 'VALIDATION_ERROR', `${q.issues[0]!.path}: ${q.issues[0]!.message}`);
    const limit = q.data.limit ?? 100;
    let offset = 0;
    if (q.data.after !== undefined) {
      const c = decodeCursor<{ o: number }>(q.data.after);
      if (!c || typeof c.o !== 'number') return hsError(res, 400, 'VALIDATION_ERROR', `Invalid after value: ${q.data.after}`);
      offset = c.o;
    }
    const email = q.data.email?.toLowerCase();
    const all = owners.all(q.data.archived === 'true').filter((o) => email === undefined || o.email.toLowerCase() === email);
    const body: Record<string, unknown> = { results: all.slice(offset, offset + limit) };
    if (offset + limit < all.length) {
      const after = encodeCursor({ o: offset + limit });
      body['paging'] = { next: { after, link: `${req.baseUrl}${req.path}?after=${after}&limit=${limit}` } };
    }
    res.json(body);
  });

  r.get('/crm/v3/owners/:ownerId', (req, res) => {
    const by = queryValue(req.query['idProperty']) ?? 'id';
    if (by !== 'id' && by !== 'userId') return hsError(res, 400, 'VALIDATION_ERROR', `idProperty must be one of [id, userId], got ${by}`);
    const owner = owners.get(String(req.params['ownerId']), by, queryValue(req.query['archived']) === 'true');
    if (!owner) return notFound(res, `Owner with ${by} ${String(req.params['ownerId'])} was not found`);
    res.json(owner);
  });
}
