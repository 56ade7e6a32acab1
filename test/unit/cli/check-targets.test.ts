import fs from 'node:fs';
import { PassThrough } from 'node:stream';
import { expect } from 'chai';
import { configSchema, type BridgeConfig } from '../../../bridge/config/schema.js';
import { runCheckTargets } from '../../../bridge/cli/check-targets.js';
import { finiteValues, outlineMapping } from '../../../bridge/mapping/index.js';
import { readHubSpotOptions } from '../../../bridge/connectors/hubspot/context.js';
import { hubspotNeeds, type HubSpotNeed } from '../../../bridge/connectors/hubspot/schema-check.js';
import { readSalesforceOptions } from '../../../bridge/connectors/salesforce/context.js';
import { salesforceNeeds } from '../../../bridge/connectors/salesforce/schema-check.js';
import { kindOf } from '../../../bridge/runtime/mapping-registry.js';
import { silentLog } from '../connectors/helpers.js';
import { setUpOdooPortal } from '../../fakes/hubspot/portal.js';
import { setUpOdooOrg } from '../../fakes/salesforce/org.js';
import { startFake, type HubSpotFake, type SalesforceFake } from '../../fakes/start.js';
import { file, mappingsDir, siteOf } from './shipped-mappings.js';



/** file:line:col of a list item (its opening brace) holding `text`. */
function itemSite(rel: string, text: string): string {
  const lines = fs.readFileSync(file(rel), 'utf8').split('\n');
  const i = lines.findIndex((l) => l.includes(text));
  if (i < 0) throw new Error(`${text} not in ${rel}`);
  return `${file(rel)}:${i + 1}:${lines[i]!.indexOf(text) + 1}`;
}

function outline(rel: string) {
  return outlineMapping(fs.readFileSync(file(rel), 'utf8'), file(rel));
}
const kinds = (o: ReturnType<typeof outline>) => o.events.map((e) => kindOf(o.source, e));
const need = (needs: HubSpotNeed[], type: string, prop: string) => needs.filter((n) => n.objectType === type && n.property === prop);

