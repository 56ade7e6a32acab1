import type { Router } from 'express';
import { queryCI, queryValue } from '../common/body.js';
import { type ShipBobContext, idParam, parseBody, parseQuery, requestSeq, sendStoreError } from './context.js';
import { notFound, problem } from './errors.js';
import { cursorPage } from './pagination.js';
import { productCreate, productPatch, cursorQuery } from './schemas.js';
import { productJson } from './serialize.js';

/** POST /product, GET /product?SKU=&Search=&PageSize=&Cursor=, GET /product/{id}, PATCH /product/{id}. No upsert by SKU. */
export function mountProducts(r: Router, ctx: ShipBobContext): void {
  const { store, ledger } = ctx;

  r.post('/product', (req, res) => {
    const input = parseBody(req, res, productCreate);
    if (!input) return;
    try {
      const p = store.createProduct(input);
      for (const v of p.variants) ledger.effect('create', 'product', v.sku, String(p.id), requestSeq(res));
      res.status(201).json(productJson(p));
    } catch (e) {
      for (const v of input.variants) ledger.effect('duplicate_rejected', 'product', v.sku, undefined, requestSeq(res));
      sendStoreError(res, e);
    }
  });

  r.get('/product', (req, res) => {
    const q = parseQuery(res, cursorQuery, { PageSize: queryValue(queryCI(req.query, 'PageSize')) });
    if (!q) return;
    const sku = queryValue(queryCI(req.query, 'SKU'));
    const search = queryValue(queryCI(req.query, 'Search'))?.toLowerCase();
    let all = store.products;
    if (sku !== undefined) all = all.filter((p) => p.variants.some((v) => v.sku.toLowerCase() === sku.toLowerCase()));
    if (search) all = all.filter((p) => p.name.toLowerCase().includes(search) || p.variants.some((v) => v.sku.toLowerCase().includes(search)));
    const page = cursorPage(req, all.map(productJson), q.PageSize ?? 50, queryValue(queryCI(req.query, 'Cursor')));
    if (page === 'bad-cursor') return problem(res, 400, { errors: { Cursor: ['The cursor is invalid.'] } });
    res.json(page);
  });

  r.get('/product/:id', (req, res) => {
    const id = idParam(req.params['id']);
    const p = id === undefined ? undefined : store.products.find((x) => x.id === id);
    if (!p) return notFound(res, `Product ${String(req.params['id'])} was not found.`);
    res.json(productJson(p));
  });

  r.patch('/product/:id', (req, res) => {
    const id = idParam(req.params['id']);
    if (id === undefined) return notFound(res);
    const input = parseBody(req, res, productPatch);
    if (!input) return;
    try {
      const p = store.patchProduct(id, input);
      if (!p) return notFound(res, `Product ${id} was not found.`);
      for (const v of p.variants) ledger.effect('update', 'product', v.sku, String(p.id), requestSeq(res));
      res.json(productJson(p));
    } catch (e) {
      sendStoreError(res, e);
    }
  });
}
