import { expect } from 'chai';
import { createConnector } from '../../../bridge/connectors/index.js';
import { PermanentError, TransientError } from '../../../bridge/errors/index.js';
import { FakeClock, noSecretIn, rejects, request, secret, silentLog, startServer, target, SECRETS, type TestServer } from './helpers.js';

describe('connectors/salesforce', () => {
  let srv: TestServer;
  const accounts = new Map<string, { Id: string; fields: Record<string, unknown> }>();
  let nextId = 1;
  let session = '';
  let tokens = 0;
  let limitExceeded = false;
  let legacy204 = false;
  before(async () => {
    srv = await startServer((app) => {
      app.post('/services/oauth2/token', (req, res) => {
        const b = req.body as Record<string, string>;
        if (b.grant_type !== 'client_credentials' || b.client_secret !== SECRETS.CLIENT_SECRET) { res.status(400).json({ error: 'invalid_client', error_description: 'invalid client credentials' }); return; }
        tokens++;
        session = `00Dsession${tokens}`;
        res.json({ access_token: session, instance_url: srv.url, token_type: 'Bearer', issued_at: String(Date.now()) });
      });
      app.use('/services/data', (req, res, next) => {
        if (req.headers.authorization !== `Bearer ${session}`) { res.status(401).json([{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }]); return; }
        if (limitExceeded) { res.status(403).json([{ message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }]); return; }
        next();
      });
      app.patch('/services/data/v61.0/sobjects/Account/Odoo_Id__c/:value', (req, res) => {
        const body = req.body as Record<string, unknown>;
        if ('Odoo_Id__c' in body) { res.status(400).json([{ message: 'external id in body', errorCode: 'INVALID_FIELD', fields: ['Odoo_Id__c'] }]); return; }
        if (body.Name === '') { res.status(400).json([{ message: 'Required fields are missing: [Name]', errorCode: 'REQUIRED_FIELD_MISSING', fields: ['Name'] }]); return; }
        const existing = accounts.get(req.params.value);
        if (existing) {
          Object.assign(existing.fields, body);
          if (legacy204) { res.status(204).end(); return; }
          res.status(200).json({ id: existing.Id, success: true, errors: [], created: false });
          return;
        }
        const rec = { Id: `001${String(nextId++).padStart(3, '0')}`, fields: body };
        accounts.set(req.params.value, rec);
        res.status(201).json({ id: rec.Id, success: true, errors: [], created: true });
      });
      app.get('/services/data/v61.0/sobjects/Account/Odoo_Id__c/:value', (req, res) => {
        const rec = accounts.get(req.params.value);
        if (!rec) { res.status(404).json([{ message: 'not found', errorCode: 'NOT_FOUND' }]); return; }
        res.json({ attributes: { type: 'Account' }, Id: rec.Id });
      });
      app.patch('/services/data/v61.0/composite/sobjects/Product2/Odoo_Id__c', (req, res) => {
        const { records } = req.body as { records: Array<Record<string, unknown>> };
        res.json(records.map((r, i) => (r.Name === 'bad'
          ? { success: false, errors: [{ statusCode: 'STRING_TOO_LONG', message: 'Name: data value too large', fields: ['Name'] }] }
          : { id: `01t00${i}`, success: true, errors: [], created: i % 2 === 0 })));
      });
    });
  });
  after(() => srv.close());
  beforeEach(() => { srv.requests.length = 0; accounts.clear(); nextId = 1; session = ''; tokens = 0; limitExceeded = false; legacy204 = false; });

  const clock = new FakeClock();
  const conn = () => createConnector('sf', target({
    preset: 'salesforce', base_url: srv.url,
    auth: { type: 'oauth2_client_credentials', token_url: `${srv.url}/services/oauth2/token`, client_id: 'bridge', client_secret: { env: 'CLIENT_SECRET' } },
  }), secret, { now: clock.now });
  const account = (payload: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
    request({ kind: 'customer', eventType: 'upsert', model: 'res.partner', resId: 9, payload, ...extra });

  it('upsert by external id: 201 created, then 200 updated (same Id)', async () => {
    const c = conn();
    const r1 = await c.deliver(account({ Name: 'ACME', Odoo_Id__c: '9' }), silentLog);
    expect(r1.externalRef).to.equal('001001');
    expect(r1.summary).to.contain('created').and.contain('HTTP 201');
    expect(srv.requests[1]!.path).to.equal('/services/data/v61.0/sobjects/Account/Odoo_Id__c/9');
    expect(srv.requests[1]!.body).to.deep.equal({ Name: 'ACME' });
    const r2 = await c.deliver(account({ Name: 'ACME 2' }), silentLog);
    expect(r2.externalRef).to.equal('001001');
    expect(r2.summary).to.contain('updated');
    expect(tokens).to.equal(1);
  });

  it('fields_to_null: the named fields go out as JSON null (clears them), a field with a value keeps it; the key itself is not sent', async () => {
    const c = conn();
    await c.deliver(account({ Name: 'ACME', Odoo_Id__c: '9', Description: 'kept', fields_to_null: ['Website', 'Description'] }), silentLog);
    expect(srv.requests[1]!.body).to.deep.equal({ Name: 'ACME', Description: 'kept', Website: null });
    await c.deliver(account({ Odoo_Id__c: '9', fields: { Name: 'ACME' }, fields_to_null: ['Website'] }), silentLog);
    expect(srv.requests.at(-1)!.body).to.deep.equal({ Name: 'ACME', Website: null });
  });

  it('fields_to_null that is not a list of API names is a mapping error (nothing sent)', async () => {
    for (const bad of ['Website', ['Web site'], [1]]) {
      const err = await rejects(() => conn().deliver(account({ Name: 'ACME', Odoo_Id__c: '9', fields_to_null: bad }), silentLog));
      expect(err).to.be.instanceOf(PermanentError);
      expect(err.category).to.equal('mapping');
    }
    expect(srv.requests.filter((r) => r.path.includes('/sobjects/'))).to.deep.equal([]);
  });

  it('204 updated without body: Id is read back when sync.link does not know it', async () => {
    const c = conn();
    await c.deliver(account({ Name: 'ACME' }), silentLog);
    legacy204 = true;
    srv.requests.length = 0;
    const r = await c.deliver(account({ Name: 'ACME 3' }), silentLog);
    expect(r.externalRef).to.equal('001001');
    expect(r.summary).to.contain('HTTP 204');
    expect(srv.requests.map((q) => q.method)).to.deep.equal(['PATCH', 'GET']);
    srv.requests.length = 0;
    const r2 = await c.deliver(account({ Name: 'ACME 4' }, { externalRef: '001001' }), silentLog);
    expect(r2.externalRef).to.equal('001001');
    expect(srv.requests.map((q) => q.method)).to.deep.equal(['PATCH']);
  });

  it('INVALID_SESSION_ID: new token, request retried once', async () => {
    const c = conn();
    await c.deliver(account({ Name: 'A' }), silentLog);
    session = 'expired-elsewhere';
    const r = await c.deliver(account({ Name: 'B' }), silentLog);
    expect(r.externalRef).to.equal('001001');
    expect(tokens).to.equal(2);
  });

  it('token refreshed on expiry (no expires_in: default one hour)', async () => {
    const c = conn();
    await c.deliver(account({ Name: 'A' }), silentLog);
    clock.advance(3_600_000);
    await c.deliver(account({ Name: 'B' }), silentLog);
    expect(tokens).to.equal(2);
    expect(srv.count('PATCH', /Account/)).to.equal(2); // refreshed before use: no 401 round trip
  });

  it('REQUEST_LIMIT_EXCEEDED is transient with a long retry and pauses the target', async () => {
    const c = conn();
    limitExceeded = true;
    const err = (await rejects(() => c.deliver(account({ Name: 'A' }), silentLog))) as unknown as TransientError;
    expect(err).to.be.instanceOf(TransientError);
    expect(err.retryAfterMs).to.equal(3_600_000);
    expect(err.message).to.contain('TotalRequests Limit exceeded');
    const before = srv.requests.length;
    const again = (await rejects(() => c.deliver(account({ Name: 'A' }), silentLog))) as unknown as TransientError;
    expect(again).to.be.instanceOf(TransientError);
    expect(srv.requests.length).to.equal(before);
  });

  it('field errors are permanent validation errors with Salesforce\'s message and no secret', async () => {
    const err = (await rejects(() => conn().deliver(account({ Name: '' }), silentLog))) as unknown as PermanentError;
    expect(err).to.be.instanceOf(PermanentError);
    expect(err.category).to.equal('validation');
    expect(err.message).to.contain('REQUIRED_FIELD_MISSING').and.contain('Required fields are missing: [Name] [Name]');
    expect(noSecretIn(err.message)).to.equal(true);
  });

  it('collections: PATCH /composite/sobjects/<SObject>/<ExternalIdField>; per-record errors fail the event', async () => {
    const c = conn();
    const r = await c.deliver(request({ kind: 'product', eventType: 'upsert', payload: { records: [
      { fields: { Name: 'P1', Odoo_Id__c: 'p1' }, res_id: 1, model: 'product.product' },
      { fields: { Name: 'P2', Odoo_Id__c: 'p2' }, res_id: 2, model: 'product.product' },
    ] } }), silentLog);
    expect(r.summary).to.contain('1 created, 1 updated');
    expect(r.links).to.deep.equal([{ model: 'product.product', res_id: 1, external_id: '01t000' }, { model: 'product.product', res_id: 2, external_id: '01t001' }]);
    const sent = srv.requests.at(-1)!;
    expect(sent.path).to.equal('/services/data/v61.0/composite/sobjects/Product2/Odoo_Id__c');
    expect(sent.body).to.deep.equal({ allOrNone: false, records: [
      { attributes: { type: 'Product2' }, Name: 'P1', Odoo_Id__c: 'p1' },
      { attributes: { type: 'Product2' }, Name: 'P2', Odoo_Id__c: 'p2' },
    ] });
    const err = (await rejects(() => c.deliver(request({ kind: 'product', payload: { records: [{ Name: 'bad', Odoo_Id__c: 'x' }] } }), silentLog))) as unknown as PermanentError;
    expect(err.category).to.equal('validation');
    expect(err.message).to.contain('Odoo_Id__c=x: STRING_TOO_LONG Name: data value too large');
  });
});
