import type { Request, Response, Router } from 'express';
import { queryCI, queryList, queryValue } from '../common/body.js';
import { channelId } from './auth.js';
import { type ShipBobContext, idParam, parseBody, parseQuery, requestSeq, sendStoreError } from './context.js';
import { notFound, problem } from './errors.js';
import { cursorPage } from './pagination.js';
import { type ReceivingStore, receivingCreate, wroBoxesJson, wroJson } from './receiving.js';
import { cursorQuery } from './schemas.js';

/**
 * Warehouse receiving orders:
 *  POST /receiving (shipbob_channel_id required; 201 with the WRO; 422 for unknown inventory,
 *  a lot-tracked item without lot_number, packaging rules),
 *  GET /receiving (cursor; filters Statuses, PurchaseOrderNumbers, IDs, LastUpdatedStartDate),
 *  GET /receiving/{id}, GET /receiving/{id}/boxes, POST /receiving/{id}:cancel.
 * Ledger effects: create / cancel on resource 'receiving' keyed by purchase_order_number.
 */
export function mountReceiving(r: Router, ctx: ShipBobContext, wros: ReceivingStore): void {
  const { store, ledger } = ctx;

  r.post('/receiving', (req, res) => {
    const channel = channelId(req, res, store.channels, true);
    if (channel === undefined) return;
    const input = parseBody(req, res, receivingCreate);
    if (!input) return;
    try {
      const w = wros.create(channel, input);
      ledger.effect('create', 'receiving', w.purchase_order_number ?? String(w.id), String(w.id), requestSeq(res));
      res.status(201).json(wroJson(w));
    } catch (e) {
      sendStoreError(res, e);
    }
  });

  r.get('/receiving', (req, res) => {
    const q = parseQuery(res, cursorQuery, { PageSize: queryValue(queryCI(req.query, 'PageSize')) });
    if (!q) return;
    const statuses = queryList(queryCI(req.query, 'Statuses'));
    const pos = queryList(queryCI(req.query, 'PurchaseOrderNumbers'));
    const ids = queryList(queryCI(req.query, 'IDs'));
    const since = queryValue(queryCI(req.query, 'LastUpdatedStartDate'));
    if (since !== undefined && Number.isNaN(Date.parse(since))) return problem(res, 400, { errors: { LastUpdatedStartDate: ['The value is not valid for LastUpdatedStartDate.'] } });
    let all = wros.wros;
    if (statuses.length) all = all.filter((w) => statuses.includes(w.status));
    if (pos.length) all = all.filter((w) => w.purchase_order_number !== null && pos.includes(w.purchase_order_number));
    if (ids.length) all = all.filter((w) => ids.includes(String(w.id)));
    if (since !== undefined) all = all.filter((w) => Date.parse(w.last_updated_date) >= Date.parse(since));
    const page = cursorPage(req, all.map(wroJson), q.PageSize ?? 50, queryValue(queryCI(req.query, 'Cursor')));
    if (page === 'bad-cursor') return problem(res, 400, { errors: { Cursor: ['The cursor is invalid.'] } });
    res.json(page);
  });

  const one = (raw: unknown) => {
    const id = idParam(raw);
    return id === undefined ? undefined : wros.find(id);
  };

  r.get('/receiving/:id/boxes', (req, res) => {
    const w = one(req.params['id']);
    if (!w) return notFound(res, `Receiving order ${String(req.params['id'])} was not found.`);
    res.json(wroBoxesJson(w));
  });

  r.get('/receiving/:id', (req, res) => {
    const raw = String(req.params['id']);
    const w = one(raw);
    if (!w) return notFound(res, `Receiving order ${raw} was not found.`);
    res.json(wroJson(w));
  });

  r.post(/^\/receiving\/([^/:]+):cancel$/, (req: Request, res: Response) => {
    const raw = String((req.params as Record<string, string>)[0]);
    const w = one(raw);
    if (!w) return notFound(res, `Receiving order ${raw} was not found.`);
    try {
      const was = w.status;
      wros.cancel(w);
      if (was !== 'Cancelled') ledger.effect('cancel', 'receiving', w.purchase_order_number ?? String(w.id), String(w.id), requestSeq(res));
      res.json(wroJson(w));
    } catch (e) {
      sendStoreError(res, e);
    }
  });
}

/**
 * Test controls (under /__control/): POST /receiving/:id/arrive,
 * POST /receiving/:id/complete {lines?[{sku, quantity, lots?[{lot_number, lot_date?, quantity}]}]}.
 * ShipBob sends no webhook for receiving orders: the bridge polls GET /receiving.
 */
export function mountReceivingControls(r: Router, wros: ReceivingStore): void {
  const run = (fn: (req: Request) => unknown) => (req: Request, res: Response) => {
    try {
      res.json(fn(req));
    } catch (e) {
      const err = e as { status?: number; message: string; errors?: unknown };
      res.status(err.status === 404 ? 404 : 422).json({ error: err.message, errors: err.errors ?? null });
    }
  };
  const wro = (req: Request) => {
    const w = wros.find(Number(req.params['id']));
    if (!w) throw Object.assign(new Error(`receiving order ${String(req.params['id'])} not found`), { status: 404 });
    return w;
  };
  r.post('/receiving/:id/arrive', run((req) => wroJson(wros.arrive(wro(req)))));
  r.post('/receiving/:id/complete', run((req) => wroJson(wros.complete(wro(req), (req.body ?? {}) as never))));
  r.get('/receiving', (_req, res) => {
    res.json(wros.wros.map(wroJson));
  });
}
