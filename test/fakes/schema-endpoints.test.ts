import { expect } from 'chai';
import { setUpOdooPortal } from './hubspot/portal.js';
import { setUpOdooOrg } from './salesforce/org.js';
import { startFake, type HubSpotFake, type SalesforceFake } from './start.js';

type Obj = Record<string, unknown>;

describe('fakes: schema read endpoints (HubSpot properties API, Salesforce describe)', function () {
  this.timeout(20_000);

  describe('HubSpot GET /crm/v3/properties/{objectType}[/{propertyName}]', () => {
    let hs: HubSpotFake;
    const h = { authorization: 'Bearer hubspot-test-token' };
    before(async () => { hs = await startFake('hubspot'); setUpOdooPortal(hs); });
    after(async () => hs?.close());

    it('lists every property of the object type with type, fieldType, options, hasUniqueValue, read-only flag', async () => {
      const res = await fetch(`${hs.url}/crm/v3/properties/deals`, { headers: h });
      expect(res.status).to.equal(200);
      const { results } = (await res.json()) as { results: Obj[] };
      const byName = new Map(results.map((r) => [r.name as string, r]));
      expect(byName.size).to.equal(Object.keys(hs.schema.deals).length);
      const fs = byName.get('odoo_fulfilment_status')!;
      expect(fs).to.include({ type: 'enumeration', fieldType: 'select', hasUniqueValue: false, hubspotDefined: false });
      expect((fs.options as Obj[]).map((o) => o.value)).to.include('resumed');
      expect(byName.get('odoo_order_id')).to.include({ type: 'string', fieldType: 'text', hasUniqueValue: true });
      expect(byName.get('hs_object_id')!.modificationMetadata).to.include({ readOnlyValue: true });
      expect(byName.get('dealname')!.modificationMetadata).to.include({ readOnlyValue: false });
    });

    it('reflects the portal: a property removed or changed (control PUT) is read back as it is now', async () => {
      const put = await fetch(`${hs.url}/__control/properties/products/odoo_color`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ type: 'enumeration', options: ['red'] }) });
      expect(put.status).to.equal(200);
      const one = await fetch(`${hs.url}/crm/v3/properties/products/odoo_color`, { headers: h });
      expect(one.status).to.equal(200);
      expect(((await one.json()) as Obj).options).to.deep.equal([{ label: 'Red', value: 'red', displayOrder: 0, hidden: false }]);
      const missing = await fetch(`${hs.url}/crm/v3/properties/products/no_such_thing`, { headers: h });
      expect(missing.status).to.equal(404);
      expect(await missing.json()).to.include({ status: 'error', category: 'OBJECT_NOT_FOUND' });
    });

    it('refuses a missing token (401) and an unknown object type (400)', async () => {
      expect((await fetch(`${hs.url}/crm/v3/properties/deals`)).status).to.equal(401);
      const bad = await fetch(`${hs.url}/crm/v3/properties/widgets`, { headers: h });
      expect(bad.status).to.equal(400);
      expect(await bad.json()).to.include({ category: 'VALIDATION_ERROR' });
    });
  });

  describe('Salesforce GET /services/data/v61.0/sobjects/{SObject}/describe', () => {
    let sf: SalesforceFake;
    let h: Record<string, string>;
    before(async () => { sf = await startFake('salesforce'); setUpOdooOrg(sf); h = { authorization: `Bearer ${await sf.token()}` }; });
    after(async () => sf?.close());

    it('describes the fields: type, picklist values and restriction, externalId, createable/updateable', async () => {
      const res = await fetch(`${sf.url}/services/data/v61.0/sobjects/opportunity/describe`, { headers: h });
      expect(res.status).to.equal(200);
      const body = (await res.json()) as { name: string; fields: Obj[] };
      expect(body.name).to.equal('Opportunity');
      const f = new Map(body.fields.map((x) => [x.name as string, x]));
      expect(f.get('Odoo_Invoice_Status__c')).to.include({ type: 'picklist', restrictedPicklist: true, custom: true, updateable: true, createable: true });
      expect((f.get('Odoo_Invoice_Status__c')!.picklistValues as Obj[]).map((v) => v.value)).to.include('Credited');
      expect(f.get('Odoo_Id__c')).to.include({ externalId: true, unique: true, idLookup: true });
      expect(f.get('IsWon')).to.include({ createable: false, updateable: false });
      expect(f.get('Type')).to.include({ type: 'picklist', restrictedPicklist: false });
      const li = (await (await fetch(`${sf.url}/services/data/v61.0/sobjects/OpportunityLineItem/describe`, { headers: h })).json()) as { fields: Obj[] };
      expect(li.fields.find((x) => x.name === 'OpportunityId')).to.include({ createable: true, updateable: false });
    });

    it('field-level security: a field the integration user may not edit is neither createable nor updateable, and writes to it fail', async () => {
      sf.store.objects['Product2']!.fields['Odoo_ATP__c'] = { type: 'double', noAccess: true };
      const d = (await (await fetch(`${sf.url}/services/data/v61.0/sobjects/Product2/describe`, { headers: h })).json()) as { fields: Obj[] };
      expect(d.fields.find((x) => x.name === 'Odoo_ATP__c')).to.include({ createable: false, updateable: false });
      const w = await fetch(`${sf.url}/services/data/v61.0/sobjects/Product2/Odoo_Id__c/77`, { method: 'PATCH', headers: { ...h, 'content-type': 'application/json' }, body: JSON.stringify({ Name: 'P', Odoo_ATP__c: 3 }) });
      expect(w.status).to.equal(400);
      expect(((await w.json()) as Obj[])[0]).to.include({ errorCode: 'INVALID_FIELD_FOR_INSERT_UPDATE' });
    });

    it('an unrestricted picklist accepts other values; a restricted one refuses them', async () => {
      sf.store.objects['Opportunity']!.fields['Odoo_Order_Status__c'] = { type: 'picklist', picklist: ['Confirmed'], restricted: false };
      const d = (await (await fetch(`${sf.url}/services/data/v61.0/sobjects/Opportunity/describe`, { headers: h })).json()) as { fields: Obj[] };
      expect(d.fields.find((x) => x.name === 'Odoo_Order_Status__c')).to.include({ restrictedPicklist: false });
      const ok = await fetch(`${sf.url}/services/data/v61.0/sobjects/Opportunity`, { method: 'POST', headers: { ...h, 'content-type': 'application/json' }, body: JSON.stringify({ Name: 'O', StageName: 'Prospecting', CloseDate: '2030-01-01', Odoo_Order_Status__c: 'Elsewhere' }) });
      expect(ok.status).to.equal(201);
      const no = await fetch(`${sf.url}/services/data/v61.0/sobjects/Opportunity`, { method: 'POST', headers: { ...h, 'content-type': 'application/json' }, body: JSON.stringify({ Name: 'O', StageName: 'Prospecting', CloseDate: '2030-01-01', Odoo_Invoice_Status__c: 'Elsewhere' }) });
      expect(no.status).to.equal(400);
    });

    it('unknown SObject: 404 NOT_FOUND; no token: 401', async () => {
      const nf = await fetch(`${sf.url}/services/data/v61.0/sobjects/Widget__c/describe`, { headers: h });
      expect(nf.status).to.equal(404);
      expect(((await nf.json()) as Obj[])[0]).to.include({ errorCode: 'NOT_FOUND' });
      expect((await fetch(`${sf.url}/services/data/v61.0/sobjects/Account/describe`)).status).to.equal(401);
    });
  });
});