describe('check-targets: what a mapping writes (pure extraction)', () => {
  it('finite values: consts, if/first branches, value-map outputs, defaults, $vars; free paths are not finite', () => {
    expect(finiteValues({ const: 'x' })).to.deep.equal(['x']);
    expect(finiteValues('state')).to.equal(undefined);
    expect(finiteValues({ path: 'state', pipe: ['trim'] })).to.equal(undefined);
    expect(finiteValues({ if: { path: 'a', eq: 1 }, then: { const: 'A' }, else: { const: 'B' } })).to.deep.equal(['A', 'B']);
    expect(finiteValues({ if: { path: 'a', eq: 1 }, then: { const: 'A' } })).to.deep.equal(['A']);
    expect(finiteValues({ first: [{ const: 'A' }, { path: 'x' }] })).to.equal(undefined);
    expect(finiteValues({ path: 's', pipe: [{ map: { table: { a: 'X', b: 'Y' } } }] })).to.deep.equal(['X', 'Y']);
    expect(finiteValues({ path: 's', pipe: [{ map: { table: { a: 'X' }, fallback: 'Z' } }] })).to.deep.equal(['X', 'Z']);
    expect(finiteValues({ path: 's', pipe: [{ map: { table: { a: 'X' }, keep_unmatched: true } }] })).to.equal(undefined);
    expect(finiteValues({ path: 's', default: 'D', pipe: [{ map: { table: { a: 'X' } } }] })).to.deep.equal(['X', 'D']);
    expect(finiteValues({ first: [{ const: 'a' }, { path: 's' }], pipe: [{ map: { table: { a: 'X', b: 'Y' } } }, 'upper'] })).to.deep.equal(['X', 'Y']);
    expect(finiteValues({ const: 'q', pipe: [{ map: { table: { q: 'Q' } } }] })).to.deep.equal(['Q']);
    expect(finiteValues({ path: '$vars.pipe', default: 'dflt' }, { pipe: 'mine' })).to.deep.equal(['mine']);
    expect(finiteValues({ path: '$vars.pipe', default: 'dflt' }, {})).to.deep.equal(['dflt']);
    expect(finiteValues({ concat: [{ const: 'a' }, { const: 'b' }] })).to.equal(undefined);
  });

  it('HubSpot order_status: deals and line items, the id properties, dropdown values from the value maps, free paths unchecked', () => {
    const o = outline('hubspot/order_status.yaml');
    expect(o.fields['properties']!.fields!['odoo_fulfilment_status']!.line).to.equal(Number(siteOf('hubspot/order_status.yaml', 'odoo_fulfilment_status').split(':').at(-2)));
    const needs = hubspotNeeds(o, kinds(o), readHubSpotOptions({}), {});
    expect([...new Set(needs.map((n) => n.objectType))].sort()).to.deep.equal(['companies', 'contacts', 'deals', 'line_items']);
    expect(need(needs, 'deals', 'odoo_order_id')[0]!.idProperty).to.equal(true);
    expect(need(needs, 'line_items', 'odoo_line_id')[0]!.idProperty).to.equal(true);
    expect(need(needs, 'companies', 'odoo_partner_id')[0]!.idProperty).to.equal(true);
    expect(need(needs, 'deals', 'odoo_fulfilment_status')[0]!.values).to.have.members(['accepted', 'allocated', 'picked', 'packed', 'shipped', 'delivered', 'exception', 'on_hold', 'resumed']);
    expect(need(needs, 'deals', 'odoo_invoice_status')[0]!.values).to.have.members(['not_invoiced', 'invoiced', 'partially_paid', 'in_payment', 'paid', 'credited']);
    expect(need(needs, 'deals', 'odoo_order_status')[0]!.values).to.have.members(['cancelled', 'quotation', 'confirmed', 'picking', 'partially_shipped', 'shipped']);
    expect(need(needs, 'deals', 'dealstage')[0]!.values).to.include('odoo_on_hold');
    expect(need(needs, 'deals', 'pipeline')[0]!.values).to.deep.equal(['odoo_fulfilment']);
    expect(hubspotNeeds(o, kinds(o), readHubSpotOptions({}), { hubspot_pipeline: '776655' }).find((n) => n.property === 'pipeline')!.values).to.deep.equal(['776655']);
    // Free paths: no value set, so no option check.
    expect(need(needs, 'deals', 'odoo_invoice_refs')[0]!.values).to.equal(undefined);
    expect(need(needs, 'deals', 'odoo_order_ref')[0]!.values).to.equal(undefined);
    expect(need(needs, 'deals', 'dealname')).to.have.length(1); // create_properties
    expect(need(needs, 'line_items', 'hs_sku')).to.have.length(1);
  });

  it('HubSpot customer_upsert: company-only and person-only properties go to their object type', () => {
    const o = outline('hubspot/customer_upsert.yaml');
    const needs = hubspotNeeds(o, kinds(o), readHubSpotOptions({}), {});
    expect(need(needs, 'companies', 'name')).to.have.length(1);
    expect(need(needs, 'contacts', 'name')).to.have.length(0);
    expect(need(needs, 'contacts', 'firstname')).to.have.length(1);
    expect(need(needs, 'companies', 'firstname')).to.have.length(0);
    expect(need(needs, 'companies', 'phone')).to.have.length(1);
    expect(need(needs, 'contacts', 'phone')).to.have.length(1);
    expect(need(needs, 'contacts', 'hubspot_owner_id')).to.have.length(1);
    expect(need(needs, 'contacts', 'odoo_partner_id')[0]!.idProperty).to.equal(true);
  });

  it('Salesforce: SObject and upsert key from the mapping or the options; attributes and control keys are not fields', () => {
    const o = outline('salesforce/order_status.yaml');
    const needs = salesforceNeeds(o, kinds(o), readSalesforceOptions('https://x.my.salesforce.com/services/data/v61.0/', {}), {});
    expect([...new Set(needs.map((n) => n.sobject))]).to.deep.equal(['Opportunity']);
    const key = needs.find((n) => n.field === 'Id')!;
    expect(key).to.include({ upsertKey: true, externalId: false });
    expect(needs.every((n) => !n.mayCreate)).to.equal(true);
    expect(needs.map((n) => n.field)).to.not.include.members(['attributes', 'external_id_field', 'fields_to_null']);
    expect(needs.find((n) => n.field === 'Odoo_Invoice_Status__c')!.values).to.include('Partially Paid');
    expect(needs.find((n) => n.field === 'Odoo_Order_Ref__c')!.values).to.equal(undefined);
    const c = outline('salesforce/customer_upsert.yaml');
    const cn = salesforceNeeds(c, kinds(c), readSalesforceOptions('https://x.my.salesforce.com/services/data/v61.0/', {}), {});
    expect(cn.find((n) => n.field === 'Odoo_Id__c')).to.include({ sobject: 'Account', upsertKey: true, externalId: true, mayCreate: true });
  });
});

