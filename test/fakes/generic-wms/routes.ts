import type { Request, Response, Router } from 'express';
import type { z } from 'zod';
import { jsonBody } from '../common/body.js';
import type { Clock } from '../common/clock.js';
import type { Ledger, LedgerRequest } from '../common/ledger.js';
import { decodeCursor, encodeCursor } from '../common/pagination.js';
import { validate } from '../common/validation.js';
import { validationError, wmsError } from './errors.js';
import { customerBody, eventsQuery, itemBody, listQuery, orderBody, refParam, stockQuery } from './schemas.js';
import { canonical, type WmsStore } from './store.js';
import type { WmsWebhooks } from './webhooks.js';

export interface WmsContext {
  store: WmsStore;
  ledger: Ledger;
  clock: Clock;
  webhooks: WmsWebhooks;
}

function seq(res: Response): number | undefined {
  return (res.locals['ledgerEntry'] as LedgerRequest | undefined)?.seq;
}

function parse<S extends z.ZodType>(req: Request, res: Response, schema: S): z.output<S> | undefined {
  const j = jsonBody(req);
  if (!j.ok) return void wmsError(res, 400, 'invalid_json', `Request body is not valid JSON: ${j.message}`);
  if (j.empty) return void wmsError(res, 400, 'validation_error', 'Request body is required');
  const r = validate(schema, j.value);
  if (!r.ok) return void validationError(res, r.issues);
  return r.data;
}

function refOf(req: Request, res: Response, name: string): string | undefined {
  const r = validate(refParam, String(req.params[name] ?? ''));
  if (!r.ok) return void wmsError(res, 400, 'validation_error', r.issues[0]!.message, name);
  return r.data;
}

/**
 * Generic WMS profile (see docs/presets/generic-wms.openapi.yaml):
 *  PUT  /orders/{reference}        idempotent create-or-replace: 201 created, 200 replaced or
 *                                  unchanged; 409 order_locked once picking started and the body differs
 *  GET  /orders/{reference}        200 | 404 not_found
 *  POST /orders/{reference}/cancel 200 (idempotent) | 404 | 409 order_not_cancellable
 *  PUT  /items/{sku}, PUT /customers/{ref}   201 created | 200 replaced
 *  GET  /items?cursor=&limit=, GET /customers?cursor=&limit=  {items[], next_cursor} in key order
 *  GET  /stock?cursor=&limit=&sku= {items[], next_cursor}
 *  GET  /events?after=|since=&limit=  (optional in the profile) every event sent as a webhook, in
 *                                  delivery order: {events[{id, type, created_at, data}], next_cursor, has_more};
 *                                  a cursor before purged events (retention): 400 invalid_cursor
 */
