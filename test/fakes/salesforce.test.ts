import { createSign, generateKeyPairSync } from 'node:crypto';
import { expect } from 'chai';
import { startFake, type SalesforceFake } from './start.js';
import { call } from './test-helpers.js';

const V = '/services/data/v61.0';

function jwt(privateKey: string, claims: Record<string, unknown>): string {
  const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const head = `${enc({ alg: 'RS256' })}.${enc(claims)}`;
  const sig = createSign('RSA-SHA256').update(head).sign(privateKey).toString('base64url');
  return `${head}.${sig}`;
}

describe('fakes/salesforce (REST v61.0)', () => {
  let fake: SalesforceFake;
  let token: string;
  let u: (p: string) => string;
  let h: () => Record<string, string>;
  const form = (o: Record<string, string>) => ({
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    raw: new URLSearchParams(o).toString(),
  });

  beforeEach(async () => {
    fake = await startFake('salesforce', { tokenTtlMs: 60_000 });
    u = (p) => `${fake.url}${V}${p}`;
    token = await fake.token();
    h = () => ({ authorization: `Bearer ${token}` });
  });
  afterEach(async () => {
    await fake.close();
  });

  describe('OAuth 2.0', () => {
    it('issues tokens with client credentials and refuses bad clients and grants', async () => {
      const ok = await call(`${fake.url}/services/oauth2/token`, form({ grant_type: 'client_credentials', client_id: fake.clientId, client_secret: fake.clientSecret }));
      expect(ok.status).to.equal(200);
      expect(ok.json).to.include({ token_type: 'Bearer', instance_url: fake.url });
      expect(ok.json.access_token).to.be.a('string');
      const bad = await call(`${fake.url}/services/oauth2/token`, form({ grant_type: 'client_credentials', client_id: fake.clientId, client_secret: 'nope' }));
      expect(bad.status).to.equal(400);
      expect(bad.json).to.deep.equal({ error: 'invalid_client', error_description: 'invalid client credentials' });
      const grant = await call(`${fake.url}/services/oauth2/token`, form({ grant_type: 'password' }));
      expect(grant.json.error).to.equal('unsupported_grant_type');
    });

    it('accepts the JWT bearer grant and verifies the signature when a certificate is configured', async () => {
      const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
      const other = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
      await fake.close();
      fake = await startFake('salesforce', { jwtPublicKey: publicKey });
      const claims = { iss: fake.clientId, sub: 'bridge@example.com', aud: 'https://login.salesforce.com', exp: Math.floor(Date.now() / 1000) + 180 };
      const grant = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
      const ok = await call(`${fake.url}/services/oauth2/token`, form({ grant_type: grant, assertion: jwt(privateKey, claims) }));
      expect(ok.status).to.equal(200);
      expect(ok.json.access_token).to.be.a('string');
      const forged = await call(`${fake.url}/services/oauth2/token`, form({ grant_type: grant, assertion: jwt(other.privateKey, claims) }));
      expect(forged.json).to.deep.equal({ error: 'invalid_grant', error_description: 'invalid assertion' });
      const expired = await call(`${fake.url}/services/oauth2/token`, form({ grant_type: grant, assertion: jwt(privateKey, { ...claims, exp: 1 }) }));
      expect(expired.json.error).to.equal('invalid_grant');
      const wrongIss = await call(`${fake.url}/services/oauth2/token`, form({ grant_type: grant, assertion: jwt(privateKey, { ...claims, iss: 'x' }) }));
      expect(wrongIss.json.error).to.equal('invalid_client_id');
    });

    it('answers 401 INVALID_SESSION_ID without a token and once the token expired', async () => {
      const none = await call(u('/sobjects/Account/001000000000000AAA'));
      expect(none.status).to.equal(401);
      expect(none.json).to.deep.equal([{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }]);
      expect((await call(u('/query?q=SELECT+Id+FROM+Account'), { headers: h() })).status).to.equal(200);
      fake.clock.advance(60_001);
      const exp = await call(u('/query?q=SELECT+Id+FROM+Account'), { headers: h() });
      expect(exp.status).to.equal(401);
      expect(exp.json[0].errorCode).to.equal('INVALID_SESSION_ID');
      token = await fake.token();
      expect((await call(u('/query?q=SELECT+Id+FROM+Account'), { headers: h() })).status).to.equal(200);
      fake.expireTokens();
      expect((await call(u('/query?q=SELECT+Id+FROM+Account'), { headers: h() })).status).to.equal(401);
    });
  });

  describe('upsert by external id', () => {
    it('creates (201) then updates (200, created:false); the ledger counts one create', async () => {
      const a = await call(u('/sobjects/Account/Odoo_Id__c/res.partner-7'), { method: 'PATCH', headers: h(), body: { Name: 'Acme', BillingCity: 'Paris' } });
      expect(a.status).to.equal(201);
      expect(a.json).to.deep.include({ success: true, errors: [], created: true });
      expect(a.json.id).to.match(/^001[a-zA-Z0-9]{15}$/);
      const b = await call(u('/sobjects/Account/Odoo_Id__c/res.partner-7'), { method: 'PATCH', headers: h(), body: { Name: 'Acme SA' } });
      expect(b.status).to.equal(200);
      expect(b.json).to.deep.equal({ id: a.json.id, success: true, errors: [], created: false });
      expect(fake.ledger.createsFor('res.partner-7', 'Account')).to.equal(1);
      expect(fake.ledger.updatesFor('res.partner-7', 'Account')).to.equal(1);
      const read = await call(u(`/sobjects/Account/${a.json.id}`), { headers: h() });
      expect(read.json).to.include({ Name: 'Acme SA', BillingCity: 'Paris', Odoo_Id__c: 'res.partner-7' });
      expect(read.json.attributes).to.deep.equal({ type: 'Account', url: `${V}/sobjects/Account/${a.json.id}` });
    });

    it('answers 204 for updates when configured', async () => {
      await fake.close();
      fake = await startFake('salesforce', { upsertUpdateStatus: 204 });
      token = await fake.token();
      await call(u('/sobjects/Account/Odoo_Id__c/x'), { method: 'PATCH', headers: h(), body: { Name: 'A' } });
      expect((await call(u('/sobjects/Account/Odoo_Id__c/x'), { method: 'PATCH', headers: h(), body: { Name: 'B' } })).status).to.equal(204);
    });

    it('rejects unknown fields, missing required fields, bad types, read-only fields and non-external-id fields', async () => {
      const unknown = await call(u('/sobjects/Account/Odoo_Id__c/a1'), { method: 'PATCH', headers: h(), body: { Name: 'A', Colour__c: 'red' } });
      expect(unknown.status).to.equal(400);
      expect(unknown.json).to.deep.equal([{ message: "No such column 'Colour__c' on sobject of type Account", errorCode: 'INVALID_FIELD', fields: [] }]);
      const missing = await call(u('/sobjects/Account/Odoo_Id__c/a2'), { method: 'PATCH', headers: h(), body: { BillingCity: 'X' } });
      expect(missing.json).to.deep.equal([{ message: 'Required fields are missing: [Name]', errorCode: 'REQUIRED_FIELD_MISSING', fields: ['Name'] }]);
      const type = await call(u('/sobjects/Opportunity/Odoo_Id__c/o1'), { method: 'PATCH', headers: h(), body: { Name: 'O', StageName: 'Prospecting', CloseDate: '2026-12-01', Amount: 'lots' } });
      expect(type.json[0].errorCode).to.equal('JSON_PARSER_ERROR');
      const stage = await call(u('/sobjects/Opportunity/Odoo_Id__c/o1'), { method: 'PATCH', headers: h(), body: { Name: 'O', StageName: 'Won!', CloseDate: '2026-12-01' } });
      expect(stage.json[0].errorCode).to.equal('INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST');
      const ro = await call(u('/sobjects/Opportunity/Odoo_Id__c/o1'), { method: 'PATCH', headers: h(), body: { Name: 'O', StageName: 'Prospecting', CloseDate: '2026-12-01', IsWon: true } });
      expect(ro.json[0]).to.deep.include({ errorCode: 'INVALID_FIELD_FOR_INSERT_UPDATE', fields: ['IsWon'] });
      const notExt = await call(u('/sobjects/Account/Name/Acme'), { method: 'PATCH', headers: h(), body: { Name: 'Acme' } });
      expect(notExt.status).to.equal(404);
      expect(notExt.json[0].errorCode).to.equal('NOT_FOUND');
      const json = await call(u('/sobjects/Account/Odoo_Id__c/a3'), { method: 'PATCH', headers: { ...h(), 'content-type': 'application/json' }, raw: '{"Name":' });
      expect(json.json[0].errorCode).to.equal('JSON_PARSER_ERROR');
      expect(fake.store.all('Account')).to.have.length(0);
    });

    it('resolves a parent by external id in the body', async () => {
      await call(u('/sobjects/Account/Odoo_Id__c/p1'), { method: 'PATCH', headers: h(), body: { Name: 'Parent' } });
      const c = await call(u('/sobjects/Contact/Odoo_Id__c/c1'), { method: 'PATCH', headers: h(), body: { LastName: 'Doe', Email: 'd@example.com', Account: { Odoo_Id__c: 'p1' } } });
      expect(c.status).to.equal(201);
      const q = await call(u(`/query?q=${encodeURIComponent("SELECT Id, Name, Account.Odoo_Id__c FROM Contact WHERE Odoo_Id__c = 'c1'")}`), { headers: h() });
      expect(q.json.records[0].Account.Odoo_Id__c).to.equal('p1');
      const missing = await call(u('/sobjects/Contact/Odoo_Id__c/c2'), { method: 'PATCH', headers: h(), body: { LastName: 'X', Account: { Odoo_Id__c: 'nope' } } });
      expect(missing.json[0].message).to.equal('Foreign key external ID: nope not found for field Odoo_Id__c in entity Account');
    });
  });

  describe('sObject Collections upsert', () => {
    const coll = (records: unknown[], allOrNone?: boolean) =>
      call(u('/composite/sobjects/Product2/Odoo_Id__c'), { method: 'PATCH', headers: h(), body: { ...(allOrNone === undefined ? {} : { allOrNone }), records } });

    it('upserts up to 200 records with per-record results', async () => {
      const recs = [1, 2, 3].map((i) => ({ attributes: { type: 'Product2' }, Odoo_Id__c: `pp${i}`, Name: `P${i}`, ProductCode: `SKU-${i}` }));
      const a = await coll(recs);
      expect(a.status).to.equal(200);
      expect(a.json.map((r: { created: boolean; success: boolean }) => [r.success, r.created])).to.deep.equal([[true, true], [true, true], [true, true]]);
      const b = await coll(recs);
      expect(b.json.map((r: { created: boolean }) => r.created)).to.deep.equal([false, false, false]);
      expect(fake.ledger.createsFor('pp1', 'Product2')).to.equal(1);
      const tooMany = await coll(Array.from({ length: 201 }, (_, i) => ({ attributes: { type: 'Product2' }, Odoo_Id__c: `x${i}`, Name: 'x' })));
      expect(tooMany.status).to.equal(400);
      expect(tooMany.json[0].errorCode).to.equal('EXCEEDED_ID_LIMIT');
    });

    it('reports per-record errors with statusCode, and allOrNone rolls everything back', async () => {
      const recs = [
        { attributes: { type: 'Product2' }, Odoo_Id__c: 'ok1', Name: 'Fine' },
        { attributes: { type: 'Product2' }, Odoo_Id__c: 'bad1' },
      ];
      const partial = await coll(recs, false);
      expect(partial.json[0]).to.deep.include({ success: true, created: true });
      expect(partial.json[1]).to.deep.equal({ success: false, errors: [{ statusCode: 'REQUIRED_FIELD_MISSING', message: 'Required fields are missing: [Name]', fields: ['Name'] }] });
      const all = await coll([{ ...recs[0], Odoo_Id__c: 'ok2' }, recs[1]], true);
      expect(all.json[0].errors[0].statusCode).to.equal('ALL_OR_NONE_OPERATION_ROLLED_BACK');
      expect(fake.store.findBy('Product2', 'Odoo_Id__c', 'ok2')).to.have.length(0);
      const noType = await coll([{ Odoo_Id__c: 'z', Name: 'z' }]);
      expect(noType.json[0].errors[0].statusCode).to.equal('INVALID_TYPE');
    });
  });

  describe('opportunities, line items, SOQL and getUpdated', () => {
    it('reads a won opportunity with its line items (PricebookEntryId) through SOQL and /updated', async () => {
      const start = new Date(Date.now() - 60_000).toISOString();
      await call(u('/sobjects/Account/Odoo_Id__c/acc-1'), { method: 'PATCH', headers: h(), body: { Name: 'Buyer' } });
      const res = await call(`${fake.url}/__control/opportunities`, {
        method: 'POST',
        body: { name: 'Big one', accountOdooId: 'acc-1', lineItems: [{ productCode: 'W-1', quantity: 2, unitPrice: 15 }, { productCode: 'W-2', quantity: 1, unitPrice: 5 }], win: true },
      });
      expect(res.status).to.equal(200);
      const oppId = res.json.opportunity.Id;
      const end = new Date(Date.now() + 60_000).toISOString();
      const upd = await call(u(`/sobjects/Opportunity/updated/?start=${encodeURIComponent(start)}&end=${encodeURIComponent(end)}`), { headers: h() });
      expect(upd.status).to.equal(200);
      expect(upd.json.ids).to.deep.equal([oppId]);
      expect(upd.json.latestDateCovered).to.be.a('string');
      const opp = await call(u(`/sobjects/Opportunity/${oppId}`), { headers: h() });
      expect(opp.json).to.include({ StageName: 'Closed Won', IsWon: true, Amount: 35 });
      const soql = `SELECT Id, Quantity, UnitPrice, PricebookEntryId, Product2.ProductCode FROM OpportunityLineItem WHERE OpportunityId = '${oppId}' ORDER BY Product2.ProductCode`;
      const q = await call(u(`/query?q=${encodeURIComponent(soql)}`), { headers: h() });
      expect(q.json.totalSize).to.equal(2);
      expect(q.json.records.map((r: { Product2: { ProductCode: string }; Quantity: number }) => [r.Product2.ProductCode, r.Quantity])).to.deep.equal([['W-1', 2], ['W-2', 1]]);
      expect(q.json.records[0].PricebookEntryId).to.match(/^01u/);
      const missing = await call(u('/sobjects/Opportunity/updated/?start=2026-01-01'), { headers: h() });
      expect(missing.json[0].errorCode).to.equal('MISSING_ARGUMENT');
      const badRange = await call(u(`/sobjects/Opportunity/updated/?start=${encodeURIComponent(end)}&end=${encodeURIComponent(start)}`), { headers: h() });
      expect(badRange.json[0].errorCode).to.equal('INVALID_REPLICATION_DATE');
    });

    it('requires PricebookEntryId on OpportunityLineItem', async () => {
      const o = await call(u('/sobjects/Opportunity/Odoo_Id__c/so-1'), { method: 'PATCH', headers: h(), body: { Name: 'O', StageName: 'Prospecting', CloseDate: '2026-12-01' } });
      const li = await call(u('/sobjects/OpportunityLineItem'), { method: 'POST', headers: h(), body: { OpportunityId: o.json.id, Quantity: 1, UnitPrice: 3 } });
      expect(li.status).to.equal(400);
      expect(li.json[0]).to.deep.include({ errorCode: 'REQUIRED_FIELD_MISSING', fields: ['PricebookEntryId'] });
    });

    it('walks query batches with nextRecordsUrl', async () => {
      await fake.close();
      fake = await startFake('salesforce', { queryBatchSize: 3 });
      token = await fake.token();
      for (let i = 0; i < 8; i++) await call(u(`/sobjects/Account/Odoo_Id__c/a${i}`), { method: 'PATCH', headers: h(), body: { Name: `A${i}` } });
      const names: string[] = [];
      let r = await call(u(`/query?q=${encodeURIComponent('SELECT Name FROM Account ORDER BY Name')}`), { headers: h() });
      let batches = 1;
      names.push(...r.json.records.map((x: { Name: string }) => x.Name));
      while (!r.json.done) {
        r = await call(`${fake.url}${r.json.nextRecordsUrl}`, { headers: h() });
        names.push(...r.json.records.map((x: { Name: string }) => x.Name));
        batches += 1;
      }
      expect(batches).to.equal(3);
      expect(r.json.totalSize).to.equal(8);
      expect(names).to.deep.equal(['A0', 'A1', 'A2', 'A3', 'A4', 'A5', 'A6', 'A7']);
      expect((await call(u('/query/01gdeadbeef0000-3'), { headers: h() })).json[0].errorCode).to.equal('INVALID_QUERY_LOCATOR');
    });

    it('supports IN, AND/OR with parentheses and LIMIT; rejects what it does not parse', async () => {
      for (const [k, n] of [['a', 'Alpha'], ['b', 'Beta'], ['c', 'Gamma']]) await call(u(`/sobjects/Account/Odoo_Id__c/${k}`), { method: 'PATCH', headers: h(), body: { Name: n, BillingCity: k === 'c' ? 'Rome' : 'Paris' } });
      const q = (s: string) => call(u(`/query?q=${encodeURIComponent(s)}`), { headers: h() });
      expect((await q("SELECT Odoo_Id__c FROM Account WHERE Odoo_Id__c IN ('a','c') ORDER BY Odoo_Id__c")).json.records.map((r: { Odoo_Id__c: string }) => r.Odoo_Id__c)).to.deep.equal(['a', 'c']);
      expect((await q("SELECT Id FROM Account WHERE (BillingCity = 'Paris' AND Name LIKE 'B%') OR Name = 'Gamma'")).json.totalSize).to.equal(2);
      expect((await q('SELECT Id FROM Account LIMIT 1')).json.records).to.have.length(1);
      const mixed = await q("SELECT Id FROM Account WHERE Name = 'a' AND Name = 'b' OR Name = 'c'");
      expect(mixed.status).to.equal(400);
      expect(mixed.json[0].errorCode).to.equal('MALFORMED_QUERY');
      expect((await q('SELECT COUNT() FROM Account')).json[0].errorCode).to.equal('MALFORMED_QUERY');
      expect((await q('SELECT Id FROM Widget__c')).json[0].errorCode).to.equal('INVALID_TYPE');
      expect((await q('SELECT Colour__c FROM Account')).json[0].errorCode).to.equal('INVALID_FIELD');
    });
  });

  describe('limits', () => {
    it('reports Sforce-Limit-Info and answers 403 REQUEST_LIMIT_EXCEEDED once the allocation is used up', async () => {
      await fake.close();
      fake = await startFake('salesforce', { dailyLimit: 2 });
      token = await fake.token();
      const a = await call(u('/query?q=SELECT+Id+FROM+Account'), { headers: h() });
      expect(a.headers.get('sforce-limit-info')).to.equal('api-usage=1/2');
      const b = await call(u('/query?q=SELECT+Id+FROM+Account'), { headers: h() });
      expect(b.headers.get('sforce-limit-info')).to.equal('api-usage=2/2');
      const c = await call(u('/query?q=SELECT+Id+FROM+Account'), { headers: h() });
      expect(c.status).to.equal(403);
      expect(c.json).to.deep.equal([{ message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }]);
      expect(c.headers.get('sforce-limit-info')).to.equal('api-usage=2/2');
    });
  });

  describe('faults', () => {
    it('answers injected 5xx with Salesforce error arrays and next429 with REQUEST_LIMIT_EXCEEDED', async () => {
      fake.faults.next5xx(1, 503);
      const a = await call(u('/query?q=SELECT+Id+FROM+Account'), { headers: h() });
      expect(a.status).to.equal(503);
      expect(a.json[0].errorCode).to.equal('SERVER_UNAVAILABLE');
      fake.faults.next429(1);
      const b = await call(u('/query?q=SELECT+Id+FROM+Account'), { headers: h() });
      expect(b.status).to.equal(403);
      expect(b.json[0].errorCode).to.equal('REQUEST_LIMIT_EXCEEDED');
    });
  });
});
