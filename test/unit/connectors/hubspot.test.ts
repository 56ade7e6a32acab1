import { expect } from 'chai';
import { createConnector } from '../../../bridge/connectors/index.js';
import { PermanentError, TransientError } from '../../../bridge/errors/index.js';
import { FakeClock, rejects, request, secret, silentLog, startServer, target, type TestServer } from './helpers.js';

type Input = { id: string; idProperty: string; properties: Record<string, unknown> };

describe('connectors/hubspot', () => {
  let srv: TestServer;
  const objects = new Map<string, { id: string; properties: Record<string, unknown> }>();
  let nextId = 500;
  before(async () => {
    srv = await startServer((app) => {
      app.post('/crm/v3/objects/:type/batch/upsert', (req, res) => {
        const inputs = (req.body as { inputs: Input[] }).inputs;
        const results: unknown[] = [];
        const errors: unknown[] = [];
        for (const i of inputs) {
          if (i.properties.domain === 'bad') {
            errors.push({ status: 'error', category: 'VALIDATION_ERROR', message: `Property values were not valid: domain "bad" for ${i.id}`, context: { ids: [i.id] } });
            continue;
          }
          const key = `${req.params.type}:${i.id}`;
          const existing = objects.get(key);
          const obj = existing ?? { id: String(nextId++), properties: {} };
          obj.properties = { ...obj.properties, ...i.properties, [i.idProperty]: i.id };
          objects.set(key, obj);
          results.push({ id: obj.id, properties: obj.properties, new: !existing });
        }
        if (errors.length) { res.status(207).json({ status: 'COMPLETE', results, numErrors: errors.length, errors }); return; }
        res.json({ status: 'COMPLETE', results });
      });
      app.patch('/crm/v3/objects/deals/:id', (req, res) => {
        const byProp = req.query.idProperty;
        const found = [...objects.entries()].find(([k, o]) => k.startsWith('deals:') && (byProp ? o.properties[String(byProp)] === req.params.id : o.id === req.params.id));
        if (!found) {
          res.status(404).json({ status: 'error', message: 'Object not found.', correlationId: 'c0ffee', category: 'OBJECT_NOT_FOUND' });
          return;
        }
        Object.assign(found[1].properties, (req.body as { properties: object }).properties);
        res.json({ id: found[1].id, properties: found[1].properties });
      });
      app.post('/crm/v3/objects/companies', (_req, res) => {
        res.status(400).json({ status: 'error', message: 'Property values were not valid', correlationId: 'abc-123', category: 'VALIDATION_ERROR', errors: [{ message: 'Property "foo" does not exist', code: 'PROPERTY_DOESNT_EXIST' }] });
      });
    });
  });
  after(() => srv.close());
  beforeEach(() => { srv.requests.length = 0; objects.clear(); nextId = 500; });

  const conn = (options: Record<string, unknown> = {}) => createConnector('crm', target({ preset: 'hubspot', base_url: srv.url, options }), secret);
  const customer = (payload: Record<string, unknown>) => request({ kind: 'customer', eventType: 'upsert', model: 'res.partner', resId: 9, payload });

  it('customer -> companies batch upsert by idProperty (default odoo_id); second run updates', async () => {
    const r1 = await conn().deliver(customer({ properties: { name: 'ACME', domain: 'acme.test' } }), silentLog);
    expect(r1.externalRef).to.equal('500');
    expect(r1.summary).to.contain('created');
    expect(srv.requests[0]!.path).to.equal('/crm/v3/objects/companies/batch/upsert');
    expect(srv.requests[0]!.body).to.deep.equal({ inputs: [{ id: '9', idProperty: 'odoo_id', properties: { name: 'ACME', domain: 'acme.test' } }] });
    const r2 = await conn().deliver(customer({ properties: { name: 'ACME Inc' } }), silentLog);
    expect(r2.externalRef).to.equal('500');
    expect(r2.summary).to.contain('updated');
  });

  it('object_type contacts and nested contacts with links; id_property option', async () => {
    const r = await conn({ id_property: 'odoo_partner_id' }).deliver(customer({
      properties: { name: 'ACME' },
      contacts: [{ res_id: 10, properties: { email: 'a@acme.test' } }, { res_id: 11, properties: { email: 'b@acme.test' } }],
    }), silentLog);
    expect(r.links).to.deep.equal([
      { model: 'res.partner', res_id: 9, external_id: '500' },
      { model: 'res.partner', res_id: 10, external_id: '501' },
      { model: 'res.partner', res_id: 11, external_id: '502' },
    ]);
    expect(srv.requests[1]!.path).to.equal('/crm/v3/objects/contacts/batch/upsert');
    expect((srv.requests[1]!.body as { inputs: Input[] }).inputs[0]!.idProperty).to.equal('odoo_partner_id');
    const person = await conn().deliver(customer({ object_type: 'contacts', properties: { email: 'solo@x.test' } }), silentLog);
    expect(person.summary).to.contain('contacts');
  });

  it('207 partial error is a permanent validation error naming the failing record', async () => {
    const err = (await rejects(() => conn().deliver(customer({ contacts: [{ res_id: 10, properties: { domain: 'bad' } }], properties: { name: 'ok' } }), silentLog))) as unknown as PermanentError;
    expect(err).to.be.instanceOf(PermanentError);
    expect(err.category).to.equal('validation');
    expect(err.message).to.contain('partly failed').and.contain('domain "bad" for 10');
  });

  it('207 on the main record fails too', async () => {
    const err = await rejects(() => conn().deliver(customer({ properties: { domain: 'bad' } }), silentLog));
    expect(err).to.be.instanceOf(PermanentError);
    expect(err.message).to.contain('VALIDATION_ERROR');
  });

  it('product -> products batch upsert', async () => {
    const r = await conn().deliver(request({ kind: 'product', eventType: 'upsert', model: 'product.product', resId: 3, payload: { properties: { name: 'W', hs_sku: 'W1' } } }), silentLog);
    expect(r.externalRef).to.equal('500');
    expect(srv.requests[0]!.path).to.equal('/crm/v3/objects/products/batch/upsert');
  });

  it('order_status: PATCH the deal by idProperty; unknown deal is rejected with HubSpot\'s message', async () => {
    await conn().deliver(request({ kind: 'order', eventType: 'release', resId: 42, payload: { properties: { dealname: 'SO042', dealstage: 'appointmentscheduled' } } }), silentLog);
    srv.requests.length = 0;
    const r = await conn().deliver(request({ kind: 'order_status', eventType: 'status', resId: 42, payload: { properties: { dealstage: 'closedwon' } } }), silentLog);
    expect(r.externalRef).to.equal('500');
    expect(srv.requests[0]!.method).to.equal('PATCH');
    expect(srv.requests[0]!.path).to.equal('/crm/v3/objects/deals/42');
    expect(srv.requests[0]!.query).to.deep.equal({ idProperty: 'odoo_id' });
    const err = (await rejects(() => conn().deliver(request({ kind: 'order_status', eventType: 'status', resId: 99, payload: { properties: { dealstage: 'x' } } }), silentLog))) as unknown as PermanentError;
    expect(err).to.be.instanceOf(PermanentError);
    expect(err.message).to.contain('odoo_id=99');
  });

  it('order_status with a known HubSpot id patches that id', async () => {
    await conn().deliver(request({ kind: 'order', resId: 42, payload: { properties: { dealname: 'SO042' } } }), silentLog);
    srv.requests.length = 0;
    await conn().deliver(request({ kind: 'order_status', eventType: 'status', resId: 42, externalRef: '500', payload: { properties: { dealstage: 'closedwon' } } }), silentLog);
    expect(srv.requests[0]!.path).to.equal('/crm/v3/objects/deals/500');
    expect(srv.requests[0]!.query).to.deep.equal({});
  });

  it('error body {status, message, correlationId, category, errors[]} becomes the message', async () => {
    const c = createConnector('crm', target({ preset: 'hubspot', base_url: srv.url }), secret) as unknown as { http: { request: (o: object) => Promise<unknown> } };
    const err = (await rejects(() => c.http.request({ method: 'POST', path: '/crm/v3/objects/companies', body: {}, correlationId: 'x' }))) as unknown as PermanentError;
    expect(err.category).to.equal('validation');
    expect(err.message).to.contain('Property values were not valid').and.contain('Property "foo" does not exist').and.contain('abc-123');
  });

  it('a 429 from HubSpot is transient', async () => {
    const lim = await startServer((app) => { app.post('/crm/v3/objects/:t/batch/upsert', (_q, r) => { r.status(429).json({ status: 'error', message: 'You have reached your ten_secondly_rolling limit.', category: 'RATE_LIMITS' }); }); });
    try {
      const err = (await rejects(() => createConnector('crm', target({ preset: 'hubspot', base_url: lim.url }), secret).deliver(customer({ properties: {} }), silentLog))) as unknown as TransientError;
      expect(err).to.be.instanceOf(TransientError);
      expect(err.message).to.contain('ten_secondly_rolling');
      expect(err.retryAfterMs).to.equal(1000);
    } finally {
      await lim.close();
    }
  });

  it('owners: follows paging.next.after to find the email, caches it for the TTL, looks it up again after', async () => {
    const owners = Array.from({ length: 3 }, (_, i) => ({ id: String(700 + i), email: `rep${i}@acme.test`, archived: false }));
    let calls = 0;
    const own = await startServer((app) => {
      // A server that ignores the email filter and pages two by two: the connector must still find the owner.
      app.get('/crm/v3/owners', (req, res) => {
        calls++;
        const from = Number(req.query.after ?? 0);
        const page = owners.slice(from, from + 2);
        res.json({ results: page, ...(from + 2 < owners.length ? { paging: { next: { after: String(from + 2) } } } : {}) });
      });
      app.post('/crm/v3/objects/:type/batch/upsert', (req, res) => {
        const i = (req.body as { inputs: Input[] }).inputs[0]!;
        res.json({ status: 'COMPLETE', results: [{ id: '1', properties: { ...i.properties, [i.idProperty]: i.id }, new: true }] });
      });
    });
    try {
      const clock = new FakeClock();
      const c = createConnector('crm', target({ preset: 'hubspot', base_url: own.url, options: { owner_cache_ttl_seconds: 60 } }), secret, { now: clock.now, sleep: clock.sleep });
      const deliverWith = (email: string) => c.deliver(customer({ owner: { email }, properties: { name: 'ACME' } }), silentLog);
      await deliverWith('REP2@acme.test');
      expect(calls, 'two pages').to.equal(2);
      const upsert = own.requests.find((r) => r.path.endsWith('/batch/upsert'))!;
      expect((upsert.body as { inputs: Input[] }).inputs[0]!.properties.hubspot_owner_id).to.equal('702');
      await deliverWith('rep2@acme.test');
      expect(calls, 'cached').to.equal(2);
      clock.advance(61_000);
      await deliverWith('rep2@acme.test');
      expect(calls, 'looked up again after the TTL').to.equal(4);
      const err = await rejects(() => deliverWith('gone@acme.test'));
      expect(err).to.be.instanceOf(PermanentError);
      expect(err.message).to.contain('gone@acme.test');
    } finally {
      await own.close();
    }
  });
});
