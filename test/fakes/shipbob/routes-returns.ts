import type { Router } from 'express';
import { queryCI, queryList, queryValue } from '../common/body.js';
import { channelId } from './auth.js';
import { type ShipBobContext, idParam, parseBody, parseQuery, requestSeq, sendStoreError } from './context.js';
import { notFound, problem } from './errors.js';
import { cursorPage } from './pagination.js';
import { cursorQuery, returnCreate } from './schemas.js';
import { returnJson } from './serialize.js';

/** GET /return (cursor in body; filters Status, ReferenceIds), GET /return/{id}, POST /return (shipbob_channel_id required). */
export function mountReturns(r: Router, ctx: ShipBobContext): void {
  const { store, ledger } = ctx;

  r.get('/return', (req, res) => {
    const q = parseQuery(res, cursorQuery, { PageSize: queryValue(queryCI(req.query, 'PageSize')) });
    if (!q) return;
    const status = queryList(queryCI(req.query, 'Status'));
    const refs = queryList(queryCI(req.query, 'ReferenceIds'));
    let all = store.returns;
    if (status.length) all = all.filter((x) => status.includes(x.status));
    if (refs.length) all = all.filter((x) => refs.includes(x.reference_id));
    const page = cursorPage(req, all.map(returnJson), q.PageSize ?? 50, queryValue(queryCI(req.query, 'Cursor')));
    if (page === 'bad-cursor') return problem(res, 400, { errors: { Cursor: ['The cursor is invalid.'] } });
    res.json(page);
  });

  r.get('/return/:id', (req, res) => {
    const id = idParam(req.params['id']);
    const ret = id === undefined ? undefined : store.returns.find((x) => x.id === id);
    if (!ret) return notFound(res, `Return ${String(req.params['id'])} was not found.`);
    res.json(returnJson(ret));
  });

  r.post('/return', (req, res) => {
    const channel = channelId(req, res, store.channels, true);
    if (channel === undefined) return;
    const input = parseBody(req, res, returnCreate);
    if (!input) return;
    try {
      const ret = store.createReturn(channel, input);
      ledger.effect('create', 'return', ret.reference_id, String(ret.id), requestSeq(res));
      void ctx.webhooks.emit('return.created', returnJson(ret));
      res.status(201).json(returnJson(ret));
    } catch (e) {
      sendStoreError(res, e);
    }
  });
}
