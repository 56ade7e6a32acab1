import { expect } from 'chai';
import { createConnector } from '../../../bridge/connectors/index.js';
import { ConfigError, PermanentError } from '../../../bridge/errors/index.js';
import { readGenericOptions } from '../../../bridge/connectors/generic-wms/options.js';
import { rejects, request, secret, silentLog, startServer, target, SECRETS, type TestServer } from './helpers.js';

describe('connectors/generic_wms', () => {
  let srv: TestServer;
  const store = new Map<string, Record<string, unknown>>();
  before(async () => {
    srv = await startServer((app) => {
      app.put('/orders/:ref', (req, res) => {
        if (req.params.ref === 'DUP') { res.status(409).json({ error: { code: 'duplicate', message: 'already received' } }); return; }
        const existed = store.has(req.params.ref);
        store.set(req.params.ref, { id: `W-${req.params.ref}`, ...(req.body as object) });
        res.status(existed ? 200 : 201).json({ data: { id: `W-${req.params.ref}` } });
      });
      app.get('/orders/:ref', (req, res) => { res.json({ data: { id: `W-${req.params.ref}` } }); });
      app.post('/orders/:ref/cancel', (req, res) => {
        if (req.params.ref === 'GONE') { res.status(404).json({ error: { code: 'not_found', message: 'no such order' } }); return; }
        if (req.params.ref === 'LOCKED') { res.status(422).json({ error: { code: 'state', message: 'order is packed' } }); return; }
        res.json({ ok: true });
      });
      app.post('/v2/shipments', (req, res) => { res.status(202).json({ shipment: { key: 'S-1' }, echo: req.body }); });
      app.put('/customers/:ref', (req, res) => { res.json({ data: { id: `C-${req.params.ref}` } }); });
    });
  });
  after(() => srv.close());
  beforeEach(() => { srv.requests.length = 0; store.clear(); });

  const conn = (options: Record<string, unknown> = {}) =>
    createConnector('wms2', target({ preset: 'generic_wms', base_url: srv.url, auth: { type: 'api_key', header: 'X-Api-Key', key: { env: 'API_KEY' } }, options: { id_field: 'data.id', ...options } }), secret);

  it('release: PUT /orders/{reference} with the payload, id from id_field', async () => {
    const r = await conn().deliver(request({ kind: 'order', payload: { reference: 'SO1', lines: [] } }), silentLog);
    expect(r.externalRef).to.equal('W-SO1');
    expect(r.summary).to.contain('created');
    expect(srv.requests[0]!.headers['x-api-key']).to.equal(SECRETS.API_KEY);
    // The key fills {reference} in the URL; it is not repeated in the body.
    expect(srv.requests[0]!.body).to.deep.equal({ lines: [] });
  });

  it('without an id in the answer, the natural key that addressed the record is its external id', async () => {
    const r = await conn({ id_field: 'no.such.field' }).deliver(request({ kind: 'order', payload: { reference: 'SO7', lines: [] } }), silentLog);
    expect(r.externalRef).to.equal('SO7');
  });

  it('a duplicate status (409) fetches the record and counts as done', async () => {
    const r = await conn().deliver(request({ kind: 'order', payload: { reference: 'DUP' } }), silentLog);
    expect(r).to.include({ externalRef: 'W-DUP', deduplicated: true });
    expect(srv.count('GET', '/orders/DUP')).to.equal(1);
  });

  it('cancel: POST /orders/{reference}/cancel; 404 means nothing to cancel; 422 is permanent with the vendor message', async () => {
    const ok = await conn().deliver(request({ kind: 'order_cancel', eventType: 'cancel', payload: { reference: 'SO1' } }), silentLog);
    expect(ok.summary).to.contain('cancelled');
    const gone = await conn().deliver(request({ kind: 'order_cancel', eventType: 'cancel', payload: { reference: 'GONE' } }), silentLog);
    expect(gone.summary).to.contain('nothing to cancel');
    const err = (await rejects(() => conn().deliver(request({ kind: 'order_cancel', eventType: 'cancel', payload: { reference: 'LOCKED' } }), silentLog))) as unknown as PermanentError;
    expect(err.category).to.equal('validation');
    expect(err.message).to.contain('order is packed');
  });

  it('paths, methods and id field come from options', async () => {
    const c = conn({ item_path: '/v2/shipments', item_method: 'post', id_field: 'shipment.key' });
    const r = await c.deliver(request({ kind: 'product', eventType: 'upsert', payload: { sku: 'X' } }), silentLog);
    expect(r.externalRef).to.equal('S-1');
    expect(srv.requests[0]!.method).to.equal('POST');
  });

  it('customer: PUT /customers/{ref}, ref defaults to the Odoo id', async () => {
    const r = await conn().deliver(request({ kind: 'customer', eventType: 'upsert', model: 'res.partner', resId: 7, payload: { name: 'ACME' } }), silentLog);
    expect(r.externalRef).to.equal('C-7');
  });

  it('a missing placeholder value is a mapping error; a bad option is a ConfigError', async () => {
    const err = (await rejects(() => conn().deliver(request({ kind: 'product', eventType: 'upsert', payload: { name: 'no sku' } }), silentLog))) as unknown as PermanentError;
    expect(err.category).to.equal('mapping');
    expect(() => conn({ order_method: 'FETCH' })).to.throw(ConfigError);
    expect(() => conn({ duplicate_statuses: ['x'] })).to.throw(ConfigError);
    expect(() => conn({ events_path: 'events' })).to.throw(ConfigError, /targets\.wms2\.options\.events_path: a path such as \/events, or null/);
    expect(readGenericOptions('w', {}).eventsPath, 'the event feed is off unless set').to.equal(undefined);
    expect(readGenericOptions('w', { events_path: null }).eventsPath).to.equal(undefined);
    expect(readGenericOptions('w', { events_path: '/v2/events' }).eventsPath).to.equal('/v2/events');
  });

  it('order_status without status_path is unsupported', async () => {
    const err = (await rejects(() => conn().deliver(request({ kind: 'order_status', eventType: 'status', payload: { reference: 'A' } }), silentLog))) as unknown as PermanentError;
    expect(err.category).to.equal('mapping');
  });
});
