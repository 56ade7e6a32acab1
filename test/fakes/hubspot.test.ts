import { createHmac } from 'node:crypto';
import { expect } from 'chai';
import { startFake, type HubSpotFake } from './start.js';
import { call, startReceiver, type Receiver } from './test-helpers.js';

const auth = { authorization: 'Bearer hubspot-test-token' };

/** What the bridge's receiver must do: recompute v3 over method + URI + raw body + timestamp. */
function verifyV3(secret: string, method: string, uri: string, body: string, headers: Record<string, string>, nowMs = Date.now()): boolean {
  const ts = headers['x-hubspot-request-timestamp'] ?? '';
  if (Math.abs(nowMs - Number(ts)) > 5 * 60 * 1000) return false;
  const expected = createHmac('sha256', secret).update(method + uri + body + ts).digest('base64');
  return expected === headers['x-hubspot-signature-v3'];
}

describe('fakes/hubspot (CRM v3)', () => {
  let fake: HubSpotFake;
  let u: (p: string) => string;
  const upsert = (type: string, inputs: unknown[]) => call(u(`/crm/v3/objects/${type}/batch/upsert`), { method: 'POST', headers: auth, body: { inputs } });

  beforeEach(async () => {
    fake = await startFake('hubspot', { rateLimit: { limit: 1000, searchPerSecond: null } });
    u = (p) => `${fake.baseUrl}${p}`;
  });
  afterEach(async () => {
    await fake.close();
  });

  describe('auth', () => {
    it('rejects missing and unknown tokens with 401 INVALID_AUTHENTICATION', async () => {
      const a = await call(u('/crm/v3/objects/companies'));
      expect(a.status).to.equal(401);
      expect(a.json).to.include({ status: 'error', category: 'INVALID_AUTHENTICATION' });
      expect(a.json.correlationId).to.match(/^[0-9a-f-]{36}$/);
      const b = await call(u('/crm/v3/objects/companies'), { headers: { authorization: 'Bearer wrong' } });
      expect(b.status).to.equal(401);
    });
  });

  describe('schemas', () => {
    it('rejects an unknown property with 400 VALIDATION_ERROR / PROPERTY_DOESNT_EXIST', async () => {
      const r = await call(u('/crm/v3/objects/companies'), { method: 'POST', headers: auth, body: { properties: { name: 'Acme', favourite_colour: 'red' } } });
      expect(r.status).to.equal(400);
      expect(r.json.category).to.equal('VALIDATION_ERROR');
      expect(r.json.message).to.match(/^Property values were not valid: /);
      const embedded = JSON.parse(r.json.message.replace('Property values were not valid: ', ''));
      expect(embedded[0]).to.include({ error: 'PROPERTY_DOESNT_EXIST', name: 'favourite_colour', isValid: false });
      expect(r.json.errors[0]).to.deep.include({ code: 'PROPERTY_DOESNT_EXIST', context: { propertyName: ['favourite_colour'] } });
    });
    it('rejects unknown top-level fields, missing properties and bad JSON', async () => {
      const a = await call(u('/crm/v3/objects/companies'), { method: 'POST', headers: auth, body: { properties: {}, colour: 1 } });
      expect(a.status).to.equal(400);
      expect(a.json.message).to.contain('Unrecognized field "colour"');
      const b = await call(u('/crm/v3/objects/companies'), { method: 'POST', headers: auth, body: {} });
      expect(b.json.message).to.contain('Some required fields were not set: [properties]');
      const c = await call(u('/crm/v3/objects/companies'), { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, raw: '{' });
      expect(c.status).to.equal(400);
      expect(c.json.message).to.contain('Invalid input JSON');
    });
    it('rejects invalid values (INVALID_OPTION, INVALID_FLOAT) and read-only properties', async () => {
      const r = await call(u('/crm/v3/objects/deals'), { method: 'POST', headers: auth, body: { properties: { dealname: 'D', dealstage: 'won-ish', amount: 'lots' } } });
      expect(r.status).to.equal(400);
      expect(r.json.errors.map((e: { code: string }) => e.code).sort()).to.deep.equal(['INVALID_FLOAT', 'INVALID_OPTION']);
      const ro = await call(u('/crm/v3/objects/companies'), { method: 'POST', headers: auth, body: { properties: { hs_object_id: '1' } } });
      expect(ro.json.errors[0].code).to.equal('READ_ONLY_VALUE');
    });
    it('a date property takes a day (midnight UTC or YYYY-MM-DD): another time of day is INVALID_DATE', async () => {
      fake.schema.deals['due_on'] = { type: 'date' };
      const bad = await call(u('/crm/v3/objects/deals'), { method: 'POST', headers: auth, body: { properties: { dealname: 'D', due_on: String(Date.UTC(2026, 11, 21, 10, 30)) } } });
      expect(bad.status).to.equal(400);
      expect(bad.json.errors[0]).to.deep.include({ code: 'INVALID_DATE' });
      expect(bad.json.errors[0].message).to.contain('is at 10:30:0.0 UTC, not midnight!');
      const iso = await call(u('/crm/v3/objects/deals'), { method: 'POST', headers: auth, body: { properties: { dealname: 'D', due_on: 'soon' } } });
      expect(iso.status).to.equal(400);
      for (const ok of [String(Date.UTC(2026, 11, 21)), '2026-12-21', '']) {
        const r = await call(u('/crm/v3/objects/deals'), { method: 'POST', headers: auth, body: { properties: { dealname: 'D', due_on: ok } } });
        expect(r.status, ok).to.equal(201);
      }
    });
    it('answers an unknown object type', async () => {
      const r = await call(u('/crm/v3/objects/widgets'), { headers: auth });
      expect(r.status).to.equal(400);
      expect(r.json.message).to.contain('Unable to infer object type from: widgets');
    });
  });

  describe('batch upsert by unique property', () => {
    it('creates then updates the same record (new: true, then false) and the ledger counts one create', async () => {
      const a = await upsert('companies', [{ id: 'res.partner:7', idProperty: 'odoo_id', properties: { name: 'Acme' } }]);
      expect(a.status).to.equal(200);
      expect(a.json.status).to.equal('COMPLETE');
      expect(a.json.results[0]).to.deep.include({ new: true });
      expect(a.json.results[0].properties).to.include({ name: 'Acme', odoo_id: 'res.partner:7' });
      const b = await upsert('companies', [{ id: 'res.partner:7', idProperty: 'odoo_id', properties: { name: 'Acme Ltd' } }]);
      expect(b.json.results[0].new).to.equal(false);
      expect(b.json.results[0].id).to.equal(a.json.results[0].id);
      expect(fake.ledger.createsFor('res.partner:7', 'companies')).to.equal(1);
      expect(fake.ledger.updatesFor('res.partner:7', 'companies')).to.equal(1);
      expect(fake.store.all('companies')).to.have.length(1);
    });
    it('enforces at most 100 inputs, a unique idProperty and unique ids in the batch', async () => {
      const many = Array.from({ length: 101 }, (_, i) => ({ id: `p${i}`, idProperty: 'odoo_id', properties: { name: `n${i}` } }));
      const a = await upsert('products', many);
      expect(a.status).to.equal(400);
      expect(a.json.category).to.equal('VALIDATION_ERROR');
      const b = await upsert('products', [{ id: 'x', idProperty: 'name', properties: {} }]);
      expect(b.status).to.equal(400);
      expect(b.json.message).to.contain('not a unique value property');
      const c = await upsert('products', [{ id: 'x', idProperty: 'odoo_idd', properties: {} }]);
      expect(c.json.errors[0].code).to.equal('PROPERTY_DOESNT_EXIST');
      const d = await upsert('products', [
        { id: 'x', idProperty: 'odoo_id', properties: {} },
        { id: 'x', idProperty: 'odoo_id', properties: {} },
      ]);
      expect(d.json.message).to.contain('Duplicate IDs');
      expect(fake.store.all('products')).to.have.length(0);
    });
    it('answers 207 with errors[] and numErrors when some inputs fail, writing the others', async () => {
      fake.forcedFailures.set('deal-3', 'Simulated failure');
      const r = await upsert('deals', [
        { id: 'deal-1', idProperty: 'odoo_id', properties: { dealname: 'One', dealstage: 'closedwon' } },
        { id: 'deal-2', idProperty: 'odoo_id', properties: { dealname: 'Two', dealstage: 'not-a-stage' } },
        { id: 'deal-3', idProperty: 'odoo_id', properties: { dealname: 'Three' } },
      ]);
      expect(r.status).to.equal(207);
      expect(r.json.numErrors).to.equal(2);
      expect(r.json.results.map((x: { properties: { odoo_id: string } }) => x.properties.odoo_id)).to.deep.equal(['deal-1']);
      expect(r.json.errors[0].context.ids).to.deep.equal(['deal-2']);
      expect(r.json.errors[1].message).to.equal('Simulated failure');
    });
  });

  describe('objects, associations, search and paging', () => {
    it('creates with associations and reads them back ("line items" key)', async () => {
      const deal = (await call(u('/crm/v3/objects/deals'), { method: 'POST', headers: auth, body: { properties: { dealname: 'D1', odoo_id: 'sale.order:1' } } })).json;
      const li = await call(u('/crm/v3/objects/line_items'), {
        method: 'POST',
        headers: auth,
        body: { properties: { name: 'Widget', quantity: 2, price: '10.5' }, associations: [{ to: { id: deal.id }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 20 }] }] },
      });
      expect(li.status).to.equal(201);
      expect(li.json.properties.amount).to.equal('21');
      const read = await call(u(`/crm/v3/objects/deals/${deal.id}?associations=line_items&properties=dealname,odoo_id`), { headers: auth });
      expect(read.json.associations['line items'].results).to.deep.equal([{ id: li.json.id, type: 'deal_to_line_item' }]);
      expect(read.json.properties).to.include({ dealname: 'D1', odoo_id: 'sale.order:1' });
      const bad = await call(u('/crm/v3/objects/line_items'), {
        method: 'POST',
        headers: auth,
        body: { properties: { name: 'W' }, associations: [{ to: { id: '999' }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 20 }] }] },
      });
      expect(bad.status).to.equal(400);
    });
    it('associates with the v4 default association endpoint', async () => {
      const deal = (await upsert('deals', [{ id: 'd9', idProperty: 'odoo_id', properties: { dealname: 'D' } }])).json.results[0];
      const co = (await upsert('companies', [{ id: 'c9', idProperty: 'odoo_id', properties: { name: 'C' } }])).json.results[0];
      const r = await call(u(`/crm/v4/objects/deals/${deal.id}/associations/default/companies/${co.id}`), { method: 'PUT', headers: auth });
      expect(r.status).to.equal(200);
      expect(r.json.results[0].associationSpec.associationTypeId).to.equal(341);
      const read = await call(u(`/crm/v3/objects/companies/${co.id}?associations=deals`), { headers: auth });
      expect(read.json.associations.deals.results[0].id).to.equal(deal.id);
      expect((await call(u(`/crm/v4/objects/deals/${deal.id}/associations/default/companies/404`), { method: 'PUT', headers: auth })).status).to.equal(404);
    });

    it('PATCHes by id and by ?idProperty=', async () => {
      const c = (await upsert('contacts', [{ id: 'c-1', idProperty: 'odoo_id', properties: { email: 'a@example.com' } }])).json.results[0];
      const byProp = await call(u('/crm/v3/objects/contacts/c-1?idProperty=odoo_id'), { method: 'PATCH', headers: auth, body: { properties: { firstname: 'Ada' } } });
      expect(byProp.status).to.equal(200);
      expect(byProp.json.id).to.equal(c.id);
      const byId = await call(u(`/crm/v3/objects/contacts/${c.id}`), { method: 'PATCH', headers: auth, body: { properties: { lastname: 'L' } } });
      expect(byId.json.properties.lastname).to.equal('L');
      expect((await call(u('/crm/v3/objects/contacts/nope?idProperty=odoo_id'), { method: 'PATCH', headers: auth, body: { properties: {} } })).status).to.equal(404);
      const dupEmail = await call(u('/crm/v3/objects/contacts'), { method: 'POST', headers: auth, body: { properties: { email: 'a@example.com' } } });
      expect(dupEmail.status).to.equal(409);
      expect(dupEmail.json.category).to.equal('CONFLICT');
    });
    it('walks GET list pages with after/limit and paging.next.after', async () => {
      await upsert('products', Array.from({ length: 25 }, (_, i) => ({ id: `p${i}`, idProperty: 'odoo_id', properties: { name: `P${i}` } })));
      const ids = new Set<string>();
      let after: string | undefined;
      let pages = 0;
      do {
        const r = await call(u(`/crm/v3/objects/products?limit=10${after ? `&after=${after}` : ''}`), { headers: auth });
        r.json.results.forEach((x: { id: string }) => ids.add(x.id));
        after = r.json.paging?.next?.after;
        pages += 1;
      } while (after);
      expect(pages).to.equal(3);
      expect(ids.size).to.equal(25);
      expect((await call(u('/crm/v3/objects/products?limit=101'), { headers: auth })).status).to.equal(400);
    });
    it('searches with filterGroups and sorts, paging with after', async () => {
      await upsert('deals', Array.from({ length: 12 }, (_, i) => ({ id: `d${i}`, idProperty: 'odoo_id', properties: { dealname: `Deal ${i}`, amount: String(i * 10), dealstage: i % 2 ? 'closedwon' : 'closedlost' } })));
      const body = (after?: string) => ({
        filterGroups: [{ filters: [{ propertyName: 'dealstage', operator: 'EQ', value: 'closedwon' }, { propertyName: 'amount', operator: 'GTE', value: '30' }] }],
        sorts: [{ propertyName: 'amount', direction: 'DESCENDING' }],
        properties: ['dealname', 'amount'],
        limit: 2,
        ...(after ? { after } : {}),
      });
      const names: string[] = [];
      let after: string | undefined;
      let total = 0;
      do {
        const r = await call(u('/crm/v3/objects/deals/search'), { method: 'POST', headers: auth, body: body(after) });
        expect(r.status).to.equal(200);
        total = r.json.total;
        names.push(...r.json.results.map((x: { properties: { dealname: string } }) => x.properties.dealname));
        after = r.json.paging?.next?.after;
      } while (after);
      expect(total).to.equal(5);
      expect(names).to.deep.equal(['Deal 11', 'Deal 9', 'Deal 7', 'Deal 5', 'Deal 3']);
      const bad = await call(u('/crm/v3/objects/deals/search'), { method: 'POST', headers: auth, body: { filterGroups: [{ filters: [{ propertyName: 'x', operator: 'LIKE', value: 1 }] }] } });
      expect(bad.status).to.equal(400);
      const unknown = await call(u('/crm/v3/objects/deals/search'), { method: 'POST', headers: auth, body: { filterGroups: [{ filters: [{ propertyName: 'nope', operator: 'EQ', value: '1' }] }] } });
      expect(unknown.json.errors[0].code).to.equal('PROPERTY_DOESNT_EXIST');
    });
    it('batch-reads by unique property and reports missing ids with 207', async () => {
      await upsert('products', [{ id: 'p1', idProperty: 'odoo_id', properties: { name: 'P1' } }]);
      const r = await call(u('/crm/v3/objects/products/batch/read'), { method: 'POST', headers: auth, body: { idProperty: 'odoo_id', properties: ['name'], inputs: [{ id: 'p1' }, { id: 'p2' }] } });
      expect(r.status).to.equal(207);
      expect(r.json.results[0].properties.name).to.equal('P1');
      expect(r.json.errors[0]).to.deep.include({ category: 'OBJECT_NOT_FOUND', context: { ids: ['p2'] } });
    });
  });

  describe('deal stage history and the approved-deal search (issue: HubSpot poll)', () => {
    const search = (body: Record<string, unknown>) => call(u('/crm/v3/objects/deals/search'), { method: 'POST', headers: auth, body });
    const approvedSince = (since: number, extra: Record<string, unknown> = {}) => search({
      filterGroups: [{ filters: [{ propertyName: 'dealstage', operator: 'IN', values: ['closedwon'] }, { propertyName: 'hs_lastmodifieddate', operator: 'GTE', value: String(since) }] }],
      sorts: [{ propertyName: 'hs_lastmodifieddate', direction: 'ASCENDING' }],
      properties: ['dealstage', 'hs_v2_date_entered_closedwon', 'hs_date_entered_closedwon'],
      limit: 100,
      ...extra,
    });

    it('sets hs_lastmodifieddate and the date entered / exited of each stage when dealstage changes; a re-entry overwrites "date entered"', async () => {
      const created = (await call(u('/crm/v3/objects/deals'), { method: 'POST', headers: auth, body: { properties: { dealname: 'D', dealstage: 'contractsent' } } })).json;
      expect(created.properties.hs_v2_date_entered_contractsent).to.equal(created.properties.createdate);
      expect(created.properties.hs_date_entered_contractsent).to.equal(created.properties.createdate);
      fake.clock.advance(1_000);
      const won = await fake.sim.changeProperty('deals', created.id, 'dealstage', 'closedwon');
      const p1 = { ...won.record.properties };
      expect(p1.hs_v2_date_entered_closedwon).to.equal(p1.hs_lastmodifieddate);
      expect(p1.hs_v2_date_exited_contractsent).to.equal(p1.hs_lastmodifieddate);
      expect(Date.parse(p1.hs_v2_date_entered_closedwon!) - Date.parse(created.properties.createdate)).to.be.at.least(1_000);
      fake.clock.advance(1_000);
      await fake.sim.changeProperty('deals', created.id, 'dealname', 'renamed');
      expect(fake.store.get('deals', created.id)!.properties.hs_v2_date_entered_closedwon, 'another property: no new entry').to.equal(p1.hs_v2_date_entered_closedwon);
      await fake.sim.changeProperty('deals', created.id, 'dealstage', 'contractsent');
      fake.clock.advance(1_000);
      await fake.sim.changeProperty('deals', created.id, 'dealstage', 'closedwon');
      const p2 = fake.store.get('deals', created.id)!.properties;
      expect(Date.parse(p2.hs_v2_date_entered_closedwon!)).to.be.greaterThan(Date.parse(p1.hs_v2_date_entered_closedwon!));
      expect(p2.hs_date_entered_closedwon).to.equal(p2.hs_v2_date_entered_closedwon);
      const read = await call(u(`/crm/v3/objects/deals/${created.id}?properties=hs_v2_date_entered_closedwon,hs_date_exited_closedwon`), { headers: auth });
      expect(read.json.properties).to.include({ hs_v2_date_entered_closedwon: p2.hs_v2_date_entered_closedwon });
      const write = await call(u(`/crm/v3/objects/deals/${created.id}`), { method: 'PATCH', headers: auth, body: { properties: { hs_v2_date_entered_closedwon: '1' } } });
      expect(write.status, 'read-only').to.equal(400);
      expect(write.json.message).to.contain('READ_ONLY_VALUE');
    });

    it('an older portal has only the legacy hs_date_entered_<stage> (stageCalculatedProperties: legacy)', async () => {
      await fake.close();
      fake = await startFake('hubspot', { rateLimit: { limit: 1000, searchPerSecond: null }, stageCalculatedProperties: 'legacy' });
      const deal = fake.store.create('deals', { dealname: 'Old portal', dealstage: 'closedwon' });
      expect(deal.properties.hs_date_entered_closedwon).to.equal(deal.properties.createdate);
      expect(deal.properties).to.not.have.property('hs_v2_date_entered_closedwon');
    });

    it('searches IN dealstage AND hs_lastmodifieddate GTE an epoch-ms string, sorted ascending by hs_lastmodifieddate, paged with after', async () => {
      const t0 = Date.parse('2026-03-01T10:00:00.000Z');
      const at = (min: number) => new Date(t0 + min * 60_000).toISOString();
      const mk = (name: string, stage: string, min: number) => {
        const d = fake.store.create('deals', { dealname: name, dealstage: stage });
        d.properties.hs_lastmodifieddate = at(min);
        return d;
      };
      mk('late', 'closedwon', 30);
      mk('old', 'closedwon', -10);
      mk('lost', 'closedlost', 5);
      mk('early', 'closedwon', 1);
      mk('middle', 'closedwon', 20);
      const names: string[] = [];
      let after: string | undefined;
      do {
        const r = await approvedSince(t0, { limit: 2, ...(after ? { after } : {}) });
        expect(r.status).to.equal(200);
        expect(r.json.total).to.equal(3);
        names.push(...r.json.results.map((x: { id: string }) => fake.store.get('deals', x.id)!.properties.dealname));
        after = r.json.paging?.next?.after;
      } while (after);
      expect(names).to.deep.equal(['early', 'middle', 'late']);
      // ISO 8601 values are taken as well; EQ compares instants.
      expect((await approvedSince(0, { filterGroups: [{ filters: [{ propertyName: 'hs_lastmodifieddate', operator: 'GTE', value: at(20) }] }] })).json.total).to.equal(2);
      expect((await search({ filterGroups: [{ filters: [{ propertyName: 'hs_lastmodifieddate', operator: 'EQ', value: String(t0 + 20 * 60_000) }] }] })).json.results).to.have.length(1);
      const r = await approvedSince(t0);
      expect(r.json.results[0].properties).to.include.keys('hs_v2_date_entered_closedwon', 'hs_date_entered_closedwon', 'hs_lastmodifieddate');
      expect(r.json).to.not.have.property('paging');
    });

    it('pages through 10,000 results of one search at most: a page past them is 400 VALIDATION_ERROR', async () => {
      const t0 = Date.parse('2026-03-01T10:00:00.000Z');
      for (let i = 0; i < 10_050; i++) fake.store.create('deals', { dealname: `D${i}`, dealstage: 'closedwon' }).properties.hs_lastmodifieddate = new Date(t0 + i).toISOString();
      const last = await approvedSince(t0, { after: '9900' });
      expect(last.status).to.equal(200);
      expect(last.json.total).to.equal(10_050);
      expect(last.json.results).to.have.length(100);
      expect(last.json.paging.next.after).to.equal('10000');
      const past = await approvedSince(t0, { after: '10000' });
      expect(past.status).to.equal(400);
      expect(past.json).to.include({ status: 'error', category: 'VALIDATION_ERROR' });
      expect(past.json.message).to.contain('10000');
      expect(past.json.correlationId).to.match(/^[0-9a-f-]{36}$/);
      expect((await approvedSince(t0, { after: '9950' })).status, 'after + limit beyond the cap').to.equal(400);
    });
  });

  describe('owners (read-only, hubspot_owner_id)', () => {
    it('lists owners by email (case-insensitive), pages with after/limit (1..500), gets one by id or userId, 404 otherwise', async () => {
      for (let i = 0; i < 3; i++) fake.owners.add({ email: `rep${i}@example.com`, firstName: `Rep${i}` });
      const byEmail = await call(u('/crm/v3/owners?email=REP1@example.com'), { headers: auth });
      expect(byEmail.status).to.equal(200);
      expect(byEmail.json.results.map((o: { email: string }) => o.email)).to.deep.equal(['rep1@example.com']);
      const owner = byEmail.json.results[0] as { id: string; userId: number; type: string; archived: boolean };
      expect(owner).to.include({ type: 'PERSON', archived: false });
      const p1 = await call(u('/crm/v3/owners?limit=2'), { headers: auth });
      expect(p1.json.results).to.have.length(2);
      const p2 = await call(u(`/crm/v3/owners?limit=2&after=${p1.json.paging.next.after as string}`), { headers: auth });
      expect(p2.json.results).to.have.length(1);
      expect(p2.json.paging).to.equal(undefined);
      expect((await call(u('/crm/v3/owners?limit=501'), { headers: auth })).status).to.equal(400);
      expect((await call(u(`/crm/v3/owners/${owner.id}`), { headers: auth })).json.email).to.equal('rep1@example.com');
      expect((await call(u(`/crm/v3/owners/${owner.userId}?idProperty=userId`), { headers: auth })).json.id).to.equal(owner.id);
      const missing = await call(u('/crm/v3/owners/1'), { headers: auth });
      expect(missing.status).to.equal(404);
      expect(missing.json).to.include({ status: 'error', category: 'OBJECT_NOT_FOUND' });
      expect((await call(u('/crm/v3/owners'))).status, 'auth').to.equal(401);
    });

    it('hubspot_owner_id accepts only owner ids (a userId or unknown id is INVALID_OPTION)', async () => {
      const o = fake.owners.add({ email: 'rep@example.com' });
      const ok = await call(u('/crm/v3/objects/companies'), { method: 'POST', headers: auth, body: { properties: { name: 'A', hubspot_owner_id: o.id } } });
      expect(ok.status).to.equal(201);
      const bad = await call(u('/crm/v3/objects/companies'), { method: 'POST', headers: auth, body: { properties: { name: 'B', hubspot_owner_id: String(o.userId) } } });
      expect(bad.status).to.equal(400);
      expect(bad.json.message).to.contain('INVALID_OPTION');
    });
  });

  describe('rate limits', () => {
    it('answers 429 with the ten-secondly policy and X-HubSpot-RateLimit headers', async () => {
      await fake.close();
      fake = await startFake('hubspot', { rateLimit: { limit: 2, windowMs: 10_000 } });
      const a = await call(u('/crm/v3/objects/companies'), { headers: auth });
      expect(a.headers.get('x-hubspot-ratelimit-max')).to.equal('2');
      expect(a.headers.get('x-hubspot-ratelimit-remaining')).to.equal('1');
      expect(a.headers.get('x-hubspot-ratelimit-interval-milliseconds')).to.equal('10000');
      await call(u('/crm/v3/objects/companies'), { headers: auth });
      const c = await call(u('/crm/v3/objects/companies'), { headers: auth });
      expect(c.status).to.equal(429);
      expect(c.json).to.include({ status: 'error', category: 'RATE_LIMITS', errorType: 'RATE_LIMIT', policyName: 'TEN_SECONDLY_ROLLING' });
      expect(c.headers.get('x-hubspot-ratelimit-remaining')).to.equal('0');
      fake.clock.advance(10_001);
      expect((await call(u('/crm/v3/objects/companies'), { headers: auth })).status).to.equal(200);
    });
    it('limits search requests per second', async () => {
      await fake.close();
      fake = await startFake('hubspot', { rateLimit: { searchPerSecond: 2 } });
      const s = () => call(u('/crm/v3/objects/deals/search'), { method: 'POST', headers: auth, body: {} });
      expect([(await s()).status, (await s()).status, (await s()).status]).to.deep.equal([200, 200, 429]);
    });
  });

  describe('webhooks (signature v3)', () => {
    let rx: Receiver;
    beforeEach(async () => {
      rx = await startReceiver('/webhooks/hubspot?portal=62515');
      fake.setWebhookTarget(rx.url);
      fake.hubspot.retryDelayMs = 1;
    });
    afterEach(async () => {
      await rx.close();
    });

    it('moves a deal to closed won with line items and signs the delivery; a tampered body fails', async () => {
      const out = await fake.sim.closeWonDeal({ deal: { dealname: 'Big deal', odoo_id: 'crm.lead:5' }, lineItems: [{ name: 'Widget', quantity: 3, price: 10, hs_sku: 'W-1' }] });
      const [hook] = await rx.waitFor(1);
      expect(hook!.method).to.equal('POST');
      const events = JSON.parse(hook!.body);
      expect(events).to.be.an('array').with.length(1);
      expect(events[0]).to.include({ subscriptionType: 'deal.propertyChange', propertyName: 'dealstage', propertyValue: 'closedwon', objectId: Number(out.deal.id), attemptNumber: 0, portalId: fake.portalId });
      expect(events[0].eventId).to.be.a('number');
      expect(verifyV3(fake.appSecret, 'POST', rx.url, hook!.body, hook!.headers)).to.equal(true);
      expect(verifyV3(fake.appSecret, 'POST', rx.url, hook!.body.replace('closedwon', 'closedlost'), hook!.headers)).to.equal(false);
      expect(verifyV3('other-secret', 'POST', rx.url, hook!.body, hook!.headers)).to.equal(false);
      expect(verifyV3(fake.appSecret, 'POST', rx.url, hook!.body, hook!.headers, Date.now() + 6 * 60 * 1000), 'stale timestamp').to.equal(false);
      const deal = await call(u(`/crm/v3/objects/deals/${out.deal.id}?associations=line_items&properties=dealstage,amount`), { headers: auth });
      expect(deal.json.properties).to.include({ dealstage: 'closedwon', amount: '30' });
      expect(deal.json.associations['line items'].results).to.have.length(1);
    });

    it('retries failed deliveries with attemptNumber + 1 and sends duplicates on demand', async () => {
      rx.statusFor = (i) => (i === 0 ? 500 : 204);
      const deal = (await upsert('deals', [{ id: 'd1', idProperty: 'odoo_id', properties: { dealname: 'D' } }])).json.results[0];
      await fake.sim.changeProperty('deals', deal.id, 'dealstage', 'closedwon', { duplicates: 1 });
      const hooks = await rx.waitFor(3);
      const events = hooks.map((h) => JSON.parse(h.body)[0]);
      expect(events.map((e: { attemptNumber: number }) => e.attemptNumber)).to.deep.equal([0, 1, 2]);
      expect(new Set(events.map((e: { eventId: number }) => e.eventId)).size).to.equal(1);
      for (const h of hooks) expect(verifyV3(fake.appSecret, 'POST', rx.url, h.body, h.headers)).to.equal(true);
    });
  });

  describe('faults', () => {
    it('answers injected 5xx and 429 with HubSpot bodies', async () => {
      fake.faults.next5xx(1, 502);
      const a = await call(u('/crm/v3/objects/deals'), { headers: auth });
      expect(a.status).to.equal(502);
      expect(a.json).to.include({ status: 'error', category: 'INTERNAL_ERROR' });
      fake.faults.next429(1);
      const b = await call(u('/crm/v3/objects/deals'), { headers: auth });
      expect(b.status).to.equal(429);
      expect(b.json.policyName).to.equal('TEN_SECONDLY_ROLLING');
    });
  });
});