/** Runs the command; returns exit code and stdout lines. */
async function run(config: BridgeConfig, secrets: Record<string, string>, argv: string[] = []): Promise<{ code: number; lines: string[]; err: string }> {
  const out = new PassThrough();
  const err = new PassThrough();
  let text = '';
  let errText = '';
  out.on('data', (d: Buffer) => { text += d.toString(); });
  err.on('data', (d: Buffer) => { errText += d.toString(); });
  const secret = (ref: { env: string } | { secret: string }) => secrets['env' in ref ? ref.env : ref.secret] ?? '';
  const code = await runCheckTargets({ config, secret, log: silentLog }, argv, out, err);
  return { code, lines: text.trim().split('\n'), err: errText };
}

function configOf(targets: Record<string, unknown>): BridgeConfig {
  return configSchema.parse({ odoo: { url: 'http://127.0.0.1:9', db: 'x', username: 'x', api_key: { env: 'X' } }, mappings: { dir: mappingsDir }, targets });
}

describe('sync-bridge check-targets against the HubSpot fake', function () {
  this.timeout(30_000);
  let hs: HubSpotFake;
  const cfg = () => configOf({ crm_hs: { preset: 'hubspot', base_url: hs.url, auth: { type: 'bearer', token: { env: 'HS' } }, options: { id_property: 'odoo_partner_id', deal_id_property: 'odoo_order_id' } } });
  const ok = { HS: 'hubspot-test-token' };
  beforeEach(async () => { hs = await startFake('hubspot'); setUpOdooPortal(hs); });
  afterEach(async () => hs?.close());

  it('a portal set up per the docs passes every shipped mapping: exit 0, "crm_hs: ok"', async () => {
    const r = await run(cfg(), ok);
    expect(r.lines, r.lines.join('\n')).to.have.length(1);
    expect(r.lines[0]).to.match(/^crm_hs: ok \(\d+ mappings, \d+ properties on companies, contacts, deals, line_items, products\)$/);
    expect(r.code).to.equal(0);
    expect(hs.ledger.requests.filter((q) => q.path.startsWith('/crm/v3/properties/')).length).to.equal(5);
  });

  it('a dropdown lacking an option the value map can write (resumed) names the property and the mapping line', async () => {
    hs.schema.deals['odoo_fulfilment_status']!.options = hs.schema.deals['odoo_fulfilment_status']!.options!.filter((o) => o !== 'resumed');
    const r = await run(cfg(), ok);
    expect(r.code).to.equal(1);
    expect(r.lines).to.deep.equal([
      `crm_hs: deals.odoo_fulfilment_status: dropdown has no option 'resumed' (the mapping can write it) (${siteOf('hubspot/order_status.yaml', 'odoo_fulfilment_status')})`,
      'crm_hs: 1 problem',
    ]);
  });

  it('a missing property and a non-unique id property are reported; a free-text value is never option-checked', async () => {
    delete hs.schema.products['odoo_atp'];
    hs.schema.deals['odoo_order_id'] = { type: 'string' };
    // odoo_order_ref is written from a free path: even as a dropdown, no option is checked.
    hs.schema.deals['odoo_order_ref'] = { type: 'enumeration', options: [] };
    const r = await run(cfg(), ok, ['--target', 'crm_hs']);
    expect(r.code).to.equal(1);
    expect(r.lines).to.include(`crm_hs: products.odoo_atp: property missing (${siteOf('hubspot/product_atp.yaml', 'odoo_atp')})`);
    expect(r.lines).to.include(`crm_hs: deals.odoo_order_id: not a unique-value property (records are written by it: set "Require unique values") (${siteOf('hubspot/order_status.yaml', 'idProperty')})`);
    expect(r.lines.filter((l) => l.includes('odoo_order_ref'))).to.deep.equal([]);
    expect(r.lines.at(-1)).to.equal('crm_hs: 2 problems');
  });

  it('a refused token: exit 2 naming the target', async () => {
    const r = await run(cfg(), { HS: 'wrong-token' });
    expect(r.code).to.equal(2);
    expect(r.lines).to.have.length(1);
    expect(r.lines[0]).to.match(/^crm_hs: authentication failed/);
    expect(r.lines[0]).to.include('401');
    expect(r.lines[0]).to.not.include('wrong-token');
  });

  it('an unknown --target is a usage error (2)', async () => {
    const r = await run(cfg(), ok, ['--target', 'nope']);
    expect(r.code).to.equal(2);
    expect(r.err).to.include("target 'nope' is not configured (known: crm_hs)");
  });
});