export function mountWms(r: Router, ctx: WmsContext): void {
  const { store, ledger, clock } = ctx;

  r.put('/orders/:reference', (req, res) => {
    const reference = refOf(req, res, 'reference');
    if (!reference) return;
    const body = parse(req, res, orderBody);
    if (!body) return;
    const now = clock.iso();
    const existing = store.orders.get(reference);
    if (!existing) {
      const o = { reference, status: 'open' as const, version: 1, body, created_at: now, updated_at: now, shipped: new Map<string, number>(), shipments: [] };
      store.orders.set(reference, o);
      ledger.effect('create', 'order', reference, reference, seq(res));
      return res.status(201).setHeader('Location', `${req.baseUrl}/orders/${encodeURIComponent(reference)}`).json(store.orderJson(o));
    }
    if (canonical(existing.body) === canonical(body)) return res.status(200).json(store.orderJson(existing));
    if (existing.status !== 'open')
      return wmsError(res, 409, 'order_locked', `Order ${reference} is ${existing.status} and can no longer be replaced`);
    existing.body = body;
    existing.version += 1;
    existing.updated_at = now;
    ledger.effect('update', 'order', reference, reference, seq(res));
    res.status(200).json(store.orderJson(existing));
  });

  r.get('/orders/:reference', (req, res) => {
    const reference = refOf(req, res, 'reference');
    if (!reference) return;
    const o = store.orders.get(reference);
    if (!o) return wmsError(res, 404, 'not_found', `Order ${reference} not found`);
    res.json(store.orderJson(o));
  });

  r.post('/orders/:reference/cancel', (req, res) => {
    const reference = refOf(req, res, 'reference');
    if (!reference) return;
    const o = store.orders.get(reference);
    if (!o) return wmsError(res, 404, 'not_found', `Order ${reference} not found`);
    if (o.status === 'cancelled') return res.json(store.orderJson(o));
    if (o.status === 'shipped' || o.status === 'partially_shipped')
      return wmsError(res, 409, 'order_not_cancellable', `Order ${reference} is ${o.status}`);
    o.status = 'cancelled';
    o.updated_at = clock.iso();
    ledger.effect('cancel', 'order', reference, reference, seq(res));
    res.json(store.orderJson(o));
  });

  const putMaster = <S extends z.ZodType>(path: string, kind: 'item' | 'customer', schema: S, map: Map<string, unknown>, keyName: string) => {
    r.put(path, (req, res) => {
      const key = refOf(req, res, keyName);
      if (!key) return;
      const body = parse(req, res, schema);
      if (!body) return;
      const existed = map.has(key);
      const rec = { ...(body as object), [keyName === 'sku' ? 'sku' : 'ref']: key, updated_at: clock.iso() };
      map.set(key, rec);
      ledger.effect(existed ? 'update' : 'create', kind, key, key, seq(res));
      res.status(existed ? 200 : 201).json(rec);
    });
  };
  const listMaster = (path: string, map: Map<string, unknown>) => {
    r.get(path, (req, res) => {
      const q = validate(listQuery, {
        cursor: typeof req.query['cursor'] === 'string' ? req.query['cursor'] : undefined,
        limit: typeof req.query['limit'] === 'string' ? req.query['limit'] : undefined,
      });
      if (!q.ok) return validationError(res, q.issues);
      // Keyset cursor (the last key of the page): stable while records are added or replaced.
      let after = '';
      if (q.data.cursor) {
        const c = decodeCursor<{ k: string }>(q.data.cursor);
        if (!c || typeof c.k !== 'string') return wmsError(res, 400, 'invalid_cursor', 'cursor is invalid or expired', 'cursor');
        after = c.k;
      }
      const limit = q.data.limit ?? 100;
      const keys = [...map.keys()].filter((k) => k > after).sort();
      const page = keys.slice(0, limit);
      res.json({ items: page.map((k) => map.get(k)), next_cursor: keys.length > limit ? encodeCursor({ k: page[page.length - 1]! }) : null });
    });
  };
  listMaster('/items', store.items as Map<string, unknown>);
  listMaster('/customers', store.customers as Map<string, unknown>);
  putMaster('/items/:sku', 'item', itemBody, store.items as Map<string, unknown>, 'sku');
  putMaster('/customers/:ref', 'customer', customerBody, store.customers as Map<string, unknown>, 'ref');

  r.get('/events', (req, res) => {
    const str = (k: string) => (typeof req.query[k] === 'string' ? req.query[k] : undefined);
    const q = validate(eventsQuery, { after: str('after'), since: str('since'), limit: str('limit') });
    if (!q.ok) return validationError(res, q.issues);
    const feed = ctx.webhooks.feed;
    let position: number; // the seq of the last event before the page
    if (q.data.after) {
      const c = decodeCursor<{ s: number }>(q.data.after);
      if (!c || !Number.isInteger(c.s) || c.s < 0 || c.s > ctx.webhooks.lastSeq) return wmsError(res, 400, 'invalid_cursor', 'after is not a cursor of this feed', 'after');
      // Retention: events after this cursor were purged, so the page it asks for is gone.
      if (c.s < ctx.webhooks.purgedThrough) return wmsError(res, 400, 'invalid_cursor', 'after is expired: the events after it are past the retention and were purged', 'after');
      position = c.s;
    } else if (q.data.since) {
      const since = Date.parse(q.data.since);
      position = feed.filter((e) => Date.parse(e.event.created_at) < since).reduce((m, e) => Math.max(m, e.seq), 0);
    } else {
      position = 0;
    }
    const limit = q.data.limit ?? 100;
    const rest = feed.filter((e) => e.seq > position);
    const page = rest.slice(0, limit);
    const last = page.length ? page[page.length - 1]!.seq : position;
    res.json({ events: page.map((e) => e.event), next_cursor: encodeCursor({ s: last }), has_more: rest.length > limit });
  });

  r.get('/stock', (req, res) => {
    const q = validate(stockQuery, {
      cursor: typeof req.query['cursor'] === 'string' ? req.query['cursor'] : undefined,
      limit: typeof req.query['limit'] === 'string' ? req.query['limit'] : undefined,
      sku: typeof req.query['sku'] === 'string' ? req.query['sku'] : undefined,
    });
    if (!q.ok) return validationError(res, q.issues);
    let offset = 0;
    if (q.data.cursor) {
      const c = decodeCursor<{ o: number }>(q.data.cursor);
      if (!c || typeof c.o !== 'number') return wmsError(res, 400, 'invalid_cursor', 'cursor is invalid or expired', 'cursor');
      offset = c.o;
    }
    const limit = q.data.limit ?? 100;
    const rows = store.stock.filter((s) => !q.data.sku || s.sku === q.data.sku);
    const items = rows.slice(offset, offset + limit).map((s) => ({ ...s, available: Math.max(0, s.on_hand - s.reserved) }));
    res.json({ items, next_cursor: offset + limit < rows.length ? encodeCursor({ o: offset + limit }) : null });
  });
}
