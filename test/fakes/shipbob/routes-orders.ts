import type { Request, Response, Router } from 'express';
import { queryCI, queryList, queryValue } from '../common/body.js';
import { channelId } from './auth.js';
import { type ShipBobContext, idParam, parseBody, parseQuery, requestSeq, sendStoreError } from './context.js';
import { notFound, problem } from './errors.js';
import { batchTrackingUpload, orderCreate, orderListQuery } from './schemas.js';
import { orderJson, shipmentJson } from './serialize.js';

/**
 * Orders and shipments:
 *  POST /order (shipbob_channel_id required; duplicate reference_id in the channel -> 422),
 *  GET /order (Page/Limit<=250, ReferenceIds, IDs, HasTracking, IsTrackingUploaded, StartDate/EndDate
 *  (created), LastUpdateStartDate/LastUpdateEndDate (the order or one of its shipments changed); headers
 *  Page-Number, Total-Count, Total-Pages, Next-Page, Prev-Page), GET /order/{id},
 *  POST /order/{id}:cancel, GET /order/{id}/shipment, GET /shipment/{id},
 *  POST /shipment:batchUpdateTrackingUpload.
 */
export function mountOrders(r: Router, ctx: ShipBobContext): void {
  const { store, ledger } = ctx;

  r.post('/order', (req, res) => {
    const channel = channelId(req, res, store.channels, true);
    if (channel === undefined) return;
    const input = parseBody(req, res, orderCreate);
    if (!input) return;
    if (store.findOrderByReference(channel, input.reference_id)) {
      ledger.effect('duplicate_rejected', 'order', input.reference_id, undefined, requestSeq(res));
      return problem(res, 422, {
        errors: { reference_id: [`An order with reference_id '${input.reference_id}' already exists for this channel.`] },
      });
    }
    try {
      const o = store.createOrder(channel, input);
      ledger.effect('create', 'order', o.reference_id, String(o.id), requestSeq(res));
      res.status(201).json(orderJson(o));
    } catch (e) {
      sendStoreError(res, e);
    }
  });

  r.get('/order', (req, res) => {
    const q = parseQuery(res, orderListQuery, {
      Page: queryValue(queryCI(req.query, 'Page')),
      Limit: queryValue(queryCI(req.query, 'Limit')),
      HasTracking: queryValue(queryCI(req.query, 'HasTracking')),
      IsTrackingUploaded: queryValue(queryCI(req.query, 'IsTrackingUploaded')),
      SortOrder: queryValue(queryCI(req.query, 'SortOrder')),
      StartDate: queryValue(queryCI(req.query, 'StartDate')),
      EndDate: queryValue(queryCI(req.query, 'EndDate')),
      LastUpdateStartDate: queryValue(queryCI(req.query, 'LastUpdateStartDate')),
      LastUpdateEndDate: queryValue(queryCI(req.query, 'LastUpdateEndDate')),
    });
    if (!q) return;
    const channel = channelId(req, res, store.channels, false);
    if (channel === undefined) return;
    const refs = queryList(queryCI(req.query, 'ReferenceIds'));
    const ids = queryList(queryCI(req.query, 'IDs'));
    if (ids.some((x) => !/^\d+$/.test(x))) return problem(res, 400, { errors: { IDs: ['The value is not valid for IDs.'] } });
    let all = store.orders.filter((o) => channel === null || o.channel.id === channel);
    if (refs.length) all = all.filter((o) => refs.includes(o.reference_id));
    if (ids.length) all = all.filter((o) => ids.includes(String(o.id)));
    if (q.HasTracking !== undefined) all = all.filter((o) => o.shipments.some((s) => s.tracking !== null) === q.HasTracking);
    if (q.IsTrackingUploaded !== undefined)
      all = all.filter((o) =>
        q.IsTrackingUploaded
          ? o.shipments.some((s) => s.tracking !== null) && o.shipments.filter((s) => s.tracking !== null).every((s) => s.is_tracking_uploaded)
          : o.shipments.some((s) => s.tracking !== null && !s.is_tracking_uploaded),
      );
    if (q.StartDate) all = all.filter((o) => o.created_date >= new Date(q.StartDate!).toISOString());
    if (q.EndDate) all = all.filter((o) => o.created_date <= new Date(q.EndDate!).toISOString());
    // An order's last update: its creation or the latest change of one of its shipments.
    const updated = (o: (typeof all)[number]) => [o.created_date, ...o.shipments.map((s) => s.last_update_at)].sort().pop()!;
    if (q.LastUpdateStartDate) all = all.filter((o) => updated(o) >= new Date(q.LastUpdateStartDate!).toISOString());
    if (q.LastUpdateEndDate) all = all.filter((o) => updated(o) <= new Date(q.LastUpdateEndDate!).toISOString());
    all = [...all].sort((a, b) => (q.SortOrder === 'Oldest' ? a.id - b.id : b.id - a.id));
    const page = q.Page ?? 1;
    const limit = q.Limit ?? 50;
    const totalPages = Math.max(1, Math.ceil(all.length / limit));
    const link = (p: number) => {
      const params = new URLSearchParams();
      for (const [k, v] of Object.entries(req.query)) {
        if (['page', 'limit'].includes(k.toLowerCase())) continue;
        for (const x of Array.isArray(v) ? v : [v]) params.append(k, String(x));
      }
      params.set('Page', String(p));
      params.set('Limit', String(limit));
      return `${req.baseUrl}${req.path}?${params.toString()}`;
    };
    res.setHeader('Page-Number', String(page));
    res.setHeader('Total-Count', String(all.length));
    res.setHeader('Total-Pages', String(totalPages));
    if (page < totalPages) res.setHeader('Next-Page', link(page + 1));
    if (page > 1) res.setHeader('Prev-Page', link(page - 1));
    res.json(all.slice((page - 1) * limit, page * limit).map(orderJson));
  });

  // POST /order/{orderId}:cancel — the colon form of a custom method.
  r.post(/^\/order\/([^/:]+):cancel$/, (req: Request, res: Response) => {
    const id = idParam((req.params as Record<string, string>)['0']);
    const o = id === undefined ? undefined : store.orders.find((x) => x.id === id);
    if (!o) return notFound(res, `Order ${String((req.params as Record<string, string>)['0'])} was not found.`);
    const wasCancelled = o.cancelled;
    try {
      const results = store.cancelOrder(o);
      if (!wasCancelled) {
        ledger.effect('cancel', 'order', o.reference_id, String(o.id), requestSeq(res));
        for (const s of o.shipments.filter((x) => x.status === 'Cancelled'))
          void ctx.webhooks.emit('order.shipment.cancelled', shipmentJson(s));
      }
      res.json({ order_id: o.id, reference_id: o.reference_id, status: 'Success', canceled_shipment_results: results, order: orderJson(o) });
    } catch (e) {
      sendStoreError(res, e);
    }
  });

  r.get('/order/:id', (req, res) => {
    const id = idParam(req.params['id']);
    const o = id === undefined ? undefined : store.orders.find((x) => x.id === id);
    if (!o) return notFound(res, `Order ${String(req.params['id'])} was not found.`);
    res.json(orderJson(o));
  });

  r.get('/order/:id/shipment', (req, res) => {
    const id = idParam(req.params['id']);
    const o = id === undefined ? undefined : store.orders.find((x) => x.id === id);
    if (!o) return notFound(res, `Order ${String(req.params['id'])} was not found.`);
    res.json(o.shipments.map(shipmentJson));
  });

  r.get('/shipment/:id', (req, res) => {
    const id = idParam(req.params['id']);
    const found = id === undefined ? undefined : store.findShipment(id);
    if (!found) return notFound(res, `Shipment ${String(req.params['id'])} was not found.`);
    res.json(shipmentJson(found.shipment));
  });

  r.post('/shipment\\:batchUpdateTrackingUpload', (req, res) => {
    const input = parseBody(req, res, batchTrackingUpload);
    if (!input) return;
    const missing = input.shipment_ids.filter((id) => !store.findShipment(id));
    if (missing.length) return problem(res, 422, { errors: { shipment_ids: [`Shipments not found: ${missing.join(', ')}.`] } });
    for (const id of input.shipment_ids) {
      const { order, shipment } = store.findShipment(id)!;
      shipment.is_tracking_uploaded = input.is_tracking_uploaded;
      ledger.effect('ack', 'shipment', String(id), order.reference_id, requestSeq(res));
    }
    res.json({});
  });
}