describe('sync-bridge check-targets against the Salesforce fake (and the WMS fakes)', function () {
  this.timeout(30_000);
  let sf: SalesforceFake;
  const sfTarget = () => ({ preset: 'salesforce', base_url: `${sf.url}/services/data/v61.0/`, auth: { type: 'oauth2_client_credentials', token_url: `${sf.url}/services/oauth2/token`, client_id: sf.clientId, client_secret: { env: 'SF' } } });
  beforeEach(async () => { sf = await startFake('salesforce'); setUpOdooOrg(sf); });
  afterEach(async () => sf?.close());

  it('an org set up per the docs passes: exit 0', async () => {
    const r = await run(configOf({ crm_sf: sfTarget() }), { SF: sf.clientSecret });
    expect(r.lines, r.lines.join('\n')).to.have.length(1);
    expect(r.lines[0]).to.match(/^crm_sf: ok \(\d+ mappings, \d+ fields on Account, Opportunity, Product2\)$/);
    expect(r.code).to.equal(0);
  });

  it('a restricted picklist lacking a value, an upsert key not External ID, a field the user may not update', async () => {
    const opp = sf.store.objects['Opportunity']!.fields;
    opp['Odoo_Invoice_Status__c']!.picklist = opp['Odoo_Invoice_Status__c']!.picklist!.filter((v) => v !== 'Credited');
    sf.store.objects['Product2']!.fields['Odoo_Id__c'] = { type: 'string', length: 255 };
    sf.store.objects['Product2']!.fields['Odoo_ATP__c'] = { type: 'double', noAccess: true };
    const r = await run(configOf({ crm_sf: sfTarget() }), { SF: sf.clientSecret });
    expect(r.code).to.equal(1);
    expect(r.lines).to.include(`crm_sf: Opportunity.Odoo_Invoice_Status__c: restricted picklist has no active value 'Credited' (the mapping can write it) (${siteOf('salesforce/order_status.yaml', 'Odoo_Invoice_Status__c')})`);
    expect(r.lines).to.include(`crm_sf: Product2.Odoo_Id__c: not an External ID field (records are upserted by it: tick "External ID") (${siteOf('salesforce/product_upsert.yaml', 'Odoo_Id__c')})`);
    expect(r.lines).to.include(`crm_sf: Product2.Odoo_Id__c: not an External ID field (records are upserted by it: tick "External ID") (${siteOf('salesforce/product_atp.yaml', 'Odoo_Id__c')})`);
    expect(r.lines).to.include(`crm_sf: Product2.Odoo_ATP__c: not updateable by the integration user (field-level security or a read-only field) (${siteOf('salesforce/product_atp.yaml', 'Odoo_ATP__c')})`);
    expect(r.lines.at(-1)).to.equal('crm_sf: 4 problems');
  });

  it('an unrestricted picklist takes any value: no problem; a missing field is one (once, though fields_to_null names it too)', async () => {
    const opp = sf.store.objects['Opportunity']!.fields;
    opp['Odoo_Invoice_Status__c'] = { type: 'picklist', picklist: ['Paid'], restricted: false };
    delete opp['Odoo_Paid_Date__c'];
    const r = await run(configOf({ crm_sf: sfTarget() }), { SF: sf.clientSecret });
    expect(r.lines).to.deep.equal([
      `crm_sf: Opportunity.Odoo_Paid_Date__c: field missing (${siteOf('salesforce/order_status.yaml', 'Odoo_Paid_Date__c')})`,
      'crm_sf: 1 problem',
    ]);
    expect(r.code).to.equal(1);
  });

  it('a field only fields_to_null names (sent as null) must exist too', async () => {
    delete sf.store.objects['Opportunity']!.fields['Odoo_Invoice_Refs__c'];
    const o = outline('salesforce/order_status.yaml');
    const needs = salesforceNeeds(o, kinds(o), readSalesforceOptions(`${sf.url}/services/data/v61.0/`, {}), {});
    const nulls = needs.filter((n) => n.field === 'Odoo_Invoice_Refs__c');
    // The body field, and not again for fields_to_null.
    expect(nulls).to.have.length(1);
    const custom = o.fields['fields_to_null']!.items!;
    expect(custom).to.have.length(3);
    expect(`${o.file}:${custom[0]!.line}:${custom[0]!.col}`).to.equal(itemSite('salesforce/order_status.yaml', '{ const: Odoo_Invoice_Refs__c'));
  });

  it('bad client credentials: exit 2 naming the target; every target is checked, the worst code wins', async () => {
    const wms = await startFake('generic-wms');
    try {
      const r = await run(configOf({
        crm_sf: sfTarget(),
        wms_gen: { preset: 'generic_wms', base_url: wms.baseUrl, auth: { type: 'api_key', header: 'X-API-Key', key: { env: 'K' } } },
      }), { SF: 'not-the-secret', K: 'wms-test-key' });
      expect(r.code).to.equal(2);
      expect(r.lines[0]).to.match(/^crm_sf: authentication failed/);
      expect(r.lines[1]).to.equal('wms_gen: ok (credentials work; no schema to check)');
    } finally {
      await wms.close();
    }
  });

  it('ShipBob: a cheap authenticated read; an unreachable target is exit 3', async () => {
    const sb = await startFake('shipbob');
    try {
      const good = await run(configOf({ wms_sb: { preset: 'shipbob', base_url: sb.baseUrl, auth: { type: 'bearer', token: { env: 'T' } }, options: { channel_id: 100 } } }), { T: 'shipbob-test-token' });
      expect(good.lines).to.deep.equal(['wms_sb: ok (credentials work; no schema to check)']);
      expect(good.code).to.equal(0);
      const bad = await run(configOf({ wms_sb: { preset: 'shipbob', base_url: sb.baseUrl, auth: { type: 'bearer', token: { env: 'T' } }, options: { channel_id: 100 } } }), { T: 'nope' });
      expect(bad.code).to.equal(2);
      const down = await run(configOf({ wms_sb: { preset: 'shipbob', base_url: 'http://127.0.0.1:9/2026-01/', timeout_ms: 2000, auth: { type: 'bearer', token: { env: 'T' } }, options: { channel_id: 100 } } }), { T: 'x' });
      expect(down.code).to.equal(3);
      expect(down.lines[0]).to.match(/^wms_sb: cannot reach the target or it failed/);
    } finally {
      await sb.close();
    }
  });
});
