import type { Router } from 'express';
import { queryCI, queryList, queryValue } from '../common/body.js';
import { channelId } from './auth.js';
import { type ShipBobContext, idParam, parseBody, parseQuery, requestSeq, sendStoreError } from './context.js';
import { notFound, problem } from './errors.js';
import { cursorPage } from './pagination.js';
import { cursorQuery, returnCreate } from './schemas.js';
import { returnJson } from './serialize.js';

/**
 * GET /return (cursor in body; filters as ShipBob documents them: Status, ReferenceIds, Ids,
 * OriginalShipmentIds, StartDate / EndDate = created on or after / on or before, i.e.
 * `insert_date`; ShipBob documents no completed- or updated-since filter), GET /return/{id},
 * POST /return (shipbob_channel_id required).
 */
export function mountReturns(r: Router, ctx: ShipBobContext): void {
  const { store, ledger } = ctx;

  r.get('/return', (req, res) => {
    const q = parseQuery(res, cursorQuery, { PageSize: queryValue(queryCI(req.query, 'PageSize')) });
    if (!q) return;
    const status = queryList(queryCI(req.query, 'Status'));
    const refs = queryList(queryCI(req.query, 'ReferenceIds'));
    const ids = queryList(queryCI(req.query, 'Ids'));
    const shipments = queryList(queryCI(req.query, 'OriginalShipmentIds'));
    const dates: Record<string, string | undefined> = { StartDate: queryValue(queryCI(req.query, 'StartDate')), EndDate: queryValue(queryCI(req.query, 'EndDate')) };
    for (const [k, v] of Object.entries(dates)) {
      if (v !== undefined && Number.isNaN(Date.parse(v))) return problem(res, 400, { errors: { [k]: [`The value '${v}' is not valid for ${k}.`] } });
    }
    let all = store.returns;
    if (status.length) all = all.filter((x) => status.includes(x.status));
    if (refs.length) all = all.filter((x) => refs.includes(x.reference_id));
    if (ids.length) all = all.filter((x) => ids.includes(String(x.id)));
    if (shipments.length) all = all.filter((x) => x.original_shipment_id !== null && shipments.includes(String(x.original_shipment_id)));
    if (dates.StartDate !== undefined) all = all.filter((x) => Date.parse(x.insert_date) >= Date.parse(dates.StartDate!));
    if (dates.EndDate !== undefined) all = all.filter((x) => Date.parse(x.insert_date) <= Date.parse(dates.EndDate!));
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
