import type { Request, Response, Router } from 'express';
import { queryCI, queryList, queryValue } from '../common/body.js';
import { type ShipBobContext, parseQuery } from './context.js';
import { problem } from './errors.js';
import { cursorPage } from './pagination.js';
import { cursorQuery } from './schemas.js';
import { inventoryLevelJson, inventoryLocationsJson, lotsJson } from './serialize.js';
import type { InventoryRecord } from './store.js';

/** GET /inventory-level, /inventory-level/locations, /inventory-level/lots; filters SKUs, InventoryIds; cursor pagination. */
export function mountInventory(r: Router, ctx: ShipBobContext): void {
  const { store } = ctx;
  const locName = (id: number) => store.locations.find((l) => l.id === id)?.name ?? String(id);

  const list = <T>(req: Request, res: Response, map: (rec: InventoryRecord) => T[]) => {
    const q = parseQuery(res, cursorQuery, { PageSize: queryValue(queryCI(req.query, 'PageSize')) });
    if (!q) return;
    const skus = queryList(queryCI(req.query, 'SKUs')).map((s) => s.toLowerCase());
    const ids = queryList(queryCI(req.query, 'InventoryIds'));
    let recs = store.inventory;
    if (skus.length) recs = recs.filter((x) => skus.includes(x.sku.toLowerCase()));
    if (ids.length) recs = recs.filter((x) => ids.includes(String(x.inventory_id)));
    const page = cursorPage(req, recs.flatMap(map), q.PageSize ?? 50, queryValue(queryCI(req.query, 'Cursor')));
    if (page === 'bad-cursor') return problem(res, 400, { errors: { Cursor: ['The cursor is invalid.'] } });
    res.json(page);
  };

  r.get('/inventory-level', (req, res) => list(req, res, (rec) => [inventoryLevelJson(rec)]));
  r.get('/inventory-level/locations', (req, res) => list(req, res, (rec) => [inventoryLocationsJson(rec, locName)]));
  r.get('/inventory-level/lots', (req, res) => list(req, res, (rec) => lotsJson(rec, locName)));
}
